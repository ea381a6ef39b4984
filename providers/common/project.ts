/**
 * The Pulumi project name (Pulumi.yaml's `name:`): bare config keys resolve against it, as `new pulumi.Config().get(key)`
 * does, and the CLI, the stacks and the sandbox all name the project by it.
 */
export const PROJECT_NAME = "forge-previews";

/** What a copy of the project needs to run the program: linked, not copied, so it runs the working tree. */
export const PROJECT_ENTRIES = [
  "Pulumi.yaml",
  "index.ts",
  "package.json",
  "tsconfig.json",
  "providers",
  "stacks",
  "node_modules",
] as const;
