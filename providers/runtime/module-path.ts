const MODULE_PATH = /^(?:providers|test\/fixtures)(?:\/[a-z0-9][a-z0-9-]*)+$/;

/**
 * Checks the path a shim loads its implementation from. It is resolved against the host's cwd (the Pulumi project
 * root), so it must stay inside the project: no `..`, no absolute path, no extension (so both `.ts` sources and
 * compiled `.js` load), and only under `providers/` or, for tests, `test/fixtures/`.
 */
export function assertProviderModulePath(modulePath: string): void {
  if (!MODULE_PATH.test(modulePath)) {
    throw new Error(
      `Dynamic provider module path \`${modulePath}\` is not allowed: use a project-relative path without extension ` +
        "under `providers/` or `test/fixtures/`, in lower-case kebab-case, e.g. `providers/forge-site`",
    );
  }
}
