import { UserError } from "../../../providers/common/user-error";
import { parseMetrics } from "../../../cli/pool/measure";
import type { ServerReading } from "../../../cli/pool/measure";
import { type Candidate, type ServerMetrics, choosePlacement, headroomOf } from "../../../cli/pool/placement";
import { keptServerValues, serverValuesForUp } from "../../../cli/pool/stack-server";
import { parsePlainConfig } from "../../../stacks/config-rules";
import type { PoolServer } from "../../../stacks/server-pool";

const GIB = 1024 ** 3;
const FINGERPRINT = "SHA256:" + "A".repeat(43);

function server(id: number): PoolServer {
  return {
    forgeServerId: id,
    sshHost: `10.0.0.${id}`,
    sshPort: 22,
    sshHostKeyFingerprint: FINGERPRINT,
    mysqlSocket: "",
    mysqlDataDir: "",
  };
}

/** A server whose memory and disk are each `usedShare` full. */
function metrics(memoryUsedShare: number, diskFreeShare = 0.5): ServerMetrics {
  return {
    load1: 0.5,
    memoryTotalBytes: 8 * GIB,
    memoryUsedBytes: Math.round(8 * GIB * memoryUsedShare),
    disks: [{ mount: "/", totalBytes: 100 * GIB, freeBytes: Math.round(100 * GIB * diskFreeShare) }],
  };
}

function candidate(id: number, reading: Partial<Candidate> = {}): Candidate {
  return { server: server(id), hasMaster: true, metrics: metrics(0.5), ...reading };
}

describe("placement of a new preview on the pool", () => {
  it.each<[string, Candidate[], number]>([
    ["the server with more free memory", [candidate(1, { metrics: metrics(0.8) }), candidate(2)], 2],
    ["the server with more free disk", [candidate(1), candidate(2, { metrics: metrics(0.2, 0.1) })], 1],
    [
      "the tighter of memory and disk, not the looser",
      [candidate(1, { metrics: metrics(0.1, 0.2) }), candidate(2, { metrics: metrics(0.6, 0.9) })],
      2,
    ],
    ["the server listed first among equals", [candidate(1), candidate(2), candidate(3)], 1],
    [
      "only a server that has the app's master",
      [candidate(1, { hasMaster: false }), candidate(2, { metrics: metrics(0.9) })],
      2,
    ],
    [
      "only a server that answered",
      [candidate(1, { metrics: null, error: "connection refused" }), candidate(2, { metrics: metrics(0.9) })],
      2,
    ],
  ])("chooses %s", (_name, candidates, chosen) => {
    expect(choosePlacement(candidates, "customer_master").server.forgeServerId).toBe(chosen);
  });

  it("says which server was chosen, how free it is, and why each other one was passed over", () => {
    const placement = choosePlacement(
      [candidate(1, { metrics: metrics(0.75) }), candidate(2), candidate(3, { hasMaster: false })],
      "customer_master",
    );

    expect(placement.reason).toBe(
      "server 2 (10.0.0.2:22) has the most headroom, 50% free (server 1 (10.0.0.1:22): 25% free; " +
        "server 3 (10.0.0.3:22): has no master `customer_master`)",
    );
  });

  it("refuses when no server can take the preview, naming each server's reason and the fix", () => {
    const refuse = () =>
      choosePlacement(
        [candidate(1, { hasMaster: false }), candidate(2, { metrics: null, error: "host key mismatch" })],
        "customer_master",
      );

    expect(refuse).toThrow(UserError);
    expect(refuse).toThrow(
      "No server of the pool can take the preview: server 1 (10.0.0.1:22): has no master `customer_master`; " +
        "server 2 (10.0.0.2:22): not measured (host key mismatch). Refresh the master there",
    );
  });

  it("counts a server with nonsense figures as full", () => {
    expect(headroomOf({ load1: 0, memoryTotalBytes: 0, memoryUsedBytes: 0, disks: [] })).toBe(0);
    expect(headroomOf(metrics(1.2))).toBe(0);
  });
});

describe("the figures read from a server", () => {
  const meminfo = "MemTotal:        8000000 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB\n";
  const df =
    "Filesystem        1-blocks        Used   Available Capacity Mounted on\n" +
    "/dev/vda1      107374182400 85899345920 21474836480      80% /var\n";

  it("are memory from /proc/meminfo (available counts as free), the load, and the datadir's volume", () => {
    expect(parseMetrics(meminfo, "1.25 0.80 0.50 2/300 12345\n", df)).toStrictEqual({
      load1: 1.25,
      memoryTotalBytes: 8000000 * 1024,
      memoryUsedBytes: 6000000 * 1024,
      disks: [{ mount: "/var", totalBytes: 107374182400, freeBytes: 21474836480 }],
    });
  });

  it("are refused, not guessed, when a figure is missing", () => {
    expect(() => parseMetrics("MemTotal: 1 kB\n", "0.1", df)).toThrow("/proc/meminfo has no MemAvailable");
    expect(() => parseMetrics(meminfo, "0.1", "df: /nope: No such file or directory\n")).toThrow(
      "`df -P` printed no volume line",
    );
  });
});

describe("the server a preview stack runs on", () => {
  const config = parsePlainConfig(
    {
      forgeOrg: "acme",
      forgeServerId: "1",
      previewDomain: "staging.example.com",
      apps: JSON.stringify({ customer: { repository: "acme/customer", masterDatabase: "customer_master" } }),
      sshHost: "10.0.0.1",
      sshHostKeyFingerprint: FINGERPRINT,
      poolServers: JSON.stringify([{ forgeServerId: 2, sshHost: "10.0.0.2", sshHostKeyFingerprint: FINGERPRINT }]),
    },
    new Set(["forgeToken", "sshPrivateKey"]),
  );
  const measured: number[] = [];
  /** Server 1 looks fuller than server 2 unless `fuller` says otherwise. */
  const measureWith =
    (fuller: number) =>
    (target: PoolServer): Promise<ServerReading> => {
      measured.push(target.forgeServerId);
      return Promise.resolve({ hasMaster: true, metrics: metrics(target.forgeServerId === fuller ? 0.9 : 0.3) });
    };
  const up = (kept: Record<string, string>, fuller: number) =>
    serverValuesForUp({ stack: "pr-7", config, app: "customer", kept, measure: measureWith(fuller), env: {} });

  beforeEach(() => (measured.length = 0));

  it("is the server the injected measure shows emptier, written as the keys the program reads", async () => {
    expect(await up({}, 1)).toStrictEqual({
      forgeServerId: "2",
      sshHost: "10.0.0.2",
      sshPort: "22",
      sshHostKeyFingerprint: FINGERPRINT,
      mysqlSocket: "",
      mysqlDataDir: "",
    });
    expect((await up({}, 2)).forgeServerId).toBe("1");
    expect(measured).toStrictEqual([1, 2, 1, 2]);
  });

  it("stays the recorded one on a later up, whatever the servers' headroom, without measuring", async () => {
    expect((await up({ forgeServerId: "1", sshHost: "10.0.0.1" }, 1)).forgeServerId).toBe("1");
    expect(measured).toStrictEqual([]);
  });

  it("takes its address from the pool as configured now, not from what the stack recorded", () => {
    expect(keptServerValues("pr-7", config.pool, { forgeServerId: "2", sshHost: "192.0.2.99" }).sshHost).toBe(
      "10.0.0.2",
    );
  });

  it("is refused when the recorded server left the pool, so nothing is sent to another server", async () => {
    await expect(up({ forgeServerId: "9" }, 1)).rejects.toThrow(
      "Stack pr-7 runs on Forge server 9, which is not in the pool (forgeServerId and `poolServers`); add that server back",
    );
    expect(() => keptServerValues("pr-7", config.pool, { forgeServerId: "9" })).toThrow(UserError);
  });

  it("is not written at all with one server, so today's shared keys apply", async () => {
    const single = { ...config, pool: config.pool.slice(0, 1) };
    expect(
      await serverValuesForUp({
        stack: "pr-7",
        config: single,
        app: "customer",
        kept: {},
        measure: measureWith(1),
        env: {},
      }),
    ).toStrictEqual({});
    expect(keptServerValues("pr-7", single.pool, { forgeServerId: "9" })).toStrictEqual({});
    expect(measured).toStrictEqual([]);
  });
});
