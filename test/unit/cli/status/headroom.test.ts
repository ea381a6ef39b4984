// Admission by headroom: the rule, its wording, and the validation of its two configuration keys.
import { checkHeadroom, describeHeadroomRefusal, formatBytes } from "../../../../cli/status/headroom";
import { parseServerMetrics } from "../../../../cli/status/server-metrics";
import { parsePlainConfig } from "../../../../stacks/config-rules";
import { ConfigError } from "../../../../providers/common/user-error";

const GiB = 1024 ** 3;
const measured = (over: { used?: number; free?: number; master?: number } = {}) => ({
  memoryTotalBytes: 8 * GiB,
  memoryUsedBytes: over.used ?? 4 * GiB,
  mysqlDisk: { path: "/var/lib/mysql", mount: "/", totalBytes: 100 * GiB, freeBytes: over.free ?? 50 * GiB },
  master: "customer_master",
  masterBytes: over.master ?? 10 * GiB,
});
const floors = { maxMemoryPercent: 90, diskMargin: 2 };

describe("checkHeadroom", () => {
  it("admits a preview while memory and disk are inside both floors", () => {
    expect(checkHeadroom(measured(), floors).allowed).toBe(true);
  });

  it("refuses above the memory floor, naming the key and the measured figures", () => {
    const check = checkHeadroom(measured({ used: 7.5 * GiB }), floors);
    expect(check.allowed).toBe(false);
    if (check.allowed) return;
    expect(check.failures.map((f) => f.floor)).toEqual(["maxMemoryPercent"]);
    expect(check.failures[0]?.text).toBe("memory in use is 93.8% (7.50 GiB of 8.00 GiB), above `maxMemoryPercent` 90");
  });

  it("refuses when free disk on MySQL's filesystem is below the master's size times the margin", () => {
    const check = checkHeadroom(measured({ free: 19 * GiB }), floors);
    expect(check.allowed).toBe(false);
    if (check.allowed) return;
    expect(check.failures.map((f) => f.floor)).toEqual(["diskMargin"]);
    expect(check.failures[0]?.text).toContain(
      "is 19.0 GiB, below 2 × the master `customer_master` (10.0 GiB) = 20.0 GiB",
    );
  });

  it("lists both floors when both are crossed, and a margin of 0 turns the disk floor off", () => {
    const both = checkHeadroom(measured({ used: 8 * GiB, free: 1 * GiB }), floors);
    expect(both.allowed ? [] : both.failures.map((f) => f.floor)).toEqual(["maxMemoryPercent", "diskMargin"]);
    expect(checkHeadroom(measured({ free: 0 }), { maxMemoryPercent: 90, diskMargin: 0 }).allowed).toBe(true);
  });

  it("words a refusal with the stack, that nothing was created, the floors and what to do", () => {
    const check = checkHeadroom(measured({ used: 7.5 * GiB }), floors);
    if (check.allowed) throw new Error("expected a refusal");
    const text = describeHeadroomRefusal("pr-12", check, "comment `/preview` again");
    expect(text).toContain("so pr-12 was not created; nothing was changed");
    expect(text).toContain("Memory in use is 93.8%");
    expect(text).toContain("change `maxMemoryPercent` in the configuration");
    expect(text).toMatch(/then comment `\/preview` again\.$/);
  });
});

describe("formatBytes", () => {
  it("reads as a person would", () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * GiB)]).toEqual(["512 B", "1.50 KiB", "5.00 GiB"]);
  });
});

describe("parseServerMetrics", () => {
  it("reads load, memory from MemAvailable, and a mount point with spaces", () => {
    const out = [
      "0.52 0.40 0.31 1/123 4567",
      "@@fp-metrics",
      "MemTotal:        8000000 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB",
      "@@fp-metrics",
      "2",
      "@@fp-metrics",
      "Filesystem     1-blocks      Used Available Capacity Mounted on",
      "/dev/sdb1   1000000 400000  600000  40% /mnt/my data",
      "",
    ].join("\n");
    expect(parseServerMetrics(out, ["/mnt/my data/mysql"])).toEqual({
      load1: 0.52,
      load5: 0.4,
      load15: 0.31,
      cpus: 2,
      memoryTotalBytes: 8000000 * 1024,
      memoryUsedBytes: 6000000 * 1024,
      disks: [{ path: "/mnt/my data/mysql", mount: "/mnt/my data", totalBytes: 1000000, freeBytes: 600000 }],
    });
  });
});

describe("the headroom configuration keys", () => {
  const VALID = {
    forgeOrg: "acme",
    forgeServerId: "42",
    previewDomain: "staging.example.com",
    apps: { customer: { repository: "acme/customer", masterDatabase: "customer_master" } },
    sshHost: "203.0.113.10",
    sshHostKeyFingerprint: "SHA256:" + "A".repeat(43),
  };
  const secrets = new Set(["forgeToken", "sshPrivateKey"]);

  it("default to 90% of memory and twice the master's size in free disk", () => {
    expect(parsePlainConfig(VALID, secrets).headroom).toEqual({ maxMemoryPercent: 90, diskMargin: 2 });
  });

  it("refuses values out of range, naming each key and how to set it", () => {
    let problems: readonly string[] = [];
    try {
      parsePlainConfig({ ...VALID, maxMemoryPercent: "0", diskMargin: "1.5" }, secrets);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([
      '`forge-previews:maxMemoryPercent` must be a whole number from 1 to 100, not "0"; set it with `pulumi config set maxMemoryPercent 90`',
      '`forge-previews:diskMargin` must be a whole number from 0 to 100, not "1.5"; set it with `pulumi config set diskMargin 2`',
    ]);
  });
});
