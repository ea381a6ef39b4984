/**
 * The Pulumi project name (Pulumi.yaml's `name:`): bare config keys resolve against it, as `new pulumi.Config().get(key)`
 * does, and the CLI, the stacks and the sandbox all name the project by it.
 */
export const PROJECT_NAME = "forge-previews";
