import * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, type MockProgram } from "../../support/mock-program";

const SIG = "4dabf18193072939515e22adb298388d";
const FINGERPRINT = "SHA256:" + "B".repeat(43);
const CONFIG = {
  forgeOrg: "acme",
  forgeServerId: "42",
  forgeToken: "forge-token-never-an-input",
  previewDomain: "staging.example.com",
  apps: JSON.stringify({
    customer: {
      repository: "acme/customer",
      masterDatabase: "customer_master",
      productionDatabase: "customer",
      env: { STRIPE_KEY: "pk_test_1" },
      deployScriptExtras: ["php artisan horizon:terminate"],
    },
  }),
  sshHost: "203.0.113.10",
  sshHostKeyFingerprint: FINGERPRINT,
  sshPrivateKey: "ssh-key-never-an-input",
  branch: "feature/checkout",
  commitSha: "a".repeat(40),
  basicAuthMode: "shared",
  basicAuthPassword: "shared-basic-auth-password",
  redisPort: "6380",
  redisPassword: "redis-requirepass",
};
const SECRET_KEYS = ["forgeToken", "sshPrivateKey", "basicAuthPassword", "redisPassword"];

const isSecretEnvelope = (value: unknown): boolean => typeof value === "object" && value !== null && SIG in value;

function findUndefined(value: unknown, path: string): string[] {
  if (value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => findUndefined(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => findUndefined(v, `${path}.${k}`));
  return [];
}

/** Every resource `module[exported]` constructs from now on, with the options it was given. */
async function recordConstructions(
  modulePath: string,
  exported: string,
): Promise<Array<{ resource: pulumi.Resource; opts: pulumi.CustomResourceOptions | undefined }>> {
  const module = (await import(modulePath)) as Record<string, new (...args: any[]) => pulumi.Resource>;
  const Real = module[exported]!;
  const seen: Array<{ resource: pulumi.Resource; opts: pulumi.CustomResourceOptions | undefined }> = [];
  module[exported] = class extends Real {
    constructor(...args: any[]) {
      super(...args);
      seen.push({ resource: this, opts: args[2] as pulumi.CustomResourceOptions | undefined });
    }
  };
  return seen;
}

describe("the pr-123 program under mocks", () => {
  let mocks: MockProgram;
  let outputs: Record<string, unknown>;
  let basicAuths: Awaited<ReturnType<typeof recordConstructions>>;
  let certificates: Awaited<ReturnType<typeof recordConstructions>>;

  beforeAll(async () => {
    mocks = await installMocks({
      stack: "pr-123",
      config: CONFIG,
      secretConfigKeys: SECRET_KEYS,
      outputsFor: (args) => {
        switch (args.type) {
          case "pulumi-nodejs:dynamic/forge:Site":
            return {
              siteId: 501,
              siteDirectory: "/home/customer-pr123/pr-123.staging.example.com",
              url: "https://pr-123.staging.example.com",
              createdAt: "2026-11-27T00:00:00Z",
            };
          case "pulumi-nodejs:dynamic/forge:Database":
            return { databaseId: 61, userId: 62, password: "generated-db-password", host: "127.0.0.1", port: 3306 };
          case "pulumi-nodejs:dynamic/forge:DbSnapshotClone":
            return { methodUsed: "transport", sourceSnapshotAt: "2026-11-22T02:00:00Z" };
          case "pulumi-nodejs:dynamic/forge:RedisDbSlot":
            return { slot: 5, claimedAt: "2026-11-27T00:00:00Z" };
          case "pulumi-nodejs:dynamic/forge:SiteEnvironment":
            return { appKey: "base64:generated", managedKeys: [], contentSha256: "x" };
          case "pulumi-nodejs:dynamic/forge:Deployment":
            return { deploymentId: 9, status: "finished", commitSha: "a".repeat(40) };
          case "pulumi-nodejs:dynamic/forge:Worker":
            return { processId: 77, status: "running" };
          default:
            return undefined;
        }
      },
    });
    basicAuths = await recordConstructions("../../../providers/basic-auth", "BasicAuth");
    certificates = await recordConstructions("../../../providers/lets-encrypt-cert", "LetsEncryptCert");
    const { buildStack } = await import("../../../stacks/program");
    outputs = buildStack("pr-123");
    await promiseOf(outputs.url as pulumi.Output<string>);
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it("registers every resource of the environment once, named after the stack", () => {
    expect(mocks.registrations.map((r) => `${r.type} ${r.name}`).sort()).toStrictEqual(
      [
        "forge:index:PreviewEnvironment pr-123",
        "pulumi-nodejs:dynamic/forge:BasicAuth pr-123-basic-auth",
        "pulumi-nodejs:dynamic/forge:Database pr-123-database",
        "pulumi-nodejs:dynamic/forge:DbSnapshotClone pr-123-data",
        "pulumi-nodejs:dynamic/forge:HealthCheck pr-123-health",
        "pulumi-nodejs:dynamic/forge:Deployment pr-123-deployment",
        "pulumi-nodejs:dynamic/forge:LetsEncryptCert pr-123-certificate",
        "pulumi-nodejs:dynamic/forge:Preflight pr-123-preflight",
        "pulumi-nodejs:dynamic/forge:RedisDbSlot pr-123-redis",
        "pulumi-nodejs:dynamic/forge:Site pr-123-site",
        "pulumi-nodejs:dynamic/forge:SiteEnvironment pr-123-env",
        "pulumi-nodejs:dynamic/forge:Worker pr-123-worker",
      ].sort(),
    );
  });

  it("passes the naming module's names and the config to the site, database and Redis slot", () => {
    expect(mocks.registration("pr-123-site").inputs).toMatchObject({
      serverId: 42,
      domain: "pr-123.staging.example.com",
      isolatedUser: "customer-pr123",
      repository: "acme/customer",
      branch: "feature/checkout",
      pushToDeploy: false,
      ownerTag: "forge-previews-customer-pr-123",
    });
    expect(mocks.registration("pr-123-database").inputs).toMatchObject({
      name: "customer_pr_123",
      userName: "customer_pr123",
      protectedDatabases: ["customer", "customer_master"],
    });
    expect(mocks.registration("pr-123-data").inputs).toMatchObject({
      app: "customer",
      source: "customer_master",
      target: "customer_pr_123",
      ownerTag: "forge-previews-customer-pr-123",
      protectedDatabases: ["customer", "customer_master"],
      method: "auto",
      resetToken: "",
    });
    expect(mocks.registration("pr-123-redis").inputs).toMatchObject({
      stack: "pr-123",
      app: "customer",
      pr: 123,
      firstSlot: 2,
      lastSlot: 15,
      redisPort: 6380,
    });
  });

  it("wires the site, database and slot outputs into the environment, deployment and worker", () => {
    expect(mocks.registration("pr-123-env").inputs.siteId).toBe(501);
    const deployment = mocks.registration("pr-123-deployment").inputs;
    expect(deployment).toMatchObject({
      siteId: 501,
      siteDirectory: "/home/customer-pr123/pr-123.staging.example.com",
      commitSha: "a".repeat(40),
      extraScriptLines: ["php artisan horizon:terminate"],
    });
    expect(mocks.registration("pr-123-health").inputs).toMatchObject({
      siteId: 501,
      url: "https://pr-123.staging.example.com/up",
      deploymentId: 9,
      workers: [{ processId: 77, name: "forge-previews-pr-123-worker" }],
    });
    expect(mocks.registration("pr-123-worker").inputs).toMatchObject({
      siteId: 501,
      directory: "/home/customer-pr123/pr-123.staging.example.com",
      isolatedUser: "customer-pr123",
      name: "forge-previews-pr-123-worker",
    });
  });

  it("applies basic auth only after the certificate, whose http-01 check a whole-site rule would answer with 401", () => {
    expect(certificates).toHaveLength(1);
    expect(basicAuths).toHaveLength(1);
    const dependsOn = [basicAuths[0]!.opts?.dependsOn ?? []].flat() as unknown[];
    expect(dependsOn.includes(certificates[0]!.resource)).toBe(true);
  });

  it("keeps every credential secret and never passes the Forge token or SSH key as an input", async () => {
    expect(isSecretEnvelope(mocks.registration("pr-123-env").inputs.values)).toBe(true);
    expect(isSecretEnvelope(mocks.registration("pr-123-basic-auth").inputs.password)).toBe(true);
    expect(isSecretEnvelope(mocks.registration("pr-123-health").inputs.auth)).toBe(true);
    expect(isSecretEnvelope(mocks.registration("pr-123-health").inputs.redactions)).toBe(true);
    expect(isSecretEnvelope(mocks.registration("pr-123-deployment").inputs.redactions)).toBe(true);
    const redactions = mocks.registration("pr-123-deployment").inputs.redactions as { value: string[] };
    expect(redactions.value).toContain("redis-requirepass");
    const everything = JSON.stringify(mocks.registrations.map((r) => r.inputs));
    expect(everything).not.toContain("forge-token-never-an-input");
    expect(everything).not.toContain("ssh-key-never-an-input");
    expect(await pulumi.isSecret(outputs.databasePassword as pulumi.Output<string>)).toBe(true);
    expect(await pulumi.isSecret(outputs.basicAuthPassword as pulumi.Output<string>)).toBe(true);
  });

  it("writes the server's Redis with its password, the slot into both REDIS_DB and REDIS_CACHE_DB and pins mail to the log", () => {
    const values = (mocks.registration("pr-123-env").inputs.values as { value: Record<string, string> }).value;
    expect(values).toMatchObject({
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: "6380",
      REDIS_PASSWORD: "redis-requirepass",
      REDIS_DB: "5",
      REDIS_CACHE_DB: "5",
      MAIL_MAILER: "log",
      DB_DATABASE: "customer_pr_123",
      DB_PASSWORD: "generated-db-password",
      STRIPE_KEY: "pk_test_1",
    });
  });

  it("registers no undefined anywhere", () => {
    expect(mocks.registrations.flatMap((r) => findUndefined(r.inputs, r.name))).toStrictEqual([]);
  });

  it("exports the outputs the CLI and the PR comment read", async () => {
    expect(Object.keys(outputs).sort()).toStrictEqual([
      "app",
      "basicAuthPassword",
      "basicAuthUser",
      "branch",
      "cloneMethod",
      "commit",
      "createdAt",
      "databaseName",
      "databasePassword",
      "pr",
      "redisDb",
      "siteId",
      "snapshot",
      "stack",
      "url",
    ]);
    expect(await promiseOf(outputs.url as pulumi.Output<string>)).toBe("https://pr-123.staging.example.com");
    expect(await promiseOf(outputs.redisDb as pulumi.Output<number>)).toBe(5);
    expect(await promiseOf(outputs.snapshot as pulumi.Output<string>)).toBe("2026-11-22T02:00:00Z");
  });
});
