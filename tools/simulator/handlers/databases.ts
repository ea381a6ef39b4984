import * as crypto from "crypto";
import { initialValues, timeline, valuesAt } from "../async-clock";
import { validationError } from "../errors";
import { iso, resource, document, type JsonApiResource } from "../json-api";
import type { DatabaseRecord, DatabaseUserRecord, Lifecycle } from "../types";
import { SERVER, getRoute, beginRemoval, need, url, type RequestContext, type RouteDefinition } from "./context";
import { partial, listRoute } from "./list";
import { stringField } from "./site-rules";

/** MariaDB's own identifier limit; the spec's 63 is checked by the contract validator when the file is present. */
const MAX_DATABASE_NAME = 64;
/** MariaDB's user-name limit (the spec sets none). */
export const MAX_USER_NAME = 80;

export function sha256(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

export function presentDatabase(ctx: RequestContext, database: DatabaseRecord, initial = false): JsonApiResource {
  const values = initial ? initialValues(database.lifecycle) : valuesAt(database.lifecycle, ctx.now);
  return resource(
    "databases",
    database.id,
    {
      name: database.name,
      status: values.status,
      created_at: iso(database.createdAt),
      updated_at: iso(database.updatedAt),
    },
    url(ctx, `/orgs/${ctx.services.org}/servers/${database.serverId}/database/schemas/${database.id}`),
  );
}

/** Checks the inline `user`/`password` pair and returns it, or null when no user was asked for. */
function inlineUser(ctx: RequestContext, serverId: number): { name: string; password: string } | null {
  const user = stringField(ctx.body, "user");
  if (user === null || user === "") return null;
  const password = stringField(ctx.body, "password");
  const errors: Record<string, string[]> = {};
  if (password === null || password === "") errors.password = ["The password field is required when user is present."];
  if (user.length > MAX_USER_NAME)
    errors.user = [`The user field must not be greater than ${MAX_USER_NAME} characters.`];
  if (ctx.services.store.data.databaseUsers.some((item) => item.serverId === serverId && item.name === user))
    errors.user = ["The user has already been taken."];
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return { name: user, password: password as string };
}

async function createDatabase(ctx: RequestContext): Promise<{ status: number; body: unknown }> {
  const server = need(ctx.found.server, "server");
  const { now, services } = ctx;
  const { data } = services.store;
  const name = stringField(ctx.body, "name");
  if (name === null || name === "") throw validationError({ name: ["The name field is required."] });
  if (name.length > MAX_DATABASE_NAME)
    throw validationError({ name: [`The name field must not be greater than ${MAX_DATABASE_NAME} characters.`] });
  if (data.databases.some((item) => item.serverId === server.id && item.name === name))
    throw validationError({ name: ["The name has already been taken."] });
  const user = inlineUser(ctx, server.id);
  const failed = services.faults.takeAsyncOutcome(ctx.method, ctx.path, ctx.template)?.asyncOutcome === "failed";
  const duration = services.clock.duration("database");
  const database: DatabaseRecord = {
    id: services.store.nextId(),
    serverId: server.id,
    name,
    createdAt: now,
    updatedAt: now,
    lifecycle: timeline(now, { status: "installing" }, [duration, { status: "installed" }]),
  };
  // A failed install leaves nothing behind: the schema simply disappears, since its status has no failure value.
  if (failed) database.lifecycle.goneAt = now + duration;
  // The record is stored before MariaDB is called so that a concurrent request sees the name as taken.
  data.databases.push(database);
  let userRecord: DatabaseUserRecord | null = null;
  if (user !== null) {
    userRecord = {
      id: services.store.nextId(),
      serverId: server.id,
      name: user.name,
      passwordSha256: sha256(user.password),
      readOnly: false,
      databaseIds: [database.id],
      createdAt: now,
      updatedAt: now,
      lifecycle: timeline(now, { status: "installing" }, [duration, { status: "installed" }]),
    };
    if (failed) userRecord.lifecycle.goneAt = now + duration;
    data.databaseUsers.push(userRecord);
  }
  if (!failed) {
    try {
      await services.mariadbFor(server.id).createDatabase(name);
      if (user !== null) await services.mariadbFor(server.id).createUser(user.name, user.password, [name], false);
    } catch (error) {
      data.databases = data.databases.filter((item) => item !== database);
      data.databaseUsers = data.databaseUsers.filter((item) => item !== userRecord);
      throw error;
    }
  }
  return { status: 202, body: document(presentDatabase(ctx, database, true)) };
}

async function deleteDatabase(ctx: RequestContext): Promise<{ status: number }> {
  const database = need(ctx.found.database, "database");
  const { services } = ctx;
  if (database.lifecycle.goneAt === null) {
    await services.mariadbFor(database.serverId).dropDatabase(database.name);
    beginRemoval(ctx, database.lifecycle);
    for (const user of services.store.data.databaseUsers)
      user.databaseIds = user.databaseIds.filter((id) => id !== database.id);
  }
  return { status: 202 };
}

/** Schemas and database users are listed alike: by name (partial) and status, sorted by name or time. */
export const SCHEMA_OBJECT_LIST_RULES = {
  filters: {
    name: (item: { name: string }, value: string) => partial(item.name, value),
    status: (item: { lifecycle: Lifecycle }, value: string, ctx: RequestContext) =>
      valuesAt(item.lifecycle, ctx.now).status === value,
  },
  sorts: {
    name: (item: { name: string }) => item.name,
    created_at: (item: { createdAt: number }) => item.createdAt,
    updated_at: (item: { updatedAt: number }) => item.updatedAt,
  },
};

export const databaseRoutes: RouteDefinition[] = [
  listRoute({
    template: `${SERVER}/database/schemas`,
    scope: "server:view",
    items: (ctx) =>
      ctx.services.store.data.databases.filter((item) => item.serverId === need(ctx.found.server, "server").id),
    present: presentDatabase,
    ...SCHEMA_OBJECT_LIST_RULES,
  }),
  { method: "post", template: `${SERVER}/database/schemas`, scope: "server:create-databases", handler: createDatabase },
  getRoute(`${SERVER}/database/schemas/{database}`, "server:view", (ctx) =>
    presentDatabase(ctx, need(ctx.found.database, "database")),
  ),
  {
    method: "delete",
    template: `${SERVER}/database/schemas/{database}`,
    scope: "server:delete-databases",
    handler: deleteDatabase,
  },
];
