import type { MethodPlan } from "./choose-method";
import type { SchemaInventory } from "./inventory";
import type { MasterSeal } from "./mark";
import type { RemoteMysql } from "./remote-mysql";
import type { RemoteStep } from "./remote-steps";
import type { ServerFacts } from "./server-facts";
import type { VerifyLevel } from "./types";
import type { PriorMeasures } from "./verify";

/** What a copy method gets: the source as inventoried, the (empty) target, and where it may keep files. */
export interface MethodContext {
  mysql: RemoteMysql;
  facts: ServerFacts;
  source: SchemaInventory;
  target: string;
  plan: MethodPlan;
  workDir: string;
  parallelism: number;
  /** How the clone will be verified; a method may measure the source for it while it has other work running. */
  verify: VerifyLevel;
  /** The source's seal (see seal.ts), when it is a sealed master. */
  seal: MasterSeal | null;
  /** The caller's first writes (create or empty the target, set the clone mark); run ahead of the method's first step, in its round trip. */
  prepare: readonly RemoteStep[];
  /** Runs the caller's `afterCopy` hook; each method calls it once its rows are in the target. */
  afterCopy(): Promise<void>;
  log(message: string): void;
}

/** What a method measured on its way, for verification; `sealedAt` when the source's side came from its seal. */
export interface MethodMeasures extends PriorMeasures {
  sealedAt: string | null;
}
