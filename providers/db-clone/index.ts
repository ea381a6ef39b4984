/**
 * The clone engine: copies one MySQL/MariaDB database into another on the database server, over a CommandRunner
 * (an SshSession), and proves the copy equal. See README.md for the methods, the guards and MySQL 8 notes.
 */
export { cloneDatabase, planCloneOf } from "./clone";
export { SudoPasswordRefusedError } from "./server-facts";
export { promoteClone, type PromoteOptions, type PromoteResult } from "./promote";
export { sealDatabase, type SealOptions, type SealResult } from "./seal";
export { inspectClone, removeCloneLeftovers, type CloneInspection } from "./maintenance";
export { chooseMethod, transportBlocker, type MethodInputs, type MethodPlan } from "./choose-method";
export { findNameProblems, type NameRules } from "./guards";
export {
  MARK_TABLE,
  hashResetToken,
  readMark,
  startMarkSql,
  type CloneMark,
  type MarkStatus,
  type MasterSeal,
} from "./mark";
export { withCloneSession } from "./session";
export { PLAIN_NAME, SYSTEM_SCHEMAS, parseBatchRows, quoteIdentifier, utcToIso } from "./sql";
export { buildOptionFile } from "./remote-mysql";
export { CloneRefusedError, CloneVerificationError, RemoteCommandError, type VerificationProblem } from "./errors";
export {
  CLONE_METHODS,
  REQUESTED_METHODS,
  type CloneHooks,
  type CloneMethod,
  type CloneOptions,
  type CloneResult,
  type CommandRunner,
  type HookContext,
  type MysqlAccess,
  type RequestedMethod,
  type RunOptions,
  type RunResult,
  type TableResult,
  type VerifyLevel,
} from "./types";
