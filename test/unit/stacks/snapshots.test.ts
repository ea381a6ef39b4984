import type * as pulumi from "@pulumi/pulumi";
import { installMocks, promiseOf, type MockProgram } from "../../support/mock-program";

const FINGERPRINT = "SHA256:" + "B".repeat(43);
const MASK = "UPDATE users SET email = CONCAT('user', id, '@example.invalid')";
const CONFIG = {
  forgeOrg: "acme",
  forgeServerId: "42",
  forgeToken: "forge-token-never-an-input",
  previewDomain: "staging.example.com",
  productionDatabases: JSON.stringify(["legacy"]),
  apps: JSON.stringify({
    customer: {
      repository: "acme/customer",
      masterDatabase: "customer_master",
      productionDatabase: "customer",
      maskingSql: MASK,
    },
    billing: { repository: "acme/billing", masterDatabase: "billing_master", productionDatabase: "billing" },
    docs: { repository: "acme/docs", masterDatabase: "docs_master" },
  }),
  sshHost: "203.0.113.10",
  sshHostKeyFingerprint: FINGERPRINT,
  sshPrivateKey: "ssh-key-never-an-input",
  mysqlPassword: "mysql-password-never-an-input",
};
const SECRET_KEYS = ["forgeToken", "sshPrivateKey", "mysqlPassword"];
const TYPE = "pulumi-nodejs:dynamic/forge:MasterSnapshot";

describe("the snapshots program under mocks", () => {
  let mocks: MockProgram;
  let outputs: Record<string, unknown>;
  const startedAt = Date.now();

  beforeAll(async () => {
    mocks = await installMocks({
      stack: "snapshots",
      config: CONFIG,
      secretConfigKeys: SECRET_KEYS,
      outputsFor: (args) =>
        args.type === TYPE
          ? {
              snapshotAt: `2026-11-22T02:00:0${args.name.length % 10}Z`,
              bytes: args.name.length * 1000,
              tables: 7,
              rows: args.name.length * 100,
              seconds: 3,
              method: "stream-dump",
              sealed: true,
            }
          : undefined,
    });
    const { buildStack } = await import("../../../stacks/program");
    outputs = buildStack("snapshots");
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it("registers one MasterSnapshot per app with a production database, and nothing else", () => {
    expect(mocks.registrations.map((r) => [r.type, r.name])).toStrictEqual([
      [TYPE, "billing-master"],
      [TYPE, "customer-master"],
    ]);
  });

  it("refreshes each master from its own production, with the app's masking and every other database protected", () => {
    const customer = mocks.registration("customer-master", TYPE).inputs;
    const billing = mocks.registration("billing-master", TYPE).inputs;

    expect(customer).toMatchObject({
      app: "customer",
      productionDatabase: "customer",
      masterDatabase: "customer_master",
      maskingSql: [MASK],
      protectedDatabases: ["billing", "billing_master", "customer", "docs_master", "legacy"],
    });
    expect(billing).toMatchObject({
      app: "billing",
      productionDatabase: "billing",
      masterDatabase: "billing_master",
      maskingSql: [],
      protectedDatabases: ["billing", "customer", "customer_master", "docs_master", "legacy"],
    });
  });

  it("passes one new refresh token per run to every master, so each up refreshes them all", () => {
    const tokens = mocks.registrations.map((r) => r.inputs.refreshToken as string);

    expect(new Set(tokens).size).toBe(1);
    expect(Date.parse(tokens[0])).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(tokens[0])).toBeLessThanOrEqual(Date.now());
  });

  it("hands no credential to any resource", () => {
    const text = JSON.stringify(mocks.registrations.map((r) => r.inputs));

    for (const secret of ["forge-token-never-an-input", "ssh-key-never-an-input", "mysql-password-never-an-input"])
      expect(text).not.toContain(secret);
  });

  it("exports per app when its master was taken from production, its size, tables, rows and whether it is sealed", async () => {
    const snapshots = outputs.snapshots as Record<string, Record<string, pulumi.Output<unknown>>>;
    const resolved: Record<string, Record<string, unknown>> = {};
    for (const [app, fields] of Object.entries(snapshots)) {
      resolved[app] = Object.fromEntries(
        await Promise.all(Object.entries(fields).map(async ([k, v]) => [k, await promiseOf(v)] as const)),
      );
    }

    expect(resolved).toStrictEqual({
      billing: { snapshotAt: "2026-11-22T02:00:04Z", bytes: 14000, tables: 7, rows: 1400, sealed: true },
      customer: { snapshotAt: "2026-11-22T02:00:05Z", bytes: 15000, tables: 7, rows: 1500, sealed: true },
    });
  });
});
