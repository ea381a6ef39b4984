import type { MethodPlan } from "./choose-method";
import type { SchemaInventory } from "./inventory";
import type { RemoteMysql } from "./remote-mysql";
import type { ServerFacts } from "./server-facts";

/** What a copy method gets: the source as inventoried, the (empty) target, and where it may keep files. */
export interface MethodContext {
  mysql: RemoteMysql;
  facts: ServerFacts;
  source: SchemaInventory;
  target: string;
  plan: MethodPlan;
  workDir: string;
  parallelism: number;
  /** Runs the caller's `afterCopy` hook; each method calls it once its rows are in the target. */
  afterCopy(): Promise<void>;
  log(message: string): void;
}
