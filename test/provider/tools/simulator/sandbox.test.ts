import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite, startTestSimulator } from "../../../support/simulator";

describe("simulator sandbox files and deployments", () => {
  let sim: Simulator;
  let root: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "forge-sim-sandbox-"));
    sim = await startTestSimulator({ sandboxRoot: root, rateLimitPerMinute: 0 });
  });
  afterAll(async () => {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("writes each site's .env under the sandbox root, replaced whole on every update", async () => {
    const site = await createSite(sim, "pr-50.example.test");
    const envFile = path.join(root, "server-1", "pr-50.example.test", ".env");
    expect(fs.readFileSync(envFile, "utf8")).toContain("APP_URL=http://pr-50.example.test");
    await call(sim, "PUT", `${SERVER_PATH}/sites/${site}/environment`, {
      environment: "APP_ENV=preview\nDB_DATABASE=pr_50\n",
    });
    expect(fs.readFileSync(envFile, "utf8")).toBe("APP_ENV=preview\nDB_DATABASE=pr_50\n");
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    expect(sim.state().sites[0].sandboxPath).toBe(path.dirname(envFile));
  });

  it("writes the deployment script and fails a deployment whose script bash -n rejects, with bash's error in the log", async () => {
    const site = await createSite(sim, "pr-51.example.test");
    const script = "cd /home/forge/pr-51.example.test\nif [ -f artisan ]; then\n  php artisan migrate --force\n";
    const put = await call(sim, "PUT", `${SERVER_PATH}/sites/${site}/deployments/script`, { content: script });
    expect(put.status).toBe(200);
    expect(put.json.data.attributes.content).toBe(script);
    expect(fs.readFileSync(path.join(root, "server-1", "pr-51.example.test", "deploy.sh"), "utf8")).toBe(script);

    const deployment = await call(sim, "POST", `${SERVER_PATH}/sites/${site}/deployments`);
    const deploymentPath = `${SERVER_PATH}/sites/${site}/deployments/${deployment.json.data.id}`;
    expect((await call(sim, "GET", deploymentPath)).json.data.attributes.status).toBe("failed");
    const log = (await call(sim, "GET", `${deploymentPath}/log`)).json.data.attributes.output;
    expect(log).toContain("deploy.sh: line 4: syntax error: unexpected end of file");
    expect((await call(sim, "GET", `/orgs/acme/sites/${site}`)).json.data.attributes.deployment_status).toBe("failed");
  });

  it("finishes a deployment of a valid zero-downtime script, macros included", async () => {
    const site = await createSite(sim, "pr-52.example.test");
    const deployment = await call(sim, "POST", `${SERVER_PATH}/sites/${site}/deployments`);
    const deploymentPath = `${SERVER_PATH}/sites/${site}/deployments/${deployment.json.data.id}`;
    expect((await call(sim, "GET", deploymentPath)).json.data.attributes.status).toBe("finished");
    expect((await call(sim, "GET", `${deploymentPath}/log`)).json.data.attributes.output).toContain(
      "Syntax check passed",
    );
  });

  it("removes the site's folder when the site is deleted", async () => {
    const site = await createSite(sim, "pr-53.example.test");
    const dir = path.join(root, "server-1", "pr-53.example.test");
    expect(fs.existsSync(dir)).toBe(true);
    await call(sim, "DELETE", `${SERVER_PATH}/sites/${site}`);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
