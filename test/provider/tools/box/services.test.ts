import { Resolver } from "node:dns/promises";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { boxTempDir, describeBox } from "../../../support/box";
import { isPortFree } from "../../../../tools/sandbox/services/persistence";
import { httpsGet, startBoxServices, type BoxServices } from "../../../../tools/box/services";

describeBox("the box's daemons", () => {
  let dir: string;
  let box: BoxServices;

  beforeAll(async () => {
    dir = boxTempDir("box-services-");
    box = await startBoxServices({ dir: join(dir, "box") });
  });

  afterAll(async () => {
    await box?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves nginx's default server on its own HTTP and HTTPS ports, never 80 or 443", async () => {
    expect([box.ports.http, box.ports.https]).not.toContain(80);
    expect([box.ports.http, box.ports.https]).not.toContain(443);
    const plain = await fetch(`http://127.0.0.1:${box.ports.http}/`, { headers: { host: "nobody.test" } });
    expect(plain.status).toBe(404);
    expect(plain.headers.get("server")).toMatch(/^nginx/);
  });

  it("resolves every preview name to 127.0.0.1 through its DNS server", async () => {
    const resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${box.ports.dns}`]);
    await expect(resolver.resolve4("pr-7.sandbox.test")).resolves.toEqual(["127.0.0.1"]);
  });

  it("serves an ACME directory over TLS and keeps Pebble's root in the box's CA file", async () => {
    const directory = JSON.parse(await httpsGet(box.acmeDirectoryUrl, readFileSync(box.acmeTlsCaFile, "utf8"))) as {
      newOrder?: string;
    };
    expect(directory.newOrder).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(readFileSync(box.paths.caFile, "utf8")).toContain("BEGIN CERTIFICATE");
  });

  it("answers supervisorctl and reloads nginx and PHP-FPM on request", async () => {
    await expect(box.supervisorctl(["status"])).resolves.toEqual({ code: 0, output: "" });
    await box.reloadNginx();
    await box.reloadFpm();
    expect(statSync(join(box.paths.fpmSockets, "box.sock")).isSocket()).toBe(true);
  });

  it("frees every port when it stops", async () => {
    await box.stop();
    for (const port of Object.values(box.ports)) await expect(isPortFree(port)).resolves.toBe(true);
  });
});
