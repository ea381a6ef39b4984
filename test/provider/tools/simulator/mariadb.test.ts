import * as crypto from "crypto";
import type { Connection } from "mysql2/promise";
import type { Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, startTestSimulator } from "../../../support/simulator";
import { testMariaDb } from "../../../support/simulator-services";

describe("simulator database side effects on a real MariaDB", () => {
  const mariadb = testMariaDb();
  // A per-run suffix keeps this file independent of other suites sharing the server.
  const suffix = crypto.randomBytes(3).toString("hex");
  const dbName = `sim_${suffix}`;
  const userName = `sim_u_${suffix}`;
  let sim: Simulator;
  let root: Connection;

  beforeAll(async () => {
    const mysql = await import("mysql2/promise");
    root = await mysql.createConnection(mariadb);
    sim = await startTestSimulator({ mariadb, rateLimitPerMinute: 0 });
  });
  afterAll(async () => {
    await sim.purge();
    await sim.close();
    await root.end();
  });

  async function schemaExists(name: string): Promise<boolean> {
    const [rows] = await root.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [
      name,
    ]);
    return (rows as unknown[]).length === 1;
  }

  async function userHosts(name: string): Promise<string[]> {
    const [rows] = await root.query("SELECT Host FROM mysql.user WHERE User = ?", [name]);
    return (rows as Array<{ Host: string }>).map((row) => row.Host);
  }

  async function grants(name: string): Promise<string[]> {
    const [rows] = await root.query("SHOW GRANTS FOR ?@'%'", [name]);
    return (rows as Array<Record<string, string>>).map((row) => Object.values(row)[0]);
  }

  async function passwordMatches(name: string, password: string): Promise<boolean> {
    const [rows] = await root.query(
      "SELECT authentication_string = PASSWORD(?) AS same FROM mysql.user WHERE User = ? AND Host = '%'",
      [password, name],
    );
    return (rows as Array<{ same: number }>)[0]?.same === 1;
  }

  it("creates the schema for real and drops it on delete", async () => {
    const created = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: dbName });
    expect(created.status).toBe(202);
    expect(await schemaExists(dbName)).toBe(true);
    const deleted = await call(sim, "DELETE", `${SERVER_PATH}/database/schemas/${created.json.data.id}`);
    expect(deleted.status).toBe(202);
    expect(await schemaExists(dbName)).toBe(false);
  });

  it("creates a user for any host with its password and ALL on its databases, updates and drops it", async () => {
    const db = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: dbName });
    const other = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: `${dbName}_b` });
    const user = await call(sim, "POST", `${SERVER_PATH}/database/users`, {
      name: userName,
      password: "first-Secret-1",
      database_ids: [Number(db.json.data.id)],
    });
    expect(user.status).toBe(202);
    expect(await userHosts(userName)).toEqual(["%"]);
    expect(await passwordMatches(userName, "first-Secret-1")).toBe(true);
    expect(await grants(userName)).toContain(`GRANT ALL PRIVILEGES ON \`${dbName}\`.* TO \`${userName}\`@\`%\``);

    const updated = await call(sim, "PUT", `${SERVER_PATH}/database/users/${user.json.data.id}`, {
      password: "second-Secret-2",
      database_ids: [Number(other.json.data.id)],
    });
    expect(updated.status).toBe(202);
    expect(await passwordMatches(userName, "second-Secret-2")).toBe(true);
    const after = await grants(userName);
    expect(after).toContain(`GRANT ALL PRIVILEGES ON \`${dbName}_b\`.* TO \`${userName}\`@\`%\``);
    expect(after.join("\n")).not.toContain(`\`${dbName}\`.*`);

    await call(sim, "DELETE", `${SERVER_PATH}/database/users/${user.json.data.id}`);
    expect(await userHosts(userName)).toEqual([]);
    await call(sim, "DELETE", `${SERVER_PATH}/database/schemas/${db.json.data.id}`);
    await call(sim, "DELETE", `${SERVER_PATH}/database/schemas/${other.json.data.id}`);
    expect(await schemaExists(`${dbName}_b`)).toBe(false);
  });

  it("creates the inline user of a schema request with access to that schema", async () => {
    const inline = `${userName}_i`;
    const db = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, {
      name: `${dbName}_i`,
      user: inline,
      password: "inline-Secret-3",
    });
    expect(db.status).toBe(202);
    expect(await grants(inline)).toContain(`GRANT ALL PRIVILEGES ON \`${dbName}_i\`.* TO \`${inline}\`@\`%\``);
    expect(sim.state().databaseUsers.map((user) => user.name)).toContain(inline);
  });

  it("quotes identifiers, so a hostile name is just a name", async () => {
    const hostile = `${dbName}\`; DROP DATABASE mysql; --`;
    const created = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: hostile });
    expect(created.status).toBe(202);
    expect(await schemaExists(hostile)).toBe(true);
    expect(await schemaExists("mysql")).toBe(true);
    await call(sim, "DELETE", `${SERVER_PATH}/database/schemas/${created.json.data.id}`);
    expect(await schemaExists(hostile)).toBe(false);
  });

  it("answers 422 when MariaDB already has the schema, leaving no record behind", async () => {
    const taken = `${dbName}_taken`;
    await root.query("CREATE DATABASE ??", [taken]);
    try {
      const response = await call(sim, "POST", `${SERVER_PATH}/database/schemas`, { name: taken });
      expect(response.status).toBe(422);
      expect(response.json.errors).toEqual({ name: ["The name has already been taken."] });
      expect(sim.state().databases.map((database) => database.name)).not.toContain(taken);
    } finally {
      await root.query("DROP DATABASE ??", [taken]);
    }
  });

  it("never writes passwords into the request log or the state", async () => {
    const log = JSON.stringify(sim.requests);
    const state = JSON.stringify(sim.state());
    for (const secret of ["first-Secret-1", "second-Secret-2", "inline-Secret-3"]) {
      expect(log).not.toContain(secret);
      expect(state).not.toContain(secret);
    }
    expect(
      sim.requests.find((request) => request.path.endsWith("/database/users") && request.method === "POST")?.bodyKeys,
    ).toEqual(["name", "password", "database_ids"]);
  });
});
