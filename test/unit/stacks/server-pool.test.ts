import { parsePlainConfig } from "../../../stacks/config-rules";

const FINGERPRINT = "SHA256:" + "A".repeat(43);
const BASE = {
  forgeOrg: "acme",
  forgeServerId: "1",
  previewDomain: "staging.example.com",
  apps: JSON.stringify({ customer: { repository: "acme/customer", masterDatabase: "customer_master" } }),
  sshHost: "10.0.0.1",
  sshPort: "2201",
  sshHostKeyFingerprint: FINGERPRINT,
  mysqlDataDir: "/var/lib/mysql",
};
const SECRETS = new Set(["forgeToken", "sshPrivateKey"]);

describe("the pool of servers in the configuration", () => {
  it("is the one top-level server when poolServers is not set", () => {
    expect(parsePlainConfig(BASE, SECRETS).pool).toStrictEqual([
      {
        forgeServerId: 1,
        sshHost: "10.0.0.1",
        sshPort: 2201,
        sshHostKeyFingerprint: FINGERPRINT,
        mysqlSocket: "",
        mysqlDataDir: "/var/lib/mysql",
      },
    ]);
  });

  it("adds each poolServers entry, defaulting its port and MySQL paths to the top-level ones", () => {
    const pool = parsePlainConfig(
      {
        ...BASE,
        poolServers: [
          { forgeServerId: 2, sshHost: "10.0.0.2", sshHostKeyFingerprint: FINGERPRINT },
          {
            forgeServerId: "3",
            sshHost: "db3.example.com",
            sshPort: 22,
            sshHostKeyFingerprint: FINGERPRINT,
            mysqlSocket: "/tmp/m.sock",
          },
        ],
      },
      SECRETS,
    ).pool;

    expect(
      pool.map((server) => [
        server.forgeServerId,
        server.sshHost,
        server.sshPort,
        server.mysqlSocket,
        server.mysqlDataDir,
      ]),
    ).toStrictEqual([
      [1, "10.0.0.1", 2201, "", "/var/lib/mysql"],
      [2, "10.0.0.2", 2201, "", "/var/lib/mysql"],
      [3, "db3.example.com", 22, "/tmp/m.sock", "/var/lib/mysql"],
    ]);
  });

  it("is read alike in a preview stack placed on a pool server, whose own keys name that server", () => {
    const pool = parsePlainConfig(
      {
        ...BASE,
        forgeServerId: "2",
        sshHost: "10.0.0.2",
        poolServers: [{ forgeServerId: 2, sshHost: "10.0.0.2", sshHostKeyFingerprint: FINGERPRINT }],
      },
      SECRETS,
    ).pool;

    expect(pool.map((server) => [server.forgeServerId, server.sshHost])).toStrictEqual([[2, "10.0.0.2"]]);
  });

  it("refuses bad entries before anything runs, naming each field and the fix", () => {
    const parse = () =>
      parsePlainConfig(
        {
          ...BASE,
          poolServers: JSON.stringify([
            { forgeServerId: 2, sshHost: "10.0.0.2", sshHostKeyFingerprint: FINGERPRINT },
            { forgeServerId: 2, sshHost: "10.0.0.2 ; rm", sshHostKeyFingerprint: "SHA256:short" },
            "server 3",
          ]),
        },
        SECRETS,
      );

    expect(parse).toThrow("`forge-previews:poolServers[1].forgeServerId` repeats server 2; list each server once");
    expect(parse).toThrow("`forge-previews:poolServers[1].sshHost` must be a host name or IP address");
    expect(parse).toThrow(
      "`forge-previews:poolServers[1].sshHostKeyFingerprint` must be the server's SHA256 host key fingerprint; copy it from",
    );
    expect(parse).toThrow("`forge-previews:poolServers[2]` must be an object");
  });
});
