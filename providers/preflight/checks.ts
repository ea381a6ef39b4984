/**
 * The preflight checks: everything a preview needs that can be checked without creating anything (issue #13). Each
 * one only reads: Forge GETs, an SSH login that verifies the pinned host key, MySQL queries (through a 0600 option
 * file in a temporary directory that is removed again), and Redis reads. Every failed check is collected, so one run
 * names every problem with its fix.
 */
import { SudoPasswordRefusedError, withCloneSession, readMark } from "../db-clone";
import { ForgeApiError, ForgeAuthError, ForgeNotFoundError } from "../forge";
import {
  listClaims,
  withRedisOverSsh,
  RedisSlotsExhaustedError,
  type BlockedSlot,
  describeClaim,
  type RespClient,
} from "../redis";
import { forgeClientFromStackConfig, mysqlAccessFromStackConfig, readStackConfig } from "../runtime";
import { SshHostKeyMismatchError, type SshTarget, sshTargetFromStackConfig, withSsh } from "../ssh";
import { redactText } from "../common/redact";
import { UserError } from "../common/user-error";
import {
  type PreflightInputs,
  type PreflightProblem,
  STALE_MASTER_HOURS,
  ageInHours,
  formatAge,
  formatPreflightFailure,
} from "./rules";

export interface PreflightFindings {
  serverName: string;
  masterSealedAt: string | null;
  masterDataAsOf: string | null;
  redisSlot: number;
  /** One line per passed check, for the log. */
  notes: string[];
  /** Passed, but worth a warning (a stale master). */
  warnings: string[];
}

/** Privileges without which the clone cannot see every object of the master (see db-clone's guards). */
const SEES_MASTER = ["SELECT", "SHOW VIEW", "TRIGGER", "EVENT"] as const;
/** Privileges the clone uses on the preview's database: create tables, fill, empty and re-import them. */
const WRITES_TARGET = ["SELECT", "INSERT", "CREATE", "DROP", "ALTER", "INDEX"] as const;
const GRANTEE =
  "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

class Findings {
  readonly problems: PreflightProblem[] = [];
  readonly notes: string[] = [];
  readonly warnings: string[] = [];

  fail(check: string, problem: string, fix: string): null {
    this.problems.push({ check, problem, fix });
    return null;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function checkForge(inputs: PreflightInputs, findings: Findings): Promise<string | null> {
  const client = forgeClientFromStackConfig();
  const explain = (error: unknown, what: string, notFoundFix: string): null => {
    if (error instanceof ForgeAuthError) {
      return error.status === 401
        ? findings.fail(
            "forge token",
            "Forge rejected the token (401: wrong, expired or revoked)",
            "create a token in Forge (Account → API) and set it with `pulumi config set --secret forgeToken`",
          )
        : findings.fail(
            "forge token",
            `the token may not read ${what} (403; needs ${error.requiredScopes.join(", ")})`,
            "give the token those scopes, or create one that has them",
          );
    }
    if (error instanceof ForgeNotFoundError)
      return findings.fail("forge", `Forge knows no ${what} for this token (404)`, notFoundFix);
    if (error instanceof ForgeApiError)
      return findings.fail("forge", error.message, "see Forge's status page, then run `up` again");
    return findings.fail("forge", messageOf(error), "check `forgeApiUrl` and the network");
  };
  try {
    const org = await client.organizations.get(inputs.forgeOrg);
    findings.notes.push(`forge token: reads organization "${org.name}" (${org.slug})`);
  } catch (error) {
    return explain(error, `organization \`${inputs.forgeOrg}\``, "set `forgeOrg` to a slug that `GET /api/orgs` lists");
  }
  try {
    const server = await client.servers.get(inputs.serverId);
    if (server.revoked)
      return findings.fail(
        "forge server",
        `server ${server.id} (${server.name}) has revoked Forge's access`,
        "reconnect the server in Forge",
      );
    if (!server.isReady)
      return findings.fail(
        "forge server",
        `server ${server.id} (${server.name}) is not ready`,
        "wait until Forge finishes provisioning it",
      );
    findings.notes.push(`forge server: ${server.id} (${server.name}) is ready`);
    return server.name;
  } catch (error) {
    return explain(error, `server ${inputs.serverId}`, "set `forgeServerId` to the id Forge shows for the server");
  }
}

interface MasterFacts {
  sealedAt: string | null;
  dataAsOf: string | null;
}

/** Logs in (which verifies the host key), then asks MySQL about the master, the account's privileges and the seal. */
async function checkDatabase(
  inputs: PreflightInputs,
  target: SshTarget,
  findings: Findings,
  now: Date,
): Promise<MasterFacts | null | "no-ssh"> {
  const master = inputs.masterDatabase;
  const access = mysqlAccessFromStackConfig();
  try {
    return await withSsh(target, (session) =>
      withCloneSession(
        session,
        { access, workDirFor: master, grantsFor: master, schemas: [master] },
        async ({ mysql, facts, inventories }) => {
          findings.notes.push(
            `ssh: ${target.user}@${target.host}:${target.port}, host key ${target.hostKeyFingerprint} verified`,
          );
          const inventory = inventories.get(master) ?? null;
          if (inventory === null) {
            return findings.fail(
              "master database",
              `\`${master}\` does not exist on the server (or MySQL account ${facts.account} cannot see it)`,
              "run the snapshots stack (`pulumi up -s snapshots`) to create it, or set `apps.<app>.masterDatabase` to an existing database",
            );
          }
          const hidden = SEES_MASTER.filter((privilege) => !facts.sourcePrivileges.has(privilege));
          if (hidden.length > 0) {
            findings.fail(
              "mysql privileges",
              `MySQL account ${facts.account} lacks ${hidden.join(", ")} on \`${master}\`, so a clone would miss its triggers, events or views`,
              "use an account with every privilege (Forge's `forge` user) in `mysqlUser`, or grant those on the master",
            );
          }
          // The preview's database does not exist yet: the privileges that will cover it are the global ones and those
          // granted on a pattern its name matches. Its name is a plain identifier (checked), so it is quoted as is.
          const rows = await mysql.query(
            `SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ${GRANTEE} UNION ` +
              `SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ${GRANTEE} AND '${inputs.targetDatabase}' LIKE TABLE_SCHEMA;`,
            { step: `Reading the privileges of ${facts.account} on \`${inputs.targetDatabase}\`` },
          );
          const onTarget = new Set(rows.map((row) => row[0] ?? ""));
          const cannotWrite = WRITES_TARGET.filter((privilege) => !onTarget.has(privilege));
          if (cannotWrite.length > 0) {
            findings.fail(
              "mysql privileges",
              `MySQL account ${facts.account} lacks ${cannotWrite.join(", ")} on \`${inputs.targetDatabase}\`, which the clone writes into`,
              "use an account with every privilege (Forge's `forge` user) in `mysqlUser`",
            );
          }
          const mark = inventory.hasMark ? await readMark(mysql, inventory) : null;
          const sealedAt = mark?.seal?.sealedAt ?? null;
          const dataAsOf = mark?.dataAsOf ?? null;
          const taken = dataAsOf ?? sealedAt;
          const age = taken === null ? "of unknown age" : `taken ${formatAge(taken, now)} ago (${taken})`;
          findings.notes.push(
            `master database: \`${master}\` (${inventory.tables.length} tables) ${sealedAt === null ? "is not sealed" : `is sealed (${sealedAt})`}, ${age}; ` +
              `MySQL account ${facts.account}`,
          );
          if (taken !== null && ageInHours(taken, now) > STALE_MASTER_HOURS) {
            findings.warnings.push(
              `master database \`${master}\` was taken ${formatAge(taken, now)} ago; the snapshots stack refreshes it weekly (\`pulumi up -s snapshots\`)`,
            );
          }
          return { sealedAt, dataAsOf };
        },
      ),
    );
  } catch (error) {
    if (error instanceof SshHostKeyMismatchError) {
      findings.fail(
        "ssh host key",
        error.message,
        "compare `sshHostKeyFingerprint` with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server",
      );
      return "no-ssh";
    }
    if (error instanceof SudoPasswordRefusedError) {
      findings.fail("sudo", error.message, "set `sudoPassword` to sshUser's sudo password, or remove it");
      return null;
    }
    if (error instanceof UserError || /^Ssh/.test((error as Error)?.name ?? "")) {
      findings.fail(
        "ssh",
        messageOf(error),
        "check sshHost, sshPort and sshUser, and that the public half of sshPrivateKey is in the user's ~/.ssh/authorized_keys",
      );
      return "no-ssh";
    }
    return findings.fail("mysql", messageOf(error), "check `mysqlUser`, `mysqlPassword` and `mysqlSocket`");
  }
}

/** The Redis database this stack holds, or the lowest free one in range; reads only (SELECT and DBSIZE). */
async function findSlot(client: RespClient, inputs: PreflightInputs, findings: Findings): Promise<number | null> {
  const claims = await listClaims(client);
  for (const [slot, claim] of claims) {
    if (claim?.stack !== inputs.stack) continue;
    if (slot < inputs.firstSlot || slot > inputs.lastSlot) {
      return findings.fail(
        "redis",
        `database ${slot} is already held by ${describeClaim(claim)}, outside redisSlotRange ${inputs.firstSlot}-${inputs.lastSlot}`,
        "destroy this preview first, or widen `redisSlotRange` to include it",
      );
    }
    findings.notes.push(`redis: this stack already holds database ${slot}`);
    return slot;
  }
  const blocked: BlockedSlot[] = [];
  for (let slot = inputs.firstSlot; slot <= inputs.lastSlot; slot++) {
    if (claims.has(slot)) {
      blocked.push({ slot, kind: "claimed", claim: claims.get(slot) ?? null });
      continue;
    }
    try {
      await client.command(["SELECT", slot]);
    } catch (error) {
      return findings.fail(
        "redis",
        `database ${slot} cannot be selected (${messageOf(error)})`,
        "lower `redisSlotRange`'s last index or raise `databases` in redis.conf",
      );
    }
    const keys = Number(await client.command(["DBSIZE"]));
    if (keys === 0) {
      findings.notes.push(`redis: database ${slot} is free in ${inputs.firstSlot}-${inputs.lastSlot}`);
      return slot;
    }
    blocked.push({ slot, kind: "not-empty", keys });
  }
  return findings.fail(
    "redis",
    new RedisSlotsExhaustedError(inputs.firstSlot, inputs.lastSlot, inputs.stack, blocked).message,
    "free a database as said above",
  );
}

async function checkRedis(inputs: PreflightInputs, target: SshTarget, findings: Findings): Promise<number | null> {
  const password = readStackConfig("redisPassword");
  try {
    return await withRedisOverSsh(
      target,
      { host: "127.0.0.1", port: inputs.redisPort, ...(password ? { password } : {}) },
      (client) => findSlot(client, inputs, findings),
    );
  } catch (error) {
    return findings.fail(
      "redis",
      messageOf(error),
      "check `redisPort` and `redisPassword` (requirepass in redis.conf)",
    );
  }
}

/** Stack-config secrets, so that no message this module builds can carry one. */
function knownSecrets(): string[] {
  return ["forgeToken", "sshPrivateKey", "mysqlPassword", "sudoPassword", "redisPassword", "basicAuthPassword"].flatMap(
    (key) => {
      const value = readStackConfig(key);
      return value === undefined || value === "" ? [] : [value];
    },
  );
}

/** Runs every check; throws one UserError naming each failed check and its fix, or returns what was found. */
export async function runPreflight(inputs: PreflightInputs, now: Date = new Date()): Promise<PreflightFindings> {
  const findings = new Findings();
  let target: SshTarget | null = null;
  try {
    target = sshTargetFromStackConfig();
  } catch (error) {
    findings.fail("ssh", messageOf(error), "set the SSH keys named above");
  }
  const sshChecks = async (): Promise<{ master: MasterFacts | null; slot: number | null }> => {
    if (target === null) return { master: null, slot: null };
    const master = await checkDatabase(inputs, target, findings, now);
    // A failed login fails every other SSH check the same way: say it once.
    if (master === "no-ssh") return { master: null, slot: null };
    return { master, slot: await checkRedis(inputs, target, findings) };
  };
  const [serverName, { master, slot }] = await Promise.all([checkForge(inputs, findings), sshChecks()]);
  if (findings.problems.length > 0 || serverName === null || master === null || slot === null) {
    const secrets = knownSecrets();
    throw new UserError(redactText(formatPreflightFailure(inputs.stack, findings.problems), secrets));
  }
  return {
    serverName,
    masterSealedAt: master.sealedAt,
    masterDataAsOf: master.dataAsOf,
    redisSlot: slot,
    notes: findings.notes,
    warnings: findings.warnings,
  };
}
