import { extend, initialValues, timeline, valuesAt } from "../async-clock";
import { validationError } from "../errors";
import { iso, resource, document, type JsonApiResource } from "../json-api";
import type { DatabaseUserRecord } from "../types";
import { SERVER, getRoute, beginRemoval, need, touch, url, type RequestContext, type RouteDefinition } from "./context";
import { MAX_USER_NAME, SCHEMA_OBJECT_LIST_RULES, sha256 } from "./databases";
import { listRoute } from "./list";
import { stringField } from "./site-rules";

export function presentDatabaseUser(ctx: RequestContext, user: DatabaseUserRecord, initial = false): JsonApiResource {
  const values = initial ? initialValues(user.lifecycle) : valuesAt(user.lifecycle, ctx.now);
  return resource(
    "databaseUsers",
    user.id,
    { name: user.name, status: values.status, created_at: iso(user.createdAt), updated_at: iso(user.updatedAt) },
    url(ctx, `/orgs/${ctx.services.org}/servers/${user.serverId}/database/users/${user.id}`),
  );
}

/** Maps `database_ids` to schema names on this server; unknown ids are a 422 like Laravel's `exists` rule. */
function databaseNames(ctx: RequestContext, serverId: number): { ids: number[]; names: string[] } | null {
  const raw = ctx.body.database_ids;
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) throw validationError({ database_ids: ["The database ids field must be an array."] });
  const ids: number[] = [];
  const names: string[] = [];
  const errors: Record<string, string[]> = {};
  raw.forEach((id: unknown, index) => {
    const database = ctx.services.store.data.databases.find((item) => item.id === id && item.serverId === serverId);
    if (database === undefined) errors[`database_ids.${index}`] = [`The selected database_ids.${index} is invalid.`];
    else {
      ids.push(database.id);
      names.push(database.name);
    }
  });
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return { ids, names };
}

async function createUser(ctx: RequestContext): Promise<{ status: number; body: unknown }> {
  const server = need(ctx.found.server, "server");
  const { now, services } = ctx;
  const { data } = services.store;
  const name = stringField(ctx.body, "name");
  const password = stringField(ctx.body, "password");
  const errors: Record<string, string[]> = {};
  if (name === null || name === "") errors.name = ["The name field is required."];
  else if (name.length > MAX_USER_NAME)
    errors.name = [`The name field must not be greater than ${MAX_USER_NAME} characters.`];
  else if (data.databaseUsers.some((item) => item.serverId === server.id && item.name === name))
    errors.name = ["The name has already been taken."];
  if (password === null || password === "") errors.password = ["The password field is required."];
  if (Object.keys(errors).length > 0) throw validationError(errors);
  const databases = databaseNames(ctx, server.id) ?? { ids: [], names: [] };
  const readOnly = ctx.body.read_only === true;
  const failed = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const duration = services.clock.duration("databaseUser");
  const user: DatabaseUserRecord = {
    id: services.store.nextId(),
    serverId: server.id,
    name: name as string,
    passwordSha256: sha256(password as string),
    readOnly,
    databaseIds: databases.ids,
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(now, { status: "installing" }, [duration, { status: "installed" }]),
  };
  if (failed) user.lifecycle.goneAt = now + duration;
  data.databaseUsers.push(user);
  if (!failed) {
    try {
      await services.mariadbFor(server.id).createUser(user.name, password as string, databases.names, readOnly);
    } catch (error) {
      data.databaseUsers = data.databaseUsers.filter((item) => item !== user);
      throw error;
    }
  }
  return { status: 202, body: document(presentDatabaseUser(ctx, user, true)) };
}

async function updateUser(ctx: RequestContext): Promise<{ status: number }> {
  const server = need(ctx.found.server, "server");
  const user = need(ctx.found.databaseUser, "databaseUser");
  const { now, services } = ctx;
  const password = stringField(ctx.body, "password");
  const databases = databaseNames(ctx, server.id);
  const ids = databases?.ids ?? user.databaseIds;
  const names = ids.map(
    (id) =>
      need(
        services.store.data.databases.find((item) => item.id === id),
        "database",
      ).name,
  );
  await services.mariadbFor(server.id).updateUser(user.name, password, names, user.readOnly);
  if (password !== null) user.passwordSha256 = sha256(password);
  user.databaseIds = ids;
  extend(user.lifecycle, now, { status: "updating" }, [
    services.clock.duration("databaseUser"),
    { status: "installed" },
  ]);
  touch(user, now);
  return { status: 202 };
}

async function deleteUser(ctx: RequestContext): Promise<{ status: number }> {
  const user = need(ctx.found.databaseUser, "databaseUser");
  const { services } = ctx;
  if (user.lifecycle.goneAt === null) {
    await services.mariadbFor(user.serverId).dropUser(user.name);
    beginRemoval(ctx, user.lifecycle);
  }
  return { status: 202 };
}

export const databaseUserRoutes: RouteDefinition[] = [
  listRoute({
    template: `${SERVER}/database/users`,
    scope: "server:view",
    items: (ctx) =>
      ctx.services.store.data.databaseUsers.filter((item) => item.serverId === need(ctx.found.server, "server").id),
    present: presentDatabaseUser,
    ...SCHEMA_OBJECT_LIST_RULES,
  }),
  { method: "post", template: `${SERVER}/database/users`, scope: "server:create-databases", handler: createUser },
  getRoute(`${SERVER}/database/users/{databaseUser}`, "server:view", (ctx) =>
    presentDatabaseUser(ctx, need(ctx.found.databaseUser, "databaseUser")),
  ),
  {
    method: "put",
    template: `${SERVER}/database/users/{databaseUser}`,
    scope: "server:create-databases",
    handler: updateUser,
  },
  {
    method: "delete",
    template: `${SERVER}/database/users/{databaseUser}`,
    scope: "server:delete-databases",
    handler: deleteUser,
  },
];
