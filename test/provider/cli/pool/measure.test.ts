/** The pool's measurement of a server over this run's sshd and MariaDB: the machine's own figures, and the master. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { measureOverSsh } from "../../../../cli/pool/measure";
import { connectAsRoot, createMaster, dropDatabases } from "../../../support/master-fixture";
import { testServices } from "../../../support/services";

describe("measuring a pool server over SSH", () => {
  const services = testServices();
  const master = `measure${randomBytes(3).toString("hex")}_master`;
  const server = {
    forgeServerId: 1,
    sshHost: services.ssh.host,
    sshPort: services.ssh.port,
    sshHostKeyFingerprint: services.ssh.hostKeyFingerprint,
    mysqlSocket: services.mariadb.socket,
    mysqlDataDir: "",
  };
  const access = {
    sshUser: services.ssh.user,
    privateKey: services.ssh.privateKey,
    mysqlUser: services.mariadb.user,
    mysqlPassword: services.mariadb.password,
  };

  beforeAll(async () => {
    const conn = await connectAsRoot();
    await createMaster(conn, { name: master }).finally(() => conn.end());
  });

  afterAll(async () => {
    const conn = await connectAsRoot();
    await dropDatabases(conn, master).finally(() => conn.end());
  });

  it("reads the server's memory and the volume of the datadir MariaDB reports, and finds the master", async () => {
    const reading = await measureOverSsh(access, master)(server);

    const memTotal = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1]) * 1024;
    const mount = execFileSync("df", ["-P", services.mariadb.dataDir], { encoding: "utf8" }).trim().split(/\s+/).at(-1);
    expect(reading.hasMaster).toBe(true);
    expect(reading.metrics.memoryTotalBytes).toBe(memTotal);
    expect(reading.metrics.memoryUsedBytes).toBeGreaterThan(0);
    expect(reading.metrics.memoryUsedBytes).toBeLessThan(memTotal);
    expect(reading.metrics.disks).toStrictEqual([
      { mount, totalBytes: expect.any(Number), freeBytes: expect.any(Number) },
    ]);
    expect(reading.metrics.disks[0]?.freeBytes).toBeLessThanOrEqual(reading.metrics.disks[0]?.totalBytes ?? 0);
  });

  it("says when the server has no such master", async () => {
    expect((await measureOverSsh(access, `${master}x`)(server)).hasMaster).toBe(false);
  });

  it("refuses a server whose host key is not the pinned one", async () => {
    const other = { ...server, sshHostKeyFingerprint: "SHA256:" + "A".repeat(43) };
    await expect(measureOverSsh(access, master)(other)).rejects.toThrow(/host key/i);
  });
});
