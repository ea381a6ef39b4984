import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BOX_USER_MARK, BoxHost, type BoxSite } from "../../../../tools/box/host";
import { startBoxServices, type BoxServices } from "../../../../tools/box/services";
import { boxTempDir, describeBox } from "../../../support/box";

/**
 * Two boxes on one machine, as two test suites or a test and the sandbox run them: each marks its Linux users and sudo
 * rules with its own id, so each leak report names only its own leftovers and a delete never touches the other's user.
 */
jest.setTimeout(180_000);

interface OneBox {
  dir: string;
  services: BoxServices;
  host: BoxHost;
  site: BoxSite;
}

const comment = (user: string) =>
  readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((line) => line.startsWith(`${user}:`))
    ?.split(":")[4];

const passwdNames = () =>
  readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":")[0]);

describeBox("two boxes side by side", () => {
  // Distinct per run, so a leftover of an earlier run cannot answer for this one.
  const run = randomBytes(3).toString("hex");
  const boxes: OneBox[] = [];

  const start = async (label: string, siteId: number): Promise<OneBox> => {
    const dir = boxTempDir(`box-${label}-`);
    const services = await startBoxServices({ dir: join(dir, "box") });
    const host = new BoxHost(services);
    const site = await host.createSite({
      ...{ id: siteId, name: `pr-${siteId}.box-${label}.test`, user: `box${label}-${run}` },
      ...{ webDirectory: "/public", repository: null, branch: null },
    });
    // The deployment leaves the site's sudo rule, and the program a supervisor file: two more things each box made.
    await expect(host.deploy(site, 1, "echo deployed", null)).resolves.toMatchObject({ code: 0 });
    await host.addProgram(siteId, {
      ...{ command: "/bin/sleep 600", user: site.user, directory: site.directory, processes: 1 },
      ...{ startsecs: 1, stopwaitsecs: 1, stopsignal: null },
    });
    const box = { dir, services, host, site };
    boxes.push(box);
    return box;
  };

  afterAll(async () => {
    for (const { dir, services, host, site } of boxes) {
      await host.removeProgram(site.id).catch(() => undefined);
      await host.deleteSite(site).catch(() => undefined);
      await services.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives each box its own id, in its users' comment and its sudo rules' names", async () => {
    const [a, b] = [await start("a", 901), await start("b", 902)];

    expect(a.host.id).not.toBe(b.host.id);
    expect(comment(a.site.user)).toBe(`${BOX_USER_MARK} ${a.host.id}`);
    expect(comment(b.site.user)).toBe(`${BOX_USER_MARK} ${b.host.id}`);
    expect(readdirSync("/etc/sudoers.d")).toEqual(
      expect.arrayContaining([
        `forge-previews-box-${a.host.id}-${a.site.user}`,
        `forge-previews-box-${b.host.id}-${b.site.user}`,
      ]),
    );
  });

  it("reports nothing of the other box's live site, and only its own leftovers once it loses track of its site", async () => {
    const [a, b] = boxes as [OneBox, OneBox];
    await expect(a.host.leaks(new Set([a.site.id]))).resolves.toEqual([]);
    await expect(b.host.leaks(new Set([b.site.id]))).resolves.toEqual([]);

    // Box A forgets its site, as a box whose records were lost would: everything it made for it is a leftover.
    rmSync(join(a.services.paths.dir, "sites", `${a.site.id}.json`));

    await expect(a.host.leaks()).resolves.toEqual([
      `Linux user ${a.site.user}`,
      `PHP-FPM pool ${a.site.user}`,
      `nginx server block ${a.site.name}.conf`,
      `supervisor program box-process-${a.site.id}.conf`,
      `sudo rule forge-previews-box-${a.host.id}-${a.site.user}`,
      `supervisor process box-process-${a.site.id}:box-process-${a.site.id}_00`,
    ]);
    await expect(b.host.leaks(new Set([b.site.id]))).resolves.toEqual([]);
  });

  it("never removes the other box's user, its home or its sudo rule when asked to delete a site of it", async () => {
    const [a, b] = boxes as [OneBox, OneBox];

    await a.host.deleteSite(b.site);

    expect(passwdNames()).toContain(b.site.user);
    expect(existsSync(b.site.directory)).toBe(true);
    expect(existsSync(`/etc/sudoers.d/forge-previews-box-${b.host.id}-${b.site.user}`)).toBe(true);
    await expect(b.host.leaks(new Set([b.site.id]))).resolves.toEqual([]);
  });

  it("leaves each report empty once each box deletes its own site", async () => {
    for (const { host, site } of boxes) {
      await host.removeProgram(site.id);
      await host.deleteSite(site);
    }

    for (const { host } of boxes) await expect(host.leaks()).resolves.toEqual([]);
    for (const { site } of boxes) expect(passwdNames()).not.toContain(site.user);
  });

  it("adopts the users its own records name when its dir was made before boxes had ids, and only those", async () => {
    const c = await start("c", 903);
    const stranger = `boxs-${run}`;
    execFileSync("useradd", ["--no-create-home", "--comment", BOX_USER_MARK, stranger]);
    try {
      // The dir as a box without ids left it: bare marks, rules named by user alone, no id file.
      execFileSync("usermod", ["--comment", BOX_USER_MARK, c.site.user]);
      const unmarkedRule = `/etc/sudoers.d/forge-previews-box-${c.site.user}`;
      renameSync(`/etc/sudoers.d/forge-previews-box-${c.host.id}-${c.site.user}`, unmarkedRule);
      rmSync(join(c.services.paths.dir, "box-id"));

      c.host = new BoxHost(c.services);

      expect(comment(c.site.user)).toBe(`${BOX_USER_MARK} ${c.host.id}`);
      expect(comment(stranger)).toBe(BOX_USER_MARK);
      expect(existsSync(unmarkedRule)).toBe(false);
      await expect(c.host.leaks(new Set([c.site.id]))).resolves.toEqual([]);
      await c.host.removeProgram(c.site.id);
      await c.host.deleteSite(c.site);
      expect(passwdNames()).not.toContain(c.site.user);
      await expect(c.host.leaks()).resolves.toEqual([]);
    } finally {
      execFileSync("userdel", [stranger]);
    }
  });
});
