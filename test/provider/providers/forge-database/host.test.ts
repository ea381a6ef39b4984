import { createHash, randomBytes } from "node:crypto";
import type { Connection } from "mysql2/promise";
import { CREATE_ATTEMPTS, type ForgeClient } from "../../../../providers/forge";
import type { Simulator } from "../../../../tools/simulator";
import type { CapturedRegistration } from "../../../support/capture-provider";
import { type DynamicHost, DynamicHostCallError, UNKNOWN } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost, useGroupHost } from "../../../support/provider-host";
import { connectOverTcp, testServices } from "../../../support/services";
import { ORG } from "../../../support/simulator";
import { IN_PLACE, NO_CHANGES, expectPreviewWithoutForge, replacing } from "../../../support/diff-outcomes";

const SERVER_ID = 1;
const USERS_ROUTE = "/orgs/{organization}/servers/{server}/database/users";
const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

type Props = Record<string, unknown>;

/**
 * ForgeDatabase through the real dynamic-provider host, against the simulator (contract check on) backed by a real
 * MariaDB, so every assertion is about Forge's state, its request log, or what MariaDB lets the user do.
 */
describe("ForgeDatabase through the dynamic-provider host", () => {
  const mariadb = testServices().mariadb;
  // A per-run app name keeps this file apart from other suites and earlier runs sharing the MariaDB server.
  const app = `fd${randomBytes(3).toString("hex")}`;
  const names = (pr: number) => ({ name: `${app}_pr_${pr}`, userName: `${app}_pr${pr}` });
  const scratchSchema = `${app}_scratch`;
  const seenPasswords: string[] = [];
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let root: Connection;
  let forge: ForgeClient;
  let registration: CapturedRegistration;
  let urn: string;
  let inputs: Props;

  const withInputs = (changes: Props): Props => ({ ...inputs, ...changes });
  const calls = (): string[] => sim.requests.map((request) => `${request.method} ${request.route ?? request.path}`);
  const writes = (): string[] => calls().filter((call) => !call.startsWith("GET "));
  const simSchema = (name: string) => sim.state().databases.find((database) => database.name === name);
  const simUser = (name: string) => sim.state().databaseUsers.find((user) => user.name === name);
  const remember = (password: unknown): string => {
    expect(password).toEqual(expect.stringMatching(/^[A-Za-z0-9]{40}$/));
    seenPasswords.push(password as string);
    return password as string;
  };

  /** Closes `host`, which must have logged `proof` (so its log is not empty), and checks no password reached a log. */
  async function expectNoPasswordsSeen(host: DynamicHost, proof: RegExp): Promise<void> {
    await host.close();
    for (const secret of seenPasswords) {
      expect(host.logs()).not.toContain(secret);
      expect(JSON.stringify(sim.requests)).not.toContain(secret);
    }
    expect(host.logs()).toMatch(proof);
  }

  async function schemaExists(name: string): Promise<boolean> {
    const [rows] = await root.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [
      name,
    ]);
    return (rows as unknown[]).length === 1;
  }

  async function userExists(name: string): Promise<boolean> {
    const [rows] = await root.query("SELECT User FROM mysql.user WHERE User = ?", [name]);
    return (rows as unknown[]).length > 0;
  }

  /** Logs in as the user (as the app would) and reports what it sees and may do. */
  async function asUser(
    user: string,
    password: string,
  ): Promise<{ grants: string[]; databases: string[]; foreign: unknown }> {
    const connection = await connectOverTcp({ user, password });
    try {
      const [grantRows] = await connection.query("SHOW GRANTS");
      const [databaseRows] = await connection.query("SHOW DATABASES");
      const foreign = await connection.query(`SELECT COUNT(*) FROM \`${scratchSchema}\`.notes`).then(
        () => null,
        (error: unknown) => (error as { code?: unknown }).code,
      );
      return {
        grants: (grantRows as Array<Record<string, string>>).map((row) => Object.values(row)[0] ?? ""),
        databases: (databaseRows as Array<{ Database: string }>).map((row) => row.Database).sort(),
        foreign,
      };
    } finally {
      await connection.end();
    }
  }

  async function loginFails(user: string, password: string): Promise<boolean> {
    return connectOverTcp({ user, password }).then(
      async (connection) => {
        await connection.end();
        return false;
      },
      () => true,
    );
  }

  async function expectOnlyOwnDatabase(user: string, password: string, database: string): Promise<void> {
    const seen = await asUser(user, password);
    expect(seen.grants).toStrictEqual([
      expect.stringMatching(new RegExp(`^GRANT USAGE ON \\*\\.\\* TO \`${user}\`@\`%\``)),
      `GRANT ALL PRIVILEGES ON \`${database}\`.* TO \`${user}\`@\`%\``,
    ]);
    expect(seen.databases).toStrictEqual([database, "information_schema"].sort());
    expect(seen.foreign).toBe("ER_TABLEACCESS_DENIED_ERROR");
  }

  beforeAll(async () => {
    root = await connectOverTcp();
    // Another database on the same server, which a preview's user must never reach.
    await root.query(`CREATE DATABASE \`${scratchSchema}\``);
    await root.query(`CREATE TABLE \`${scratchSchema}\`.notes (id INT)`);
    // One host per group below, so no host comes near its own limit of 60 Forge requests a minute.
    fixture = await startForgeProviderHost({
      simulator: {
        mariadb: { host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password },
      },
      register: async () => {
        const { ForgeDatabase } = await import("../../../../providers/forge-database");
        return new ForgeDatabase("db", {
          serverId: SERVER_ID,
          ...names(12),
          protectedDatabases: [app, `${app}_master`],
        });
      },
      startHost: false,
    });
    ({ sim, registration, urn, inputs } = fixture);
    forge = fixture.client();
  });

  afterAll(async () => {
    await sim?.purge();
    await fixture?.close();
    await root?.query(`DROP DATABASE IF EXISTS \`${scratchSchema}\``);
    await root?.end();
  });

  beforeEach(() => sim.clearRequests());

  describe("lifecycle of one PR database", () => {
    const host = useGroupHost(() => fixture);
    let id: string;
    let outs: Props;
    let password: string;

    it("creates the schema and a user that logs in with the generated password and reaches only that schema", async () => {
      const checked = await host.check(urn, {}, inputs);
      expect(checked.failures).toStrictEqual([]);

      ({ id, outs } = await host.create(urn, checked.inputs));
      password = remember(outs.password);

      const schema = simSchema(names(12).name);
      const user = simUser(names(12).userName);
      expect(schema).toMatchObject({ status: "installed", serverId: SERVER_ID });
      expect(user).toMatchObject({ status: "installed", databaseIds: [schema?.id], passwordSha256: sha256(password) });
      expect(id).toBe(String(schema?.id));
      expect(outs).toStrictEqual({
        serverId: SERVER_ID,
        ...names(12),
        protectedDatabases: [app, `${app}_master`],
        databaseId: schema?.id,
        userId: user?.id,
        password,
        host: "127.0.0.1",
        port: 3306,
        __provider: registration.providerText,
      });
      expect(calls()).toStrictEqual([
        "GET /orgs/{organization}/servers/{server}/database/schemas",
        "POST /orgs/{organization}/servers/{server}/database/schemas",
        "GET /orgs/{organization}/servers/{server}/database/schemas/{database}",
        `GET ${USERS_ROUTE}`,
        `POST ${USERS_ROUTE}`,
        `GET ${USERS_ROUTE}/{databaseUser}`,
      ]);
      expect(sim.requests[1]?.bodyKeys).toStrictEqual(["name"]);
      expect(sim.requests[4]?.bodyKeys).toStrictEqual(["name", "password", "database_ids"]);
      expect(await schemaExists(names(12).name)).toBe(true);
      await expectOnlyOwnDatabase(names(12).userName, password, names(12).name);
    });

    it("reports no changes when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("updates a changed protected list in place without writing to Forge", async () => {
      const changed = withInputs({ protectedDatabases: [app, `${app}_master`, `${app}_old`] });
      expect(await host.diff(urn, id, outs, changed)).toStrictEqual(IN_PLACE);

      ({ outs } = await host.update(urn, id, outs, changed));

      expect(outs).toMatchObject({
        protectedDatabases: [app, `${app}_master`, `${app}_old`],
        password,
        databaseId: Number(id),
      });
      expect(sim.requests).toStrictEqual([]);
    });

    it("keeps the same password and ids on refresh", async () => {
      const read = await host.read(urn, id, outs);

      expect(read).toStrictEqual({ id, props: outs });
    });

    it("asks for delete-before-replace when the name or user changes", async () => {
      expect(await host.diff(urn, id, outs, withInputs(names(13)))).toStrictEqual(
        replacing(["name", "userName"], "delete-first"),
      );
      expect(await host.diff(urn, id, outs, withInputs({ serverId: 2 }))).toStrictEqual(
        replacing(["serverId"], "delete-first"),
      );
    });

    it("replaces by dropping the user and then the schema before creating the new pair with a fresh password", async () => {
      await host.delete(urn, id, outs);
      const replaced = await host.create(urn, withInputs(names(13)));

      expect(writes()).toStrictEqual([
        `DELETE ${USERS_ROUTE}/{databaseUser}`,
        "DELETE /orgs/{organization}/servers/{server}/database/schemas/{database}",
        "POST /orgs/{organization}/servers/{server}/database/schemas",
        `POST ${USERS_ROUTE}`,
      ]);
      expect(await schemaExists(names(12).name)).toBe(false);
      expect(await userExists(names(12).userName)).toBe(false);
      expect(simSchema(names(12).name)).toBeUndefined();
      ({ id, outs } = replaced);
      const fresh = remember(outs.password);
      expect(fresh).not.toBe(password);
      password = fresh;
      await expectOnlyOwnDatabase(names(13).userName, password, names(13).name);
    });

    it("recreates a user deleted out of band with the same password, keeping the schema", async () => {
      await forge.databaseUsers.delete(SERVER_ID, outs.userId as number);
      sim.clearRequests();

      const read = await host.read(urn, id, outs);
      expect(read).toStrictEqual({ id, props: { ...outs, userId: null } });
      expect(await host.diff(urn, id, read.props, withInputs(names(13)))).toStrictEqual(IN_PLACE);

      ({ outs } = await host.update(urn, id, read.props, withInputs(names(13))));

      const user = simUser(names(13).userName);
      expect(outs).toMatchObject({ userId: user?.id, password, databaseId: Number(id) });
      expect(user).toMatchObject({ databaseIds: [Number(id)], passwordSha256: sha256(password) });
      expect(writes()).toStrictEqual([`POST ${USERS_ROUTE}`]);
      await expectOnlyOwnDatabase(names(13).userName, password, names(13).name);
    });

    it("drops the database from state when its schema was deleted out of band", async () => {
      await forge.databases.delete(SERVER_ID, Number(id));

      const read = await host.read(urn, id, outs);

      expect(read.id).toBe("");
    });

    it("deletes what is left (the user) and treats the missing schema as done", async () => {
      sim.clearRequests();
      await host.delete(urn, id, outs);

      expect(writes()).toStrictEqual([`DELETE ${USERS_ROUTE}/{databaseUser}`]);
      expect(await userExists(names(13).userName)).toBe(false);
      expect(simUser(names(13).userName)).toBeUndefined();
    });

    it("treats deleting an already-deleted database as done, without a delete request", async () => {
      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();

      expect(writes()).toStrictEqual([]);
      expect(calls()).toStrictEqual([
        `GET ${USERS_ROUTE}/{databaseUser}`,
        "GET /orgs/{organization}/servers/{server}/database/schemas/{database}",
      ]);
    });

    it("never shows a password in the host's logs or the request log", async () => {
      await expectNoPasswordsSeen(host, /forge-database: created database schema/);
    });
  });

  describe("adoption, refusal and failures", () => {
    const host = useGroupHost(() => fixture);

    it("checks and diffs unknown preview values without calling Forge", async () => {
      const unknowns = withInputs({ name: UNKNOWN, userName: UNKNOWN, protectedDatabases: UNKNOWN });

      await expectPreviewWithoutForge(
        fixture,
        "5",
        { ...inputs, databaseId: 5, userId: 6, password: "x" },
        unknowns,
        {
          diff: replacing(["name", "userName"], "delete-first"),
          inputs: { name: UNKNOWN, userName: UNKNOWN, protectedDatabases: UNKNOWN },
        },
        host,
      );
    });

    it("fails check on a production database name, naming the field", async () => {
      const checked = await host.check(urn, {}, withInputs({ name: app }));

      expect(checked.failures).toStrictEqual([
        {
          property: "name",
          reason: expect.stringMatching(
            new RegExp(`^\`name\` must be a preview database name .*not "${app}".*production is never a target$`),
          ),
        },
      ]);
    });

    it.each([
      ["a name outside the preview namespace", { name: "production", userName: `${app}_pr12` }],
      ["a name listed as protected", { ...names(30), protectedDatabases: [names(30).name] }],
    ])("refuses to create %s before any Forge call", async (_case, change) => {
      await root.query(`CREATE DATABASE IF NOT EXISTS \`${String(change.name)}\``);
      try {
        const error = await host.create(urn, withInputs(change)).then(
          () => null,
          (rejection: unknown) => rejection,
        );

        expect(error).toBeInstanceOf(DynamicHostCallError);
        expect((error as DynamicHostCallError).details).toMatch(
          new RegExp(
            `^Refusing to create or adopt database \`${String(change.name)}\` on Forge server 1: .*production is never a target`,
          ),
        );
        expect((error as DynamicHostCallError).initFailure).toBeUndefined();
        expect(sim.requests).toStrictEqual([]);
        expect(await schemaExists(String(change.name))).toBe(true);
      } finally {
        await root.query(`DROP DATABASE IF EXISTS \`${String(change.name)}\``);
      }
    });

    describe("a schema and user left by an earlier run", () => {
      let adopted: { id: string; outs: Props };

      it("adopts both, resetting the user's password and replacing its grants with this schema only", async () => {
        const scratch = await forge.databases.create(SERVER_ID, { name: `${app}_pr_99` });
        const schema = await forge.databases.create(SERVER_ID, { name: names(21).name });
        const user = await forge.databaseUsers.create(SERVER_ID, {
          name: names(21).userName,
          password: "earlier-Password-1",
          databaseIds: [scratch.id],
        });
        sim.clearRequests();

        adopted = await host.create(urn, withInputs(names(21)));
        const password = remember(adopted.outs.password);

        expect(adopted.id).toBe(String(schema.id));
        expect(adopted.outs).toMatchObject({ databaseId: schema.id, userId: user.id, password });
        expect(writes()).toStrictEqual([`PUT ${USERS_ROUTE}/{databaseUser}`]);
        expect(sim.requests.find((request) => request.method === "PUT")?.bodyKeys).toStrictEqual([
          "password",
          "database_ids",
        ]);
        expect(simUser(names(21).userName)).toMatchObject({
          databaseIds: [schema.id],
          passwordSha256: sha256(password),
        });
        expect(await loginFails(names(21).userName, "earlier-Password-1")).toBe(true);
        await expectOnlyOwnDatabase(names(21).userName, password, names(21).name);
        await forge.databases.delete(SERVER_ID, scratch.id);
      });

      it("refuses to drop it once it is listed as protected, leaving schema and user in place", async () => {
        const protectedProps = { ...adopted.outs, protectedDatabases: [names(21).name] };

        const error = await host.delete(urn, adopted.id, protectedProps).then(
          () => null,
          (rejection: unknown) => rejection,
        );

        expect((error as DynamicHostCallError).details).toMatch(
          new RegExp(
            `^Refusing to drop database \`${names(21).name}\` on Forge server 1: .*is listed in \`protectedDatabases\``,
          ),
        );
        expect(sim.requests).toStrictEqual([]);
        expect(await schemaExists(names(21).name)).toBe(true);
        expect(await userExists(names(21).userName)).toBe(true);
      });

      it("drops both when it is not protected", async () => {
        await host.delete(urn, adopted.id, adopted.outs);

        expect(await schemaExists(names(21).name)).toBe(false);
        expect(await userExists(names(21).userName)).toBe(false);
        expect(simSchema(names(21).name)).toBeUndefined();
      });
    });

    describe("a user step that fails after the schema exists", () => {
      let failure: { id: string; properties: Props };

      it("keeps the schema's id in state as a partial failure, with no user", async () => {
        sim.inject({ method: "POST", path: USERS_ROUTE, status: 500, times: CREATE_ATTEMPTS });

        const error = await host.create(urn, withInputs(names(40))).then(
          () => null,
          (rejection: unknown) => rejection,
        );

        expect(error).toBeInstanceOf(DynamicHostCallError);
        const initFailure = (error as DynamicHostCallError).initFailure;
        const schema = simSchema(names(40).name);
        expect(initFailure).toMatchObject({
          id: String(schema?.id),
          properties: { ...names(40), databaseId: schema?.id, userId: null, __provider: registration.providerText },
          reasons: [expect.stringContaining(`POST /orgs/${ORG}/servers/1/database/users\` failed with 500`)],
        });
        failure = { id: initFailure?.id ?? "", properties: initFailure?.properties ?? {} };
        remember(failure.properties.password);
        expect((error as DynamicHostCallError).details).not.toContain(failure.properties.password);
        expect(await schemaExists(names(40).name)).toBe(true);
        expect(await userExists(names(40).userName)).toBe(false);
      });

      it("finishes on the next up: the diff is an update that creates the user with the recorded password", async () => {
        expect(await host.diff(urn, failure.id, failure.properties, withInputs(names(40)))).toStrictEqual(IN_PLACE);

        const { outs } = await host.update(urn, failure.id, failure.properties, withInputs(names(40)));

        const user = simUser(names(40).userName);
        expect(outs).toMatchObject({ userId: user?.id, password: failure.properties.password });
        await expectOnlyOwnDatabase(names(40).userName, failure.properties.password as string, names(40).name);
      });

      it("can be destroyed from the partial state, finding the user by its name", async () => {
        await host.delete(urn, failure.id, failure.properties);

        expect(writes()).toStrictEqual([
          `DELETE ${USERS_ROUTE}/{databaseUser}`,
          "DELETE /orgs/{organization}/servers/{server}/database/schemas/{database}",
        ]);
        expect(await schemaExists(names(40).name)).toBe(false);
        expect(await userExists(names(40).userName)).toBe(false);
      });
    });

    it("never shows a password in the host's logs or the request log", async () => {
      await expectNoPasswordsSeen(host, /forge-database: adopted database user/);
    });
  });
});
