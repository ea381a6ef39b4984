import { installMocks, type MockProgram } from "../../support/mock-program";

const FIRST = "SHA256:" + "B".repeat(43);
const SECOND = "SHA256:" + "C".repeat(43);
const TYPE = "pulumi-nodejs:dynamic/forge:MasterSnapshot";

describe("the snapshots program on a pool of servers, under mocks", () => {
  let mocks: MockProgram;
  let outputs: Record<string, unknown>;

  beforeAll(async () => {
    mocks = await installMocks({
      stack: "snapshots",
      config: {
        forgeOrg: "acme",
        forgeServerId: "42",
        forgeToken: "forge-token-never-an-input",
        previewDomain: "staging.example.com",
        apps: JSON.stringify({
          customer: { repository: "acme/customer", masterDatabase: "customer_master", productionDatabase: "customer" },
          docs: { repository: "acme/docs", masterDatabase: "docs_master" },
        }),
        sshHost: "203.0.113.10",
        sshHostKeyFingerprint: FIRST,
        sshPrivateKey: "ssh-key-never-an-input",
        mysqlSocket: "/run/mysqld/mysqld.sock",
        poolServers: JSON.stringify([
          { forgeServerId: 43, sshHost: "203.0.113.11", sshPort: 2222, sshHostKeyFingerprint: SECOND },
        ]),
      },
      secretConfigKeys: ["forgeToken", "sshPrivateKey"],
      outputsFor: (args) =>
        args.type === TYPE
          ? {
              snapshotAt: "2026-11-22T02:00:00Z",
              bytes: 1,
              tables: 1,
              rows: 1,
              seconds: 1,
              method: "auto",
              sealed: true,
            }
          : undefined,
    });
    const { buildStack } = await import("../../../stacks/program");
    outputs = buildStack("snapshots");
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it("refreshes the master on every server: the stack's own under its old name, each other one named by its server", () => {
    expect(mocks.registrations.map((r) => [r.type, r.name])).toStrictEqual([
      [TYPE, "customer-master"],
      [TYPE, "customer-master-on-43"],
    ]);
    expect(mocks.registration("customer-master", TYPE).inputs.server).toBeUndefined();
    expect(mocks.registration("customer-master-on-43", TYPE).inputs).toMatchObject({
      masterDatabase: "customer_master",
      productionDatabase: "customer",
      server: {
        forgeServerId: 43,
        sshHost: "203.0.113.11",
        sshPort: 2222,
        sshHostKeyFingerprint: SECOND,
        mysqlSocket: "/run/mysqld/mysqld.sock",
        mysqlDataDir: "",
      },
    });
  });

  it("exports the other servers' masters by server id beside the stack's own", () => {
    expect(Object.keys(outputs.snapshots as object)).toStrictEqual(["customer"]);
    expect(Object.keys(outputs.poolSnapshots as object)).toStrictEqual(["43"]);
  });
});
