// Every dynamic resource's check and diff, with a known secret planted in each input that carries one: no failure
// reason, property name, diff result or thrown message may contain it (issue #13), and each such input is marked
// secret when the resource registers, so the engine prints `[secret]` for the value beside a failure.
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { installMocks, type MockProgram } from "../../support/mock-program";
import { discoverDynamicResources } from "../../support/provider-safety";
import * as samples from "../../support/samples";

const ROOT = path.resolve(__dirname, "../../..");
const SECRET = "planted-SECRET-4e7d9a1c";
const SIG = "4dabf18193072939515e22adb298388d";

type Inputs = Record<string, unknown>;

interface SecretSample {
  /** Valid constructor args, which check accepts. */
  args: Inputs;
  /** Each input that carries a secret, with values holding SECRET, valid and invalid in every way its rules check. */
  secretInputs: Record<string, unknown[]>;
}

/** Keyed by the folder under providers/; a dynamic resource missing here fails the first test. */
const SAMPLES: Record<string, SecretSample> = {
  "basic-auth": {
    args: { serverId: 1, siteId: 2, name: "forge-previews", username: "preview", password: "pw-shared-1" },
    secretInputs: { password: [SECRET, `${SECRET}\n`, `${SECRET}\u0000`, `\t${SECRET}`] },
  },
  "db-snapshot-clone": {
    args: {
      app: "shop",
      source: "shop_master",
      target: "shop_pr_1",
      ownerTag: "forge-previews-shop-pr-1",
      protectedDatabases: ["shop", "shop_master"],
    },
    secretInputs: {},
  },
  deployment: {
    args: { ...samples.DEPLOYMENT_INPUTS, redactions: ["pw"] },
    secretInputs: {
      redactions: [[SECRET], [SECRET, 5], [5, SECRET, null], SECRET, { value: SECRET }],
    },
  },
  "health-check": {
    args: {
      serverId: 1,
      siteId: 2,
      url: "https://pr-1.example.dev/up",
      resolve: null,
      auth: { username: "preview", password: "pw" },
      deploymentId: 3,
      workers: [{ processId: 4, name: "forge-previews-pr-1-worker" }],
      redactions: ["pw"],
    },
    secretInputs: {
      auth: [
        { username: "preview", password: SECRET },
        { username: `${SECRET}:x`, password: SECRET },
        { username: SECRET, password: "" },
        { username: "", password: SECRET },
        { username: SECRET.repeat(20), password: 5 },
        SECRET,
        [SECRET],
      ],
      redactions: [[SECRET], [SECRET, 5], [5, SECRET, null], SECRET, { value: SECRET }],
    },
  },
  "forge-database": {
    args: { serverId: 1, name: "shop_pr_1", userName: "shop_pr1", protectedDatabases: ["shop"] },
    secretInputs: {},
  },
  "forge-site": { args: samples.FORGE_SITE_ARGS, secretInputs: {} },
  "forge-worker": { args: samples.FORGE_WORKER_INPUTS, secretInputs: {} },
  "lets-encrypt-cert": {
    args: { serverId: 1, siteId: 12, domain: "pr-12.preview.test", mode: "letsencrypt", cloneCertificateId: null },
    secretInputs: {},
  },
  "master-snapshot": { args: samples.MASTER_SNAPSHOT_INPUTS, secretInputs: {} },
  preflight: { args: samples.PREFLIGHT_INPUTS, secretInputs: {} },
  "redis-db-slot": {
    args: { stack: "pr-1", app: "shop", pr: 1, firstSlot: 2, lastSlot: 15, redisHost: "127.0.0.1", redisPort: 6379 },
    secretInputs: {},
  },
  "site-environment": {
    args: { serverId: 1, siteId: 2, values: { APP_NAME: "Shop PR 7", DB_PASSWORD: "pw-123456", MAIL_MAILER: "log" } },
    secretInputs: {
      values: [
        { DB_PASSWORD: SECRET, MAIL_MAILER: "log" },
        { DB_PASSWORD: `${SECRET}\u0000`, MAIL_MAILER: "log" },
        { DB_PASSWORD: SECRET },
        { STRIPE_SECRET: `sk_live_${SECRET}`, MAIL_MAILER: "log" },
        { APP_KEY: SECRET, MAIL_MAILER: "log" },
        { MAIL_MAILER: SECRET },
        { [`DB_PASSWORD=${SECRET}`]: "x", MAIL_MAILER: "log" },
        { [`1${SECRET} x`]: SECRET, MAIL_MAILER: "log" },
        { DB_PASSWORD: [SECRET], MAIL_MAILER: "log" },
        SECRET,
        [SECRET],
      ],
    },
  },
};

interface Discovered {
  folder: string;
  className: string;
}

/** The dynamic resources under providers/: each folder's index.ts and the class it declares. */
function discoverResources(): Discovered[] {
  return discoverDynamicResources("providers")
    .flatMap(({ file, className }) => {
      const folder = /^providers\/([^/]+)\/index\.ts$/.exec(file)?.[1];
      return folder === undefined ? [] : [{ folder, className }];
    })
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

interface LoadedProvider {
  check(olds: Inputs, news: Inputs): Promise<pulumi.dynamic.CheckResult<Inputs>>;
  diff(id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.DiffResult>;
}

/** Everything check or diff said, as text: reasons, properties, the diff result, or the message it threw. */
async function textOf(run: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await run());
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

const resources = discoverResources();

describe("secrets in the check and diff of every dynamic resource", () => {
  let mocks: MockProgram;
  const modules = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    mocks = await installMocks({ stack: "pr-1" });
    for (const { folder } of resources)
      modules.set(folder, (await import(path.join(ROOT, "providers", folder))) as Record<string, unknown>);
  });

  it("has a sample for exactly the dynamic resources under providers/", () => {
    expect(resources.length).toBeGreaterThan(0);
    expect(Object.keys(SAMPLES).sort()).toStrictEqual(resources.map((r) => r.folder));
  });

  it.each(resources.map((r) => [r.folder, r] as const))(
    "%s: accepts its sample args, so the planted values are what fails",
    async (folder) => {
      const provider = modules.get(folder)!.provider as LoadedProvider;
      const { failures } = await provider.check({}, SAMPLES[folder]!.args);
      expect(failures ?? []).toStrictEqual([]);
    },
  );

  it.each(resources.map((r) => [r.folder, r] as const))(
    "%s: registers exactly its secret-carrying inputs as secrets",
    async (folder, { className }) => {
      mocks.reset();
      type Constructor = new (name: string, args: Inputs) => pulumi.CustomResource;
      const Resource = modules.get(folder)![className] as Constructor;
      new Resource(`secret-${folder}`, SAMPLES[folder]!.args);
      await new Promise((resolve) => setTimeout(resolve, 50));

      const registered = mocks.registration(`secret-${folder}`).inputs as Inputs;
      const secretOnes = Object.keys(registered).filter(
        (key) => typeof registered[key] === "object" && registered[key] !== null && SIG in (registered[key] as object),
      );
      expect(secretOnes.sort()).toStrictEqual(Object.keys(SAMPLES[folder]!.secretInputs).sort());
    },
  );

  const planted = resources.flatMap(({ folder }) =>
    Object.entries(SAMPLES[folder]!.secretInputs).flatMap(([input, values]) =>
      values.map((value, index) => [folder, input, index, value] as const),
    ),
  );

  it.each(planted)(
    "%s: check never shows the secret planted in `%s` (variant %i)",
    async (folder, input, _index, value) => {
      const provider = modules.get(folder)!.provider as LoadedProvider;
      const news = { ...SAMPLES[folder]!.args, [input]: value };

      const result = await provider.check({}, news);
      const said = (result.failures ?? []).map((f) => `${f.property}: ${f.reason}`).join("\n");

      expect(said).not.toContain(SECRET);
    },
  );

  it.each(planted)(
    "%s: diff never shows the secret planted in `%s` (variant %i)",
    async (folder, input, _index, value) => {
      const provider = modules.get(folder)!.provider as LoadedProvider;
      const olds = { ...SAMPLES[folder]!.args, [input]: value };
      const news = { ...SAMPLES[folder]!.args };

      const said = [
        await textOf(() => provider.diff("id-1", olds, news)),
        await textOf(() => provider.diff("id-1", news, olds)),
      ].join("\n");

      expect(said).not.toContain(SECRET);
    },
  );

  it("makes at least one check fail for each secret-carrying input, so the greps above read real messages", async () => {
    const failing = new Set<string>();
    for (const [folder, input, , value] of planted) {
      const provider = modules.get(folder)!.provider as LoadedProvider;
      const { failures } = await provider.check({}, { ...SAMPLES[folder]!.args, [input]: value });
      if ((failures ?? []).length > 0) failing.add(`${folder}.${input}`);
    }
    expect([...failing].sort()).toStrictEqual(
      planted
        .map(([folder, input]) => `${folder}.${input}`)
        .filter((v, i, all) => all.indexOf(v) === i)
        .sort(),
    );
  });
});
