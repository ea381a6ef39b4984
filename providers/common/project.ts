/**
 * The Pulumi project name (Pulumi.yaml's `name:`): bare config keys resolve against it, as `new pulumi.Config().get(key)`
 * does, and the CLI, the stacks and the sandbox all name the project by it.
 */
export const PROJECT_NAME = "forge-previews";

/** The files and folders of the program itself, as a copy of the project links them. */
export const PROGRAM_ENTRIES = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "providers", "stacks"];

/** What a linked copy of the project needs to run the program: the program and its node_modules. */
export const PROJECT_ENTRIES = [...PROGRAM_ENTRIES, "node_modules"];
