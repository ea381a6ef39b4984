/**
 * The Forge calls behind ForgeDatabase: find-or-create the schema, create or adopt the user, and drop both, each
 * waiting for Forge's async work to finish. Callers have already checked that the names belong to a preview.
 */
import { RUN_UP_AGAIN } from "../common/cli-hints";
import * as pulumi from "@pulumi/pulumi";
import type { Database, DatabaseUser, ForgeClient } from "../forge";
import { createOrFindAfterLostAnswer, nullIfNotFound, waitDone, waitPending } from "../forge";
import { pollPacing, waitUntilGone } from "../runtime";

/** Forge installs a schema or user in seconds; five minutes means it is stuck. */
const SETTLE_TIMEOUT_MS = 5 * 60_000;

export function describeSchema(serverId: number, name: string, id?: number): string {
  return `database schema \`${name}\`${id === undefined ? "" : ` (id ${id})`} on Forge server ${serverId}`;
}

export function describeUser(serverId: number, name: string, id?: number): string {
  return `database user \`${name}\`${id === undefined ? "" : ` (id ${id})`} on Forge server ${serverId}`;
}

/** Polls until the object is `installed` (returned) or gone (null); `installing`, `updating`, `removing` wait. */
function waitSettled<T extends { status: string }>(
  forge: ForgeClient,
  what: string,
  get: () => Promise<T>,
): Promise<T | null> {
  return forge.waitFor(
    async () => {
      const found = await nullIfNotFound(get());
      if (found === null) return waitDone(null);
      return found.status === "installed" ? waitDone(found) : waitPending(found.status);
    },
    { what: `${what} to finish installing`, timeoutMs: SETTLE_TIMEOUT_MS, ...pollPacing() },
  );
}

function droppedWhileInstalling(what: string): Error {
  return new Error(
    `Forge dropped ${what} while installing it; check the server's events in Forge, then ${RUN_UP_AGAIN}`,
  );
}

/**
 * The schema named exactly `name`: adopted when it exists (only a preview can own a name in its namespace, so an
 * existing one is this preview's, left by an earlier run), created otherwise. Resolves once it is `installed`.
 */
export async function ensureSchema(forge: ForgeClient, serverId: number, name: string): Promise<Database> {
  const existing = await forge.databases.findByName(serverId, name);
  if (existing !== undefined) {
    const what = describeSchema(serverId, name, existing.id);
    const settled = await waitSettled(forge, what, () => forge.databases.get(serverId, existing.id));
    if (settled !== null) {
      void pulumi.log.info(`forge-database: adopted ${what}`);
      return settled;
    }
    // It was being removed (a replace or a destroy that did not finish): make a new one under the same name.
  }
  const { object: created, lost } = await createOrFindAfterLostAnswer({
    what: describeSchema(serverId, name),
    mark: `its name \`${name}\`, which only this preview has`,
    create: () => forge.databases.create(serverId, { name }),
    find: () => forge.databases.findByName(serverId, name),
  });
  const what = describeSchema(serverId, name, created.id);
  if (lost !== null)
    void pulumi.log.info(
      `forge-database: the answer to creating it was lost (${lost.message}); found ${what} by its name and kept it`,
    );
  const installed = await waitSettled(forge, what, () => forge.databases.get(serverId, created.id));
  if (installed === null) throw droppedWhileInstalling(what);
  void pulumi.log.info(`forge-database: created ${what}`);
  return installed;
}

/**
 * The user named exactly `userName`, with `password` and access to `databaseId` only. An existing user of that name
 * is adopted: its password is reset and its grants are replaced, so nothing it could reach before stays reachable.
 */
export async function ensureUser(
  forge: ForgeClient,
  serverId: number,
  userName: string,
  password: string,
  databaseId: number,
): Promise<DatabaseUser> {
  const adopt = async (existing: DatabaseUser): Promise<DatabaseUser | null> => {
    const what = describeUser(serverId, userName, existing.id);
    const get = (): Promise<DatabaseUser> => forge.databaseUsers.get(serverId, existing.id);
    // Forge refuses changes to a user it is still installing or updating.
    if ((await waitSettled(forge, what, get)) === null) return null;
    await forge.databaseUsers.update(serverId, existing.id, { password, databaseIds: [databaseId] });
    const adopted = await waitSettled(forge, what, get);
    if (adopted === null) throw droppedWhileInstalling(what);
    void pulumi.log.info(
      `forge-database: adopted ${what}, with a new password and access to database ${databaseId} only`,
    );
    return adopted;
  };
  const existing = await forge.databaseUsers.findByName(serverId, userName);
  if (existing !== undefined) {
    const adopted = await adopt(existing);
    if (adopted !== null) return adopted;
  }
  const { object: created, lost } = await createOrFindAfterLostAnswer({
    what: describeUser(serverId, userName),
    mark: `its name \`${userName}\`, which only this preview has`,
    create: () => forge.databaseUsers.create(serverId, { name: userName, password, databaseIds: [databaseId] }),
    find: () => forge.databaseUsers.findByName(serverId, userName),
  });
  const what = describeUser(serverId, userName, created.id);
  if (lost !== null) {
    // The lost request may or may not be what made this user; adopting it sets the password and grants either way.
    void pulumi.log.info(
      `forge-database: the answer to creating ${what} was lost (${lost.message}); found it by its name`,
    );
    const adopted = await adopt(created);
    if (adopted === null) throw droppedWhileInstalling(what);
    return adopted;
  }
  const installed = await waitSettled(forge, what, () => forge.databaseUsers.get(serverId, created.id));
  if (installed === null) throw droppedWhileInstalling(what);
  void pulumi.log.info(`forge-database: created ${what}`);
  return installed;
}

/** The schema with this id if it still exists under this name; null when it is gone or the id now names another. */
export async function findSchemaById(
  forge: ForgeClient,
  serverId: number,
  id: number,
  name: string,
): Promise<Database | null> {
  const found = await nullIfNotFound(forge.databases.get(serverId, id));
  return found !== null && found.name === name && found.status !== "removing" ? found : null;
}

/** The user with this id if it still exists under this name; null when it is gone or the id now names another. */
export async function findUserById(
  forge: ForgeClient,
  serverId: number,
  id: number,
  name: string,
): Promise<DatabaseUser | null> {
  const found = await nullIfNotFound(forge.databaseUsers.get(serverId, id));
  return found !== null && found.name === name && found.status !== "removing" ? found : null;
}

/**
 * Drops the user and waits until Forge has removed it. Without a known id (a create that failed half-way) the user
 * is looked up by its exact name, which only this preview can have.
 */
export async function dropUser(
  forge: ForgeClient,
  serverId: number,
  userName: string,
  userId: number | null,
): Promise<void> {
  const user =
    userId === null
      ? await forge.databaseUsers.findByName(serverId, userName)
      : await nullIfNotFound(forge.databaseUsers.get(serverId, userId));
  if (user === undefined || user === null) return;
  const what = describeUser(serverId, userName, user.id);
  if (user.name !== userName) {
    void pulumi.log.warn(
      `forge-database: left ${describeUser(serverId, user.name, user.id)} alone: it is not \`${userName}\``,
    );
    return;
  }
  if (user.status !== "removing") await nullIfNotFound(forge.databaseUsers.delete(serverId, user.id));
  await waitUntilGone(forge, () => forge.databaseUsers.get(serverId, user.id), {
    subject: what,
    timeoutMs: SETTLE_TIMEOUT_MS,
  });
  void pulumi.log.info(`forge-database: dropped ${what}`);
}

/** Drops the schema with this id, if it still carries this name, and waits until Forge has removed it. */
export async function dropSchema(
  forge: ForgeClient,
  serverId: number,
  name: string,
  databaseId: number,
): Promise<void> {
  const schema = await nullIfNotFound(forge.databases.get(serverId, databaseId));
  if (schema === null) return;
  const what = describeSchema(serverId, name, databaseId);
  if (schema.name !== name) {
    void pulumi.log.warn(
      `forge-database: left ${describeSchema(serverId, schema.name, databaseId)} alone: it is not \`${name}\``,
    );
    return;
  }
  if (schema.status !== "removing") await nullIfNotFound(forge.databases.delete(serverId, databaseId));
  await waitUntilGone(forge, () => forge.databases.get(serverId, databaseId), {
    subject: what,
    timeoutMs: SETTLE_TIMEOUT_MS,
  });
  void pulumi.log.info(`forge-database: dropped ${what}`);
}
