// `doctor` against the embedded default: the Forge simulator, and the run's sshd, MariaDB and Redis standing in for
// the Forge server, with a file backend driven by the real pulumi CLI. DNS goes through an injected resolver.
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type DoctorCheck, formatChecks, run as runDoctorCommand, runDoctor } from "../../cli/commands/doctor";
import type { CliIo } from "../../cli/output";
import { PulumiCli } from "../../cli/pulumi/runner";
import { type EmbeddedDefault, startEmbeddedDefault, toConfigJson } from "../../tools/sandbox/embedded-default";
import { cliConfigOf } from "../../tools/sandbox/cli-env";
import { pulumiBinDir, repoRoot } from "./pulumi-engine";
import { testServices } from "../support/services";

jest.setTimeout(120_000);

/** The embedded default's stack config as the CLI takes it: plain keys in FORGE_PREVIEWS_CONFIG, secrets in variables. */
function environmentFor(
  embedded: EmbeddedDefault,
  base: Record<string, string>,
  overrides: Record<string, unknown> = {},
): Record<string, string> {
  const { mariadb } = embedded.services;
  const { secretEnv, plain } = cliConfigOf(embedded);
  const shared = { mysqlUser: mariadb.user, mysqlSocket: mariadb.socket, ...plain, ...overrides };
  const env: Record<string, string> = { ...base, FORGE_PREVIEWS_MYSQL_PASSWORD: mariadb.password, ...secretEnv };
  env.FORGE_PREVIEWS_CONFIG = JSON.stringify(shared);
  return env;
}

function byName(results: DoctorCheck[]): Record<string, DoctorCheck> {
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

describe("forge-previews doctor", () => {
  let scratch: string;
  let embedded: EmbeddedDefault;
  let base: Record<string, string>;
  const looked: string[] = [];
  const lookup = async (host: string): Promise<string[]> => {
    looked.push(host);
    return ["127.0.0.1"];
  };

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "cli-doctor-"));
    embedded = await startEmbeddedDefault({ dir: path.join(scratch, "sim"), services: testServices() });
    base = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? scratch,
      PULUMI_BACKEND_URL: `file://${scratch}`,
      PULUMI_CONFIG_PASSPHRASE: "doctor-test",
      PULUMI_HOME: path.join(scratch, "pulumi-home"),
      PULUMI_CLI_BIN_DIR: await pulumiBinDir(),
    };
  });

  afterAll(async () => {
    await embedded?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("passes every check when everything is reachable and configured", async () => {
    const results = await runDoctor({ env: environmentFor(embedded, base), cwd: process.cwd(), lookup });

    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["backend", "ok"],
      ["configuration", "ok"],
      ["forge token", "ok"],
      ["forge server", "ok"],
      ["ssh", "ok"],
      ["master databases", "ok"],
      ["clone method", "ok"],
      ["redis", "ok"],
      ["dns", "ok"],
    ]);
    const checks = byName(results);
    expect(checks["clone method"]?.detail).toMatch(
      /^transport for `demo_master` as root: transportable tablespaces are possible \(the SSH user is root, /,
    );
    expect(checks["configuration"]?.detail).toBe("apps demo (default); server 1; previews under sandbox.test");
    expect(checks["master databases"]?.detail).toMatch(/^demo_master present/);
    expect(checks["ssh"]?.detail).toContain(embedded.services.ssh.hostKeyFingerprint);
    expect(looked.at(-1)).toMatch(/^doctor-[0-9a-f]{8}\.sandbox\.test$/);
  });

  it("fails the token check with its fix, skips what needs the token, and never prints the token", async () => {
    const env = { ...environmentFor(embedded, base), FORGE_TOKEN: "wrong-token-abcdef" };
    const checks = byName(await runDoctor({ env, cwd: process.cwd(), lookup }));

    expect(checks["forge token"]).toMatchObject({
      status: "fail",
      detail: "Forge rejected the token (401: wrong, expired or revoked)",
    });
    expect(checks["forge token"]?.fix).toMatch(
      /^create a Forge API token with the scopes .*server:view.*site:create.* and set it in FORGE_TOKEN/,
    );
    expect(checks["forge server"]).toMatchObject({ status: "skip" });
    expect(checks["ssh"]).toMatchObject({ status: "ok" });
    expect(JSON.stringify(checks)).not.toContain("wrong-token-abcdef");
  });

  it("refuses a server whose host key is not the pinned one and skips the checks that need SSH", async () => {
    const other = `SHA256:${"A".repeat(43)}`;
    const checks = byName(
      await runDoctor({
        env: environmentFor(embedded, base, { sshHostKeyFingerprint: other }),
        cwd: process.cwd(),
        lookup,
      }),
    );

    expect(checks["ssh"]?.status).toBe("fail");
    expect(checks["ssh"]?.detail).toContain(`does not match: expected ${other}`);
    expect(checks["ssh"]?.fix).toBe("update sshHostKeyFingerprint only after checking the key on the server");
    expect([checks["master databases"]?.status, checks["redis"]?.status]).toEqual(["skip", "skip"]);
  });

  it("names a missing master database and a preview domain without a wildcard record, each with its fix", async () => {
    const apps = { demo: { repository: "acme/demo", masterDatabase: "absent_master" } };
    const unresolved = async (): Promise<string[]> => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const checks = byName(
      await runDoctor({ env: environmentFor(embedded, base, { apps }), cwd: process.cwd(), lookup: unresolved }),
    );

    expect(checks["master databases"]).toMatchObject({
      status: "fail",
      detail: "missing on the server: absent_master",
    });
    expect(checks["master databases"]?.fix).toMatch(/snapshots/);
    expect(checks["dns"]?.status).toBe("fail");
    expect(checks["dns"]?.detail).toMatch(/^doctor-[0-9a-f]{8}\.sandbox\.test does not resolve \(ENOTFOUND\)$/);
    expect(checks["dns"]?.fix).toBe(
      "add a wildcard record `*.sandbox.test` pointing at the server (127.0.0.1), or set cloudflareDns",
    );
  });

  it("names FORGE_PREVIEWS_DNS_SERVER and its fix when it holds no DNS server address", async () => {
    const env = { ...environmentFor(embedded, base), FORGE_PREVIEWS_DNS_SERVER: "not a server" };
    const checks = byName(await runDoctor({ env, cwd: process.cwd() }));

    expect(checks["dns"]).toMatchObject({
      status: "fail",
      detail: "FORGE_PREVIEWS_DNS_SERVER is `not a server`, not a DNS server address",
      fix: "set it to `host:port` (e.g. 127.0.0.1:5353) or unset it",
    });
    expect(checks["redis"]?.status).toBe("ok");
  });

  it("reports invalid configuration once and skips everything that needs it", async () => {
    const results = await runDoctor({
      env: environmentFor(embedded, base, { previewDomain: "not a domain" }),
      cwd: process.cwd(),
      lookup,
    });

    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["backend", "ok"],
      ["configuration", "fail"],
      ["forge token", "skip"],
      ["forge server", "skip"],
      ["ssh", "skip"],
      ["master databases", "skip"],
      ["clone method", "skip"],
      ["redis", "skip"],
      ["dns", "skip"],
    ]);
    expect(byName(results)["configuration"]?.detail).toMatch(/`forge-previews:previewDomain` is not a DNS name/);
  });

  it("reports a missing backend variable as a failed check instead of stopping", async () => {
    const { PULUMI_BACKEND_URL: _dropped, ...env } = environmentFor(embedded, base);
    const checks = byName(await runDoctor({ env, cwd: process.cwd(), lookup }));

    expect(checks["backend"]).toMatchObject({ status: "fail" });
    expect(checks["backend"]?.detail).toMatch(/^PULUMI_BACKEND_URL is not set/);
    expect(checks["configuration"]?.status).toBe("ok");
  });

  it("reads the configuration, secrets included, from the stack named by --stack", async () => {
    const project = path.join(scratch, "project");
    await mkdir(project);
    for (const entry of ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json"])
      await symlink(path.join(repoRoot, entry), path.join(project, entry));
    const pulumi = new PulumiCli({ cwd: project, binDir: base.PULUMI_CLI_BIN_DIR ?? "", env: base });
    await pulumi.runChecked(["stack", "init", "settings"], "");
    const { mariadb } = embedded.services;
    const config = toConfigJson("forge-previews", {
      mysqlUser: { value: mariadb.user },
      mysqlSocket: { value: mariadb.socket },
      mysqlPassword: { value: mariadb.password, secret: true },
      ...embedded.stackConfig,
    });
    expect((await pulumi.run(["config", "set-all", "--stack", "settings", "--json", config])).exitCode).toBe(0);

    const results = await runDoctor({ env: base, cwd: project, stack: "settings", lookup });

    expect(results.filter((r) => r.status !== "ok")).toEqual([]);
    expect(byName(results)["backend"]?.detail).toMatch(/: 1 stack, 0 previews$/);
  });

  it("prints one line per check with the fix under a failure, and exits with 1", async () => {
    const stdout: string[] = [];
    const io: CliIo = {
      out: (t) => stdout.push(t),
      err: () => undefined,
      env: {
        ...environmentFor(embedded, base, { cloudflareDns: true, cloudflareZoneId: "0".repeat(32) }),
        FORGE_TOKEN: "nope-nope-nope",
      },
      cwd: process.cwd(),
    };

    expect(await runDoctorCommand([], io)).toBe(1);
    const lines = stdout.join("\n").split("\n");
    expect(lines[0]).toMatch(/^ +CHECK +RESULT$/);
    expect(lines).toContainEqual(expect.stringMatching(/^FAIL +forge token +Forge rejected the token/));
    expect(lines).toContainEqual(expect.stringMatching(/^ +fix: create a Forge API token/));
    expect(lines).toContainEqual(expect.stringMatching(/^ok +dns +cloudflareDns: each preview gets its own record/));
    expect(lines.at(-1)).toBe("1 check failed.");
  });
});

describe("formatChecks", () => {
  it("puts each further line of a detail, and the fix, on rows of their own under the check", () => {
    const text = formatChecks([
      {
        name: "configuration",
        status: "fail",
        detail: "Invalid configuration (2 problems):\n  - a\n  - b",
        fix: "fix the keys named above",
      },
      { name: "dns", status: "skip", detail: "skipped: a check it depends on failed", fix: null },
    ]);

    expect(text.split("\n")).toEqual([
      "      CHECK          RESULT",
      "FAIL  configuration  Invalid configuration (2 problems):",
      "                       - a",
      "                       - b",
      "                     fix: fix the keys named above",
      "skip  dns            skipped: a check it depends on failed",
      "1 check failed.",
    ]);
  });
});

describe("forge-previews doctor with a token lacking scopes", () => {
  let scratch: string;
  let embedded: EmbeddedDefault;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "cli-doctor-scopes-"));
    embedded = await startEmbeddedDefault({
      dir: path.join(scratch, "sim"),
      services: testServices(),
      simulator: { tokenScopes: ["organization:view"] },
    });
  });

  afterAll(async () => {
    await embedded?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("names the scope the server check needs", async () => {
    const base = {
      PULUMI_BACKEND_URL: `file://${scratch}`,
      PULUMI_CONFIG_PASSPHRASE: "x",
      PULUMI_HOME: path.join(scratch, "home"),
      PULUMI_CLI_BIN_DIR: await pulumiBinDir(),
      PATH: process.env.PATH ?? "",
    };
    const checks = byName(
      await runDoctor({ env: environmentFor(embedded, base), cwd: process.cwd(), lookup: async () => ["127.0.0.1"] }),
    );

    expect(checks["forge token"]?.status).toBe("ok");
    expect(checks["forge server"]).toMatchObject({
      status: "fail",
      detail: "the token lacks a scope for server 1 (403; needs server:view)",
    });
  });
});
