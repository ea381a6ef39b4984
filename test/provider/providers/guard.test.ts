import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { type CapturedRegistration, captureRegistration } from "../../support/capture-provider";
import { type DynamicHost, PROJECT_ROOT, startDynamicHost } from "../../support/dynamic-host";
import {
  type DiscoveredResource,
  assertProviderSafe,
  discoverDynamicResources,
  findMissingSamples,
} from "../../support/provider-safety";
import * as samples from "../../support/samples";

interface GuardSample {
  /** Constructor args for a sample instance; the guard captures its registration under mocks. */
  args: Record<string, unknown>;
  /** Also create and delete it through the host. Only for resources whose create reaches nothing but 127.0.0.1. */
  create?: boolean;
}

/**
 * Sample args for every dynamic resource in providers/, keyed by class name. A resource missing here fails the
 * guard, so a new provider cannot skip the credential and JSON-safety checks.
 */
const SAMPLES: Record<string, GuardSample> = {
  // Forge-side resources: check and serialization only; their create talks to Forge and is covered per provider.
  ForgeDatabase: { args: { serverId: 1, name: "guard_pr_1", userName: "guard_pr1", protectedDatabases: ["guard"] } },
  SiteEnvironment: {
    args: { serverId: 1, siteId: 2, values: { APP_NAME: "Shop PR 7", DB_PASSWORD: "pw-123456", MAIL_MAILER: "log" } },
  },
  BasicAuth: { args: { serverId: 1, siteId: 2, name: "forge-previews", username: "preview", password: null } },
  ForgeSite: { args: samples.FORGE_SITE_ARGS },
  ForgeWorker: { args: samples.FORGE_WORKER_INPUTS },
  Deployment: { args: samples.DEPLOYMENT_INPUTS },
  HealthCheck: { args: samples.HEALTH_CHECK_INPUTS },
  DbSnapshotClone: {
    args: {
      app: "guard",
      source: "guard_master",
      target: "guard_pr_1",
      ownerTag: "forge-previews-guard-pr-1",
      protectedDatabases: ["guard", "guard_master"],
    },
  },
  MasterSnapshot: { args: samples.MASTER_SNAPSHOT_INPUTS },
  RedisDbSlot: {
    args: { stack: "pr-1", app: "guard", pr: 1, firstSlot: 2, lastSlot: 15, redisHost: "127.0.0.1", redisPort: 6379 },
  },
  LetsEncryptCert: {
    args: { serverId: 1, siteId: 12, domain: "pr-12.preview.test", mode: "letsencrypt", cloneCertificateId: null },
  },
  Preflight: { args: { ...samples.PREFLIGHT_INPUTS, masterDatabase: "guard_master", targetDatabase: "guard_pr_1" } },
};

/** Fake credentials, set in the stack config and the environment of both the program and the host. */
const CONFIG_TOKEN = "forge-token-XYZ-config";
const ENV_TOKEN = "forge-token-XYZ-env";
/** The server-side credentials, which the SSH and database resources read from the same stack config. */
const SERVER_SECRETS = {
  sshPrivateKey: "ssh-key-XYZ-config",
  mysqlPassword: "mysql-password-XYZ-config",
  redisPassword: "redis-password-XYZ-config",
};
const CONFIG = { forgeToken: CONFIG_TOKEN, ...SERVER_SECRETS };
const SECRETS = {
  "config `forge-previews:forgeToken`": CONFIG_TOKEN,
  "env FORGE_API_TOKEN": ENV_TOKEN,
  ...Object.fromEntries(
    Object.entries(SERVER_SECRETS).map(([key, value]) => [`config \`forge-previews:${key}\``, value]),
  ),
};

type ResourceConstructor = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

async function captureSample(
  file: string,
  className: string,
  args: Record<string, unknown>,
): Promise<CapturedRegistration> {
  return captureRegistration(
    async () => {
      const module = (await import(path.join(PROJECT_ROOT, file))) as Record<string, unknown>;
      const Resource = module[className] as ResourceConstructor;
      return new Resource(`guard-${className.toLowerCase()}`, args);
    },
    { config: CONFIG },
  );
}

describe("the dynamic provider guard", () => {
  const projectResources = discoverDynamicResources("providers");
  let host: DynamicHost;
  let directory: string;

  beforeAll(async () => {
    process.env.FORGE_API_TOKEN = ENV_TOKEN;
    const os = await import("node:os");
    const fs = await import("node:fs/promises");
    directory = await fs.mkdtemp(path.join(os.tmpdir(), "guard-"));
    host = await startDynamicHost({
      config: Object.fromEntries(Object.entries(CONFIG).map(([key, value]) => [`forge-previews:${key}`, value])),
      env: { FORGE_API_TOKEN: ENV_TOKEN },
    });
  });

  afterAll(async () => {
    delete process.env.FORGE_API_TOKEN;
    await host?.close();
    const fs = await import("node:fs/promises");
    if (directory) await fs.rm(directory, { recursive: true, force: true });
  });

  it("has sample args for exactly the dynamic resources declared in providers/", () => {
    expect(findMissingSamples(projectResources, SAMPLES)).toStrictEqual([]);
    expect(Object.keys(SAMPLES).sort()).toStrictEqual(projectResources.map(({ className }) => className).sort());
  });

  it("passes every dynamic resource in providers/", async () => {
    const checked: DiscoveredResource[] = [];
    for (const resource of projectResources) {
      const sample = SAMPLES[resource.className];
      const registration = await captureSample(resource.file, resource.className, sample.args);
      await assertProviderSafe({ host, registration, secrets: SECRETS, create: sample.create });
      checked.push(resource);
    }
    expect(checked).toStrictEqual(projectResources);
  });

  describe("discovery", () => {
    const fixtures = discoverDynamicResources("test/fixtures/providers");

    it("finds classes extending pulumi.dynamic.Resource", () => {
      expect(fixtures).toStrictEqual([
        { file: "test/fixtures/providers/leaky-token.ts", className: "LeakyToken" },
        { file: "test/fixtures/providers/note-file.ts", className: "NoteFile" },
        { file: "test/fixtures/providers/undefined-outputs.ts", className: "UndefinedOutputs" },
      ]);
    });

    it("asks for sample args for a discovered resource that has none", () => {
      expect(findMissingSamples(fixtures, { NoteFile: {} })).toStrictEqual([
        "add sample args for LeakyToken (test/fixtures/providers/leaky-token.ts) to the table in test/provider/providers/guard.test.ts",
        "add sample args for UndefinedOutputs (test/fixtures/providers/undefined-outputs.ts) to the table in test/provider/providers/guard.test.ts",
      ]);
    });
  });

  /** A well-behaved provider-kit resource that writes a note into the suite's directory. */
  const captureNoteFile = (): Promise<CapturedRegistration> =>
    captureSample("test/fixtures/providers/note-file.ts", "NoteFile", {
      directory,
      name: "guarded",
      body: "safe",
      failAfterWrite: false,
    });

  it("passes a provider-kit shim that reads its credentials at call time", async () => {
    const registration = await captureNoteFile();

    await expect(assertProviderSafe({ host, registration, secrets: SECRETS, create: true })).resolves.toBeUndefined();
  });

  it("reports a provider that captured the token in its closure, without quoting the token", async () => {
    const registration = await captureSample("test/fixtures/providers/leaky-token.ts", "LeakyToken", { label: "a" });
    expect(registration.providerText).toContain(CONFIG_TOKEN);

    const failure = assertProviderSafe({ host, registration, secrets: SECRETS, create: true });

    await expect(failure).rejects.toThrow(
      "pulumi-nodejs:dynamic/fixtures:LeakyToken (guard-leakytoken): its serialized `__provider` contains the credential " +
        "from config `forge-previews:forgeToken`",
    );
    await expect(failure).rejects.toThrow("its provider is not a provider-kit shim");
    await expect(failure).rejects.not.toThrow(CONFIG_TOKEN);
  });

  it("reports a provider the SDK serialized as a secret, which means it captured a secret Output", async () => {
    const registration = await captureNoteFile();

    await expect(
      assertProviderSafe({ host, registration: { ...registration, providerIsSecret: true }, secrets: SECRETS }),
    ).rejects.toThrow(
      "pulumi-nodejs:dynamic/fixtures:NoteFile (guard-notefile): the SDK marked its serialized `__provider` secret",
    );
  });

  it("reports a provider whose create returns undefined, which the real host cannot encode", async () => {
    const registration = await captureSample("test/fixtures/providers/undefined-outputs.ts", "UndefinedOutputs", {
      label: "b",
    });

    await expect(assertProviderSafe({ host, registration, secrets: SECRETS, create: true })).rejects.toThrow(
      "pulumi-nodejs:dynamic/fixtures:UndefinedOutputs (guard-undefinedoutputs): create returned outputs the host cannot " +
        "encode (Unexpected struct type.)",
    );
  });
});
