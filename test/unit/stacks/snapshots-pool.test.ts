import { installMocks, type MockProgram } from "../../support/mock-program";
import { PREVIEW_STACK_CONFIG } from "../../support/samples";

const SECOND = "SHA256:" + "C".repeat(43);
const TYPE = "pulumi-nodejs:dynamic/forge:MasterSnapshot";
const CONFIG = {
  ...PREVIEW_STACK_CONFIG,
  apps: JSON.stringify({
    customer: { repository: "acme/customer", masterDatabase: "customer_master", productionDatabase: "customer" },
    docs: { repository: "acme/docs", masterDatabase: "docs_master" },
  }),
  mysqlSocket: "/run/mysqld/mysqld.sock",
  poolServers: JSON.stringify([
    { forgeServerId: 43, sshHost: "203.0.113.11", sshPort: 2222, sshHostKeyFingerprint: SECOND },
  ]),
};

describe("the snapshots program on a pool of servers, under mocks", () => {
  let mocks: MockProgram;
  let outputs: Record<string, unknown>;

  beforeAll(async () => {
    mocks = await installMocks({
      stack: "snapshots",
      config: CONFIG,
      secretConfigKeys: ["forgeToken", "sshPrivateKey"],
    });
    outputs = (await import("../../../stacks/program")).buildStack("snapshots");
    // Registrations reach the mocks asynchronously.
    await new Promise((resolve) => setImmediate(resolve));
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
