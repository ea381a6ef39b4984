/**
 * ForgeDatabase: a pull request's MySQL schema on the Forge server and its own database user, granted on that schema
 * only. Only names in the previews' namespace are ever created, adopted or dropped, and never one listed in
 * `protectedDatabases`: production is never a target.
 *
 * Refresh: a schema that is gone drops the resource from state (the next `up` creates it again and adopts a user left
 * behind); a user that is gone only sets `userId` to null, so the schema and its data stay in state and the next `up`
 * recreates the user with the same password.
 */
import { NEXT_UP, RUN_UP_AGAIN } from "../common/cli-hints";
import * as pulumi from "@pulumi/pulumi";
import type { ForgeClient } from "../forge";
import { generateDatabasePassword } from "./password";
import { type ForgeDatabaseInputs, checkForgeDatabaseInputs, diffForgeDatabase, findOwnershipProblems } from "./rules";
import { describeSchema, dropSchema, dropUser, ensureSchema, ensureUser, findSchemaById, findUserById } from "./forge";
import type { ProviderImplementation } from "../runtime";
import { dynamicResourceClass, partialFailure, forgeClientFromStackConfig, pureCheckAndDiff } from "../runtime";
import { UserError } from "../common/user-error";

export type { ForgeDatabaseInputs } from "./rules";

export interface ForgeDatabaseOutputs extends ForgeDatabaseInputs {
  databaseId: number;
  /** Null while the user is missing (a create that failed after the schema, or a refresh that found it gone). */
  userId: number | null;
  /** Secret. Kept across updates and refreshes; a replace makes a new one. */
  password: string;
  /** Apps run on the Forge server itself and reach MySQL locally. */
  host: string;
  port: number;
}

const LOCAL_HOST = "127.0.0.1";
const MYSQL_PORT = 3306;

/** Refuses, before any Forge call, names outside the previews' namespace or listed as protected. */
function assertOwnable(props: ForgeDatabaseInputs, action: string): void {
  const problems = findOwnershipProblems({ ...props });
  if (problems.length > 0) {
    throw new UserError(
      `Refusing to ${action} database \`${String(props.name)}\` on Forge server ${props.serverId}: ` +
        problems.map((problem) => problem.reason).join("; "),
    );
  }
}

function outputsOf(
  inputs: ForgeDatabaseInputs,
  databaseId: number,
  userId: number | null,
  password: string,
): ForgeDatabaseOutputs {
  return {
    serverId: inputs.serverId,
    name: inputs.name,
    userName: inputs.userName,
    protectedDatabases: [...inputs.protectedDatabases],
    databaseId,
    userId,
    password,
    host: LOCAL_HOST,
    port: MYSQL_PORT,
  };
}

/**
 * Creates or adopts the user. The schema exists by now, so a failure here is a partial failure: the engine keeps the
 * schema's id (with `userId` null) and the next `up` recreates the user through `update`.
 */
async function attachUser(forge: ForgeClient, outs: ForgeDatabaseOutputs): Promise<ForgeDatabaseOutputs> {
  try {
    const user = await ensureUser(forge, outs.serverId, outs.userName, outs.password, outs.databaseId);
    return { ...outs, userId: user.id };
  } catch (error) {
    throw partialFailure(String(outs.databaseId), { ...outs, userId: null }, error);
  }
}

export const provider: ProviderImplementation<ForgeDatabaseInputs, ForgeDatabaseOutputs> = {
  ...pureCheckAndDiff(checkForgeDatabaseInputs, (olds, news) => diffForgeDatabase({ ...olds }, { ...news })),

  async create(inputs) {
    assertOwnable(inputs, "create or adopt");
    const forge = forgeClientFromStackConfig();
    const schema = await ensureSchema(forge, inputs.serverId, inputs.name);
    const outs = await attachUser(forge, outputsOf(inputs, schema.id, null, generateDatabasePassword()));
    return { id: String(schema.id), outs: outs satisfies ForgeDatabaseOutputs };
  },

  async read(id, props) {
    const forge = forgeClientFromStackConfig();
    const schema = await findSchemaById(forge, props.serverId, props.databaseId, props.name);
    if (schema === null) return { id: "" };
    const knownUserId = typeof props.userId === "number" ? props.userId : null;
    const user = knownUserId === null ? null : await findUserById(forge, props.serverId, knownUserId, props.userName);
    if (user === null && knownUserId !== null) {
      // The schema (the data) stays in state; `userId: null` makes the next diff an update that recreates the user
      // with the same password, so the app's .env keeps working.
      void pulumi.log.warn(`forge-database: database user \`${props.userName}\` is gone; ${NEXT_UP} recreates it`);
    }
    return { id, props: { ...props, userId: user === null ? null : user.id } };
  },

  async update(_id, olds, news) {
    assertOwnable(news, "update");
    const outs = outputsOf(news, olds.databaseId, olds.userId, olds.password);
    if (typeof olds.userId === "number") return { outs };
    const forge = forgeClientFromStackConfig();
    const schema = await findSchemaById(forge, olds.serverId, olds.databaseId, olds.name);
    if (schema === null) {
      throw new UserError(
        `${describeSchema(olds.serverId, olds.name, olds.databaseId)} no longer exists, so its user cannot be ` +
          `recreated; ${RUN_UP_AGAIN}: it refreshes first, then creates it again`,
      );
    }
    // Stable across updates: the app's .env already holds this password. A half-created state may lack one.
    const password =
      typeof olds.password === "string" && olds.password !== "" ? olds.password : generateDatabasePassword();
    return { outs: await attachUser(forge, { ...outs, password }) };
  },

  async delete(_id, props) {
    assertOwnable(props, "drop");
    const forge = forgeClientFromStackConfig();
    // The user first: it holds the grant, and the schema holds the data, which goes last.
    await dropUser(forge, props.serverId, props.userName, typeof props.userId === "number" ? props.userId : null);
    await dropSchema(forge, props.serverId, props.name, props.databaseId);
  },
};

/**
 * The PR's database schema and its user. Inputs come from stacks/naming.ts through the PreviewEnvironment component;
 * `password` is secret, `host`/`port` are what the app on the Forge server connects to.
 */
export class ForgeDatabase extends dynamicResourceClass<ForgeDatabaseInputs, ForgeDatabaseOutputs>({
  implementation: "providers/forge-database",
  type: ["forge", "Database"],
  createdOutputs: { databaseId: true, userId: true, password: true, host: true, port: true },
  secretOutputs: ["password"],
}) {}
