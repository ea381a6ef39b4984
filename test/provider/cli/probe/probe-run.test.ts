import { SlidingWindowRateLimiter, setSharedRateLimiter } from "../../../../providers/forge";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runProbe } from "../../../../cli/commands/probe";
import type { Exchange } from "../../../../cli/probe/recorder";
import { redactSecrets } from "../../../../providers/common/redact";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../../../tools/simulator";
import { SECRETS } from "../../../support/github/harness";
import {
  EMPTY_PROBE_STATE,
  PROBE_SERVER_ID,
  answerShapes,
  type ProbeRun,
  probeEnv,
  probeObjects,
  probeSimulatorOptions,
  readFixture,
  removeRun,
  runProbeCli,
} from "../../../support/probe";

interface Report {
  observations: {
    deployment?: { siteStatusAfter: string; siteDeploymentStatusAfter: string | null; statuses: string[] };
    certificate?: { result: { accepted: boolean; statuses?: string[] } };
    isolatedUserReuse?: { accepted: boolean };
  };
  failure: { step: string; message: string } | null;
  leftovers: unknown[];
  findings: { rows: string; settled: boolean; answer: string }[];
}

const SIMULATOR = probeSimulatorOptions();

let sim: Simulator | undefined;
const runs: ProbeRun[] = [];

beforeAll(() => setSharedRateLimiter(new SlidingWindowRateLimiter({ limit: 10_000 })));

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const run of runs.splice(0)) await removeRun(run);
});

async function probe(options: Partial<SimulatorOptions>, argv = ["--server", "77"]): Promise<ProbeRun> {
  sim = await startSimulator({ ...SIMULATOR, ...options });
  const run = await runProbeCli(sim, argv);
  runs.push(run);
  return run;
}

function answer(report: Report, rows: string): string {
  const found = report.findings.find((finding) => finding.rows === rows);
  if (found === undefined) throw new Error(`no finding for ${rows}`);
  return found.answer;
}

describe("forge-previews probe against the simulator", () => {
  it("refuses a missing or malformed --server before any Forge call", async () => {
    const missing = await probe({}, []);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("`--server` is required");
    const malformed = await runProbeCli(sim as Simulator, ["--server", "srv-1"]);
    runs.push(malformed);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain("`--server` must be a Forge server id");
    const badDomain = await runProbeCli(sim as Simulator, ["--server", "77", "--domain", "localhost"]);
    runs.push(badDomain);
    expect(badDomain.err).toContain("`--domain` must be a DNS name");
    // A folder holding anything is refused: the probe never overwrites a file.
    const taken = await runProbeCli(sim as Simulator, ["--server", "77", "--out", path.join(__dirname)]);
    expect(taken.code).toBe(2);
    expect(taken.err).toContain("which is not empty; name a new or empty directory");
    runs.push(taken);
    expect((sim as Simulator).requests).toEqual([]);
  });

  it("settles what the default profile shows and leaves nothing behind", async () => {
    const run = await probe({ profile: "instant" });
    expect(run.err).not.toContain("error");
    expect(run.code).toBe(0);
    expect(probeObjects((sim as Simulator).state())).toEqual(EMPTY_PROBE_STATE);
    expect(run.out).toContain("settled  issue 1, unknowns 1");
    expect(run.out).toContain("no: the first read found the site");
    expect(run.out).toContain("sent `php84`, reported `php84`; quick_deploy false");
    expect(run.out).toMatch(/settled {2}unknowns 13, 14:.*\n\s+refused \(422: .*user/);
    expect(run.out).toContain("the site then reported status `installed`, deployment_status `failed`");
    expect(run.out).toContain("statuses `installing` → `installed`; listed");
    expect(run.out).toMatch(/issue 14, unknowns 8:.*\n\s+accepted; the new site went .*`installed` as user `probe/);
    const report = await readFixture<Report>(run.dir, "report.json");
    expect(report.failure).toBeNull();
    expect(report.leftovers).toEqual([]);
    // The simulator saw every object go: sites, the certificate, the rule; the refused process was never made.
    const deletes = (sim as Simulator).requests.filter((r) => r.method === "DELETE").map((r) => r.route);
    expect(deletes).toEqual([
      "/orgs/{organization}/servers/{server}/sites/{site}/domains/{domainRecord}/certificates/{certificate}",
      "/orgs/{organization}/servers/{server}/sites/{site}/security-rules/{securityRule}",
      "/orgs/{organization}/servers/{server}/sites/{site}",
      "/orgs/{organization}/servers/{server}/sites/{site}",
    ]);
  });

  it("names the hostile profile's forms in its report and leaves nothing behind", async () => {
    const run = await probe({ profile: "hostile", timeScale: 0.005 });
    expect(run.code).toBe(0);
    expect(probeObjects((sim as Simulator).state())).toEqual(EMPTY_PROBE_STATE);
    const report = await readFixture<Report>(run.dir, "report.json");
    expect(answer(report, "issue 3, unknowns 3")).toBe(
      "sent `php84`, reported `PHP 8.4`; quick_deploy null (created with push_to_deploy false)",
    );
    expect(answer(report, "issue 6, unknowns 20")).toBe("statuses null; listed in the site's rules");
    // The hostile profile never lists a site's tags.
    expect(answer(report, "issue 4, unknowns 7")).toMatch(
      /^first read: missing `forge-previews-probe`, `forge-previews-probe-[0-9a-f]{8}`; after install: missing `forge-previews-probe`, `forge-previews-probe-[0-9a-f]{8}`$/,
    );
  });

  it("removes what it made when a step fails midway", async () => {
    sim = await startSimulator({ ...SIMULATOR, profile: "hostile", timeScale: 0.005 });
    sim.inject({
      method: "POST",
      path: "/orgs/{organization}/servers/{server}/sites/{site}/deployments",
      status: 500,
      times: Infinity,
    });
    const run = await runProbeCli(sim, ["--server", "77"]);
    runs.push(run);
    expect(run.code).toBe(1);
    expect(run.out).toContain("stopped early in step `deployment`");
    expect(run.out).toContain("removed: site");
    expect(probeObjects(sim.state())).toEqual(EMPTY_PROBE_STATE);
    const report = await readFixture<Report>(run.dir, "report.json");
    expect(answer(report, "issue 6, unknowns 20")).toContain("not reached");
  });

  it("tracks a security rule whose create answer was lost and removes it", async () => {
    sim = await startSimulator({ ...SIMULATOR, profile: "instant" });
    sim.inject({
      method: "POST",
      path: "/orgs/{organization}/servers/{server}/sites/{site}/security-rules",
      lostAnswer: "reset",
    });
    const run = await runProbeCli(sim, ["--server", "77"]);
    runs.push(run);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/removed: .*security rule \d+ \(forge-previews-probe-/);
    expect(probeObjects(sim.state())).toEqual(EMPTY_PROBE_STATE);
  });

  it("agrees with the checked-in hostile fixtures on every form the open questions are about", async () => {
    const run = await probe({ profile: "hostile", timeScale: 0.005 });
    expect(run.code).toBe(0);
    const checkedIn = path.join(__dirname, "..", "..", "..", "fixtures", "forge-probe", "hostile");
    const [fresh, recorded] = [run.dir, checkedIn];
    expect(answerShapes(await readFixture<Exchange[]>(fresh, "exchanges.json"))).toEqual(
      answerShapes(await readFixture<Exchange[]>(recorded, "exchanges.json")),
    );
    const now = await readFixture<Report>(fresh, "report.json");
    const then = await readFixture<Report>(recorded, "report.json");
    // Names carry the run id; the status sequences depend on the jittered durations, so only their ends compare.
    const forms = (report: Report): unknown => ({
      findings: report.findings
        .filter((f) => !["issue 1, unknowns 1", "issue 2, unknowns 2", "issue 7, unknowns 17"].includes(f.rows))
        .map((f) => ({ ...f, answer: f.answer.replace(/probe-?[0-9a-z]{8}/g, "probe-<run>") })),
      siteAfterFailedDeployment: [
        report.observations.deployment?.siteStatusAfter,
        report.observations.deployment?.siteDeploymentStatusAfter,
        report.observations.deployment?.statuses.at(-1),
      ],
      certificate: report.observations.certificate?.result.statuses?.at(-1),
      isolatedUserReused: report.observations.isolatedUserReuse?.accepted,
    });
    expect(forms(now)).toEqual(forms(then));
  });

  it("prints and writes no token and nothing a redactor would still recognise as a secret", async () => {
    const run = await probe({ profile: "hostile", timeScale: 0.005 });
    for (const text of [run.out, run.err]) {
      expect(text).not.toContain(SECRETS.forgeToken);
      expect(redactSecrets(text, [])).toBe(text);
    }
    const exchanges = JSON.stringify(await readFixture<Exchange[]>(run.dir, "exchanges.json"));
    expect(exchanges).not.toContain(SECRETS.forgeToken);
    expect(exchanges).not.toMatch(/"password":\s*"(?!\[REDACTED\])/);
  });

  it("stops at an interrupt and still removes what it made", async () => {
    const live = await startSimulator({ ...SIMULATOR, profile: "hostile", timeScale: 0.05 });
    sim = live;
    const dir = await mkdtemp(path.join(tmpdir(), "forge-probe-"));
    runs.push({ code: 0, out: "", err: "", dir });
    const interrupt = new AbortController();
    // Interrupted while the site installs: it exists, and the probe is polling it.
    const watcher = setInterval(() => {
      if (live.state().sites.length > 0) interrupt.abort();
    }, 5);
    const { result } = await runProbe({
      env: probeEnv(live),
      cwd: dir,
      serverId: PROBE_SERVER_ID,
      outDir: path.join(dir, "out"),
      signal: interrupt.signal,
    }).finally(() => clearInterval(watcher));
    expect(result.failure).toEqual({ step: "site", message: expect.stringContaining("interrupted") });
    expect(result.removed).toEqual([expect.stringMatching(/^site \d+ \(probe-/)]);
    expect(probeObjects(live.state())).toEqual(EMPTY_PROBE_STATE);
  });

  it("warns when pointed at the preview server and stops at a server Forge does not know", async () => {
    const run = await probe({}, ["--server", "4242"]);
    expect(run.err).toContain("warning: server 4242 is forgeServerId");
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/stopped early in step `site`: .*404/);
    expect(run.out).toContain("removed: nothing");
    expect(probeObjects((sim as Simulator).state())).toEqual(EMPTY_PROBE_STATE);
  });

  it("looks again for a rule whose create answer was lost and whose first look-up failed, and removes it", async () => {
    const live = await startSimulator({ ...SIMULATOR, profile: "instant" });
    sim = live;
    const rules = "/orgs/{organization}/servers/{server}/sites/{site}/security-rules";
    live.inject({ method: "POST", path: rules, lostAnswer: "reset" });
    live.inject({ method: "GET", path: rules, status: 500 });
    const dir = await mkdtemp(path.join(tmpdir(), "forge-probe-"));
    runs.push({ code: 0, out: "", err: "", dir });
    const { result } = await runProbe({
      env: probeEnv(live),
      cwd: dir,
      serverId: PROBE_SERVER_ID,
      outDir: path.join(dir, "out"),
      forgeClient: { retry: { attempts: 1 } },
    });
    expect(result.failure?.step).toBe("security-rule");
    expect(result.removed).toEqual([
      expect.stringMatching(/^security rule \d+ \(forge-previews-probe-/),
      expect.stringMatching(/^site \d+ \(probe-/),
    ]);
    expect(result.leftovers).toEqual([]);
    expect(probeObjects(live.state())).toEqual(EMPTY_PROBE_STATE);
  });

  it("removes a background process Forge accepted for the isolated user", async () => {
    // Without the contract check the simulator takes any `user`, as the real Forge may.
    const run = await probe({ profile: "instant", openapiPath: null });
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/unknowns 13, 14:.*\n\s+accepted; reported user `probe[0-9a-f]{8}`, statuses `installing`/);
    expect(run.out).toMatch(/removed: .*background process \d+ \(forge-previews-probe-/);
    expect(probeObjects((sim as Simulator).state())).toEqual(EMPTY_PROBE_STATE);
  });
});
