import { createHash } from "crypto";
import { ForgeNotFoundError } from "../../../../providers/forge";
import { ORG, SERVER_ID, useHarness } from "../../../support/forge-simulator";

const t = useHarness();
const serverPath = `/orgs/${ORG}/servers/1`;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("database schemas", () => {
  it("creates a database by name only, then reads it back installed", async () => {
    const database = await t.forge.databases.create(SERVER_ID, { name: "pr_41" });
    expect(database).toMatchObject({ name: "pr_41", status: "installing" });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${serverPath}/database/schemas`,
      status: 202,
      bodyKeys: ["name"],
    });
    await expect(t.forge.databases.get(SERVER_ID, database.id)).resolves.toStrictEqual({
      id: database.id,
      name: "pr_41",
      status: "installed",
    });
    expect(t.h.calls()[1]).toBe(`GET ${serverPath}/database/schemas/${database.id}`);
  });

  it("finds a database by exact name through the name filter", async () => {
    await t.forge.databases.create(SERVER_ID, { name: "pr_410" });
    const wanted = await t.forge.databases.create(SERVER_ID, { name: "pr_41" });
    t.h.sim.clearRequests();
    await expect(t.forge.databases.findByName(SERVER_ID, "pr_41")).resolves.toMatchObject({ id: wanted.id });
    expect(t.h.sim.requests[0]!.query).toStrictEqual({ "filter[name]": "pr_41", "page[size]": "2" });
  });

  it("deletes a database", async () => {
    const database = await t.forge.databases.create(SERVER_ID, { name: "pr_42" });
    await t.forge.databases.delete(SERVER_ID, database.id);
    expect(t.h.sim.requests.at(-1)).toMatchObject({
      method: "DELETE",
      path: `${serverPath}/database/schemas/${database.id}`,
      status: 202,
    });
    await expect(t.forge.databases.get(SERVER_ID, database.id)).rejects.toBeInstanceOf(ForgeNotFoundError);
  });
});

describe("database users", () => {
  it("creates a user with a password and access to given databases", async () => {
    const database = await t.forge.databases.create(SERVER_ID, { name: "pr_43" });
    t.h.sim.clearRequests();
    const user = await t.forge.databaseUsers.create(SERVER_ID, {
      name: "pr_43",
      password: "pw-3c5e1f9a",
      databaseIds: [database.id],
    });
    expect(user).toMatchObject({ name: "pr_43", status: "installing" });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "POST",
      path: `${serverPath}/database/users`,
      status: 202,
      bodyKeys: ["name", "password", "database_ids"],
    });
    expect(t.h.sim.state().databaseUsers).toMatchObject([
      {
        id: user.id,
        name: "pr_43",
        passwordSha256: sha256("pw-3c5e1f9a"),
        databaseIds: [database.id],
        readOnly: false,
      },
    ]);
    expect(t.h.logs.join("\n")).not.toContain("pw-3c5e1f9a");
  });

  it("updates a user's password and databases, finds it by name and deletes it", async () => {
    const first = await t.forge.databases.create(SERVER_ID, { name: "pr_44a" });
    const second = await t.forge.databases.create(SERVER_ID, { name: "pr_44b" });
    const user = await t.forge.databaseUsers.create(SERVER_ID, {
      name: "pr_44",
      password: "old-password",
      databaseIds: [first.id],
    });
    t.h.sim.clearRequests();
    await t.forge.databaseUsers.update(SERVER_ID, user.id, {
      password: "new-password",
      databaseIds: [first.id, second.id],
    });
    expect(t.h.sim.requests[0]).toMatchObject({
      method: "PUT",
      path: `${serverPath}/database/users/${user.id}`,
      status: 202,
      bodyKeys: ["password", "database_ids"],
    });
    expect(t.h.sim.state().databaseUsers[0]).toMatchObject({
      passwordSha256: sha256("new-password"),
      databaseIds: [first.id, second.id],
    });
    await expect(t.forge.databaseUsers.findByName(SERVER_ID, "pr_44")).resolves.toMatchObject({
      id: user.id,
      status: "installed",
    });
    await expect(t.forge.databaseUsers.get(SERVER_ID, user.id)).resolves.toMatchObject({ id: user.id });
    await t.forge.databaseUsers.delete(SERVER_ID, user.id);
    expect(t.h.calls().slice(1)).toStrictEqual([
      `GET ${serverPath}/database/users`,
      `GET ${serverPath}/database/users/${user.id}`,
      `DELETE ${serverPath}/database/users/${user.id}`,
    ]);
    await expect(t.forge.databaseUsers.list(SERVER_ID).all()).resolves.toStrictEqual([]);
  });
});
