/**
 * The rules that keep a clone from ever destroying data. All of them run before the first write; each refusal names
 * the database concerned and what to do.
 */
import { CloneRefusedError } from "./errors";
import { type SchemaInventory, describeContents, isEmptySchema } from "./inventory";
import { type CloneMark, MARK_TABLE } from "./mark";
import { PLAIN_NAME, SYSTEM_SCHEMAS } from "./sql";

export interface NameRules {
  source: string;
  target: string;
  protectedDatabases: readonly string[];
  isAllowedTarget(name: string): boolean;
  targetRule: string;
}

/** Problems visible from the names alone (no server needed); empty when the pair may be cloned. */
export function findNameProblems(rules: NameRules): string[] {
  const { source, target } = rules;
  const problems: string[] = [];
  if (!PLAIN_NAME.test(source)) {
    problems.push(`source database ${JSON.stringify(source)} must be 1-64 letters, digits or underscores`);
  } else if (SYSTEM_SCHEMAS.includes(source.toLowerCase())) {
    problems.push(`source database \`${source}\` is a system schema of the server; name the master database to clone`);
  }
  if (!PLAIN_NAME.test(target)) {
    problems.push(`target database ${JSON.stringify(target)} must be 1-64 letters, digits or underscores`);
    return problems;
  }
  if (SYSTEM_SCHEMAS.includes(target.toLowerCase())) {
    problems.push(`target database \`${target}\` is a system schema of the server and is never written`);
  }
  if (!rules.isAllowedTarget(target)) {
    problems.push(`target database \`${target}\` is not ${rules.targetRule}, so it is never written`);
  }
  // MySQL on case-insensitive file systems (lower_case_table_names) treats Shop and shop as one database.
  if (rules.protectedDatabases.some((name) => name.toLowerCase() === target.toLowerCase())) {
    problems.push(
      `target database \`${target}\` is listed in \`protectedDatabases\` (production or a snapshot master) and is never written`,
    );
  }
  if (source.toLowerCase() === target.toLowerCase()) {
    problems.push(`target database \`${target}\` is the source itself`);
  }
  return problems;
}

export function assertNamesAllowed(rules: NameRules): void {
  const problems = findNameProblems(rules);
  if (problems.length > 0) {
    throw new CloneRefusedError(
      `Refusing to clone \`${rules.source}\` into \`${rules.target}\`: ${problems.join("; ")}.`,
    );
  }
}

/** What the target holds, as far as the clone is concerned. */
export type TargetState = { kind: "missing" } | { kind: "empty" } | { kind: "ours"; mark: CloneMark | null };

/**
 * Checks the server side: the source exists; the target exists (or may be created) and is either empty or marked
 * as `owner`'s clone. Everything it needs was read before; it writes nothing.
 */
export function assertServerStateAllowed(input: {
  source: string;
  target: string;
  owner: string;
  createTarget: boolean;
  sourceInventory: SchemaInventory | null;
  targetInventory: SchemaInventory | null;
  targetMark: CloneMark | null;
}): TargetState {
  const { source, target, owner, targetInventory, targetMark } = input;
  if (input.sourceInventory === null) {
    throw new CloneRefusedError(
      `Refusing to clone into \`${target}\`: source database \`${source}\` does not exist on the server; ` +
        "create the master (the snapshots stack does) or fix the app's `masterDatabase`.",
    );
  }
  if (targetInventory === null) {
    if (input.createTarget) return { kind: "missing" };
    throw new CloneRefusedError(
      `Refusing to clone \`${source}\`: target database \`${target}\` does not exist; create it first ` +
        "(a preview's ForgeDatabase does: pass its `name` output as `target`).",
    );
  }
  if (targetInventory.hasMark) {
    if (targetMark !== null && targetMark.owner === owner) return { kind: "ours", mark: targetMark };
    const markedBy = targetMark === null ? "an empty clone mark" : `the clone mark of \`${targetMark.owner}\``;
    throw new CloneRefusedError(
      `Refusing to clone \`${source}\` into \`${target}\`: it carries ${markedBy}, not this stack's (\`${owner}\`), ` +
        `so its data belongs to someone else; drop that database (or its table \`${MARK_TABLE}\` and everything else) if it may go.`,
    );
  }
  if (isEmptySchema(targetInventory)) return { kind: "empty" };
  throw new CloneRefusedError(
    `Refusing to clone \`${source}\` into \`${target}\`: it holds ${describeContents(targetInventory)} and no clone mark of this stack ` +
      `(\`${owner}\`), so that data was not put there by a clone and could be someone's work; empty the database ` +
      "(drop its tables, views and routines) to allow a fresh clone.",
  );
}

/** Privileges without which information_schema and mysqldump silently hide objects of the source. */
const SEES_EVERYTHING = ["SELECT", "SHOW VIEW", "TRIGGER", "EVENT"] as const;

/**
 * Refuses an account that cannot see every object of `source`: triggers are invisible without TRIGGER, events without
 * EVENT, view definitions without SHOW VIEW, so a clone would miss them and verification could not tell.
 */
export function assertAccountSeesSource(account: string, source: string, privileges: ReadonlySet<string>): void {
  const missing = SEES_EVERYTHING.filter((privilege) => !privileges.has(privilege));
  if (missing.length === 0) return;
  throw new CloneRefusedError(
    `Refusing to clone \`${source}\`: the MySQL account ${account} lacks ${missing.join(", ")} on it, so some of its objects ` +
      "(triggers, events, views) would be invisible to the copy and to its verification; use an account with every " +
      "privilege (Forge's `forge` user) in `mysqlUser`, or grant those on the source.",
  );
}
