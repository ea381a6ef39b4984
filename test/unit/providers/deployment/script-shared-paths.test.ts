import fc from "fast-check";
import { buildDeploymentScript, type DeploymentScriptInputs } from "../../../../providers/deployment/script";

/**
 * The deploy script runs as the site's isolated user on a server other sites share. A path in a world-writable
 * directory may already exist, owned by `forge` or another site's user, and opening it is then refused (mode 0644,
 * `fs.protected_regular`), failing the deployment; so the script the generator writes must use none.
 */
const SHARED_PATH = /(?:^|[\s<>=:;'"(|&])(\/tmp|\/var\/tmp|\/dev\/shm)(?=[/\s'");|&]|$)/m;
/** Commands and variables that pick a path in those directories without naming it. */
const SHARED_PATH_INDIRECT = /\bmktemp\b|\$\{?TMPDIR\b/;

/** The lines the generator wrote itself: the app's own extra lines are the app's business, not the generator's. */
function generatedLines(inputs: DeploymentScriptInputs): string[] {
  const script = buildDeploymentScript(inputs);
  const lines = script.split("\n");
  return inputs.extraScriptLines.length === 0
    ? lines
    : lines.slice(0, lines.length - 1 - inputs.extraScriptLines.length);
}

function sharedPathsIn(lines: string[]): string[] {
  return lines.filter((line) => SHARED_PATH.test(line) || SHARED_PATH_INDIRECT.test(line));
}

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("the generated deploy script and shared temporary directories", () => {
  it("finds the stock Forge lock line a shared path, so the lint can catch what it is for", () => {
    expect(
      sharedPathsIn(["    echo 'Restarting FPM...'; sudo -S service $FORGE_PHP_FPM reload ) 9>/tmp/fpmlock"]),
    ).toHaveLength(1);
    expect(
      sharedPathsIn(["cp .env /var/tmp/x", "ls /dev/shm", "f=$(mktemp)", 'cd "${TMPDIR}"', "x >/tmp"]),
    ).toHaveLength(5);
    expect(sharedPathsIn(["cd /home/pr1/tmpfiles", "echo /tmpx", "php artisan tmp:clean"])).toStrictEqual([]);
  });

  it("uses no path under /tmp, /var/tmp or /dev/shm in any variant the generator can produce", () => {
    const inputs = fc.record({
      siteDirectory: fc.constantFrom("/home/pr7/pr-7.example.dev", "/home/forge/pr-7.example.dev", "/srv/a_b-c.d"),
      branch: fc.constantFrom("main", "feature/login", "feat/$(id)", "it's;done"),
      commitSha: fc.constantFrom(SHA, SHA.repeat(2).slice(0, 64), null),
      phpVersion: fc.constantFrom("php82", "php83", "php84"),
      extraScriptLines: fc.constantFrom([], ["php artisan horizon:terminate"], ["php artisan a", "", "# b"]),
    });
    fc.assert(
      fc.property(inputs, (variant) => {
        expect(sharedPathsIn(generatedLines(variant))).toStrictEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("still locks the PHP-FPM reload, so concurrent deploys on the server do not reload it at once", () => {
    const script = buildDeploymentScript({
      siteDirectory: "/home/pr7/pr-7.example.dev",
      branch: "main",
      commitSha: null,
      phpVersion: "php84",
      extraScriptLines: [],
    });

    expect(script).toMatch(/\( flock -w 10 9 \|\| exit 1\n.*service \$FORGE_PHP_FPM reload \) 9</);
  });
});
