import { execFileSync } from "node:child_process";
import fc from "fast-check";
import {
  type WorkerSettings,
  buildWorkerArgv,
  buildWorkerCommand,
  phpBinary,
  quoteArgument,
  validateWorkerSettings,
  workerNameOf,
} from "../../../../providers/forge-worker/rules";
import { UNKNOWN_SENTINEL } from "../../../../providers/runtime";
import { UserError } from "../../../../providers/common/user-error";

const SETTINGS: WorkerSettings = {
  serverId: 1,
  siteId: 12,
  name: "forge-previews-pr-12-worker",
  isolatedUser: "shop-pr12",
  directory: "/home/shop-pr12/pr-12.preview.test/current",
  phpVersion: "php84",
  connection: "redis",
  queues: "high,default",
  processes: 1,
  tries: 3,
  timeoutSeconds: 60,
  sleepSeconds: 3,
};

/** Splits a Supervisor `command=` value the way Supervisor does: `%` expansion, then Python's shlex in POSIX mode. */
function splitLikeSupervisor(commands: string[]): string[][] {
  const script = "import json,shlex,sys\nprint(json.dumps([shlex.split(c % {}) for c in json.load(sys.stdin)]))";
  return JSON.parse(execFileSync("python3", ["-c", script], { input: JSON.stringify(commands), encoding: "utf8" }));
}

describe("worker settings validation", () => {
  it("accepts a complete, well-formed set of settings", () => {
    expect(validateWorkerSettings({ ...SETTINGS })).toStrictEqual([]);
  });

  it.each<[keyof WorkerSettings, unknown]>([
    ["name", "worker; rm -rf /"],
    ["name", "Worker"],
    ["name", "w".repeat(101)],
    ["isolatedUser", "root"],
    ["isolatedUser", "Shop"],
    ["isolatedUser", "shop pr12"],
    ["isolatedUser", "$(id)"],
    ["isolatedUser", "a".repeat(33)],
    ["directory", "relative/current"],
    ["directory", "/home/shop-pr12/site dir"],
    ["directory", "/home/shop-pr12/../root"],
    ["directory", "/home/shop-pr12/./x"],
    ["directory", "/home/shop-pr12/%(ENV_HOME)s"],
    ["directory", "/home/shop-pr12/x\n[program:evil]"],
    ["directory", "/home/other-user/pr-12.preview.test"],
    ["directory", "/home/shop-pr12/"],
    ["phpVersion", "php8.4"],
    ["phpVersion", "php56-old"],
    ["phpVersion", "php84; id"],
    ["connection", "redis --force"],
    ["connection", "redis\ncommand=evil"],
    ["connection", ""],
    ["queues", "high default"],
    ["queues", "a'b"],
    ["queues", "a%b"],
    ["processes", 0],
    ["processes", 11],
    ["processes", 1.5],
    ["processes", "2"],
    ["tries", 0],
    ["tries", 101],
    ["timeoutSeconds", 0],
    ["timeoutSeconds", 3601],
    ["sleepSeconds", -1],
    ["sleepSeconds", 61],
    ["serverId", 0],
    ["siteId", "12"],
  ])("refuses %s = %j with a failure naming the field", (field, value) => {
    const failures = validateWorkerSettings({ ...SETTINGS, [field]: value });

    expect(failures).toStrictEqual([{ property: field, reason: expect.stringContaining(`\`${field}\``) }]);
  });

  it("skips fields that are still unknown during preview, including the home-directory cross-check", () => {
    expect(
      validateWorkerSettings({ ...SETTINGS, isolatedUser: UNKNOWN_SENTINEL, tries: UNKNOWN_SENTINEL }),
    ).toStrictEqual([]);
  });

  it("reports every missing field at once", () => {
    expect(validateWorkerSettings({}).map((failure) => failure.property)).toStrictEqual([
      "serverId",
      "siteId",
      "name",
      "isolatedUser",
      "directory",
      "phpVersion",
      "connection",
      "queues",
      "processes",
      "tries",
      "timeoutSeconds",
      "sleepSeconds",
    ]);
  });
});

describe("php binary", () => {
  it.each([
    ["php84", "/usr/bin/php8.4"],
    ["php85", "/usr/bin/php8.5"],
    ["php74", "/usr/bin/php7.4"],
    ["php56", "/usr/bin/php5.6"],
  ])("runs %s as %s", (version, binary) => {
    expect(phpBinary(version)).toBe(binary);
  });

  it("refuses a version Forge does not name per-version", () => {
    expect(() => phpBinary("php5")).toThrow(UserError);
  });
});

describe("quoting one argument for Supervisor", () => {
  it.each([
    ["--queue=high,default", "--queue=high,default"],
    ["/home/shop-pr12/current/artisan", "/home/shop-pr12/current/artisan"],
    ["two words", "'two words'"],
    ["it's", "'it'\\''s'"],
    ["100%", "'100%%'"],
    ["$(id)", "'$(id)'"],
    ["", "''"],
  ])("renders %j as %s", (word, rendered) => {
    expect(quoteArgument(word)).toBe(rendered);
  });

  it.each(["line\nbreak", "carriage\rreturn", "nul\u0000byte", "tab\tstop"])(
    "refuses %j: a control character cannot travel through Supervisor's INI line",
    (word) => {
      expect(() => quoteArgument(word)).toThrow(UserError);
    },
  );

  it("hands any printable argument to Supervisor's parser unchanged", () => {
    const printable = (word: string): boolean =>
      [...word].every((char) => char.charCodeAt(0) > 0x1f && char !== "\u007f");
    const words = fc.sample(fc.string({ unit: "grapheme", minLength: 0, maxLength: 24 }).filter(printable), 300);
    words.push("'", "''", "%", "%%", "%(ENV_HOME)s", "\\", "\\'", '"', "a b'c\"d%e\\f", "--name=x y");

    const parsed = splitLikeSupervisor(words.map(quoteArgument));

    expect(parsed).toStrictEqual(words.map((word) => [word]));
  });
});

describe("worker command", () => {
  it("drops to the site user with setpriv and runs the per-version PHP on the site's artisan", () => {
    expect(buildWorkerCommand(SETTINGS)).toBe(
      "/usr/bin/setpriv --reuid=shop-pr12 --regid=shop-pr12 --init-groups --reset-env -- " +
        "/usr/bin/php8.4 /home/shop-pr12/pr-12.preview.test/current/artisan queue:work redis " +
        "--name=forge-previews-pr-12-worker --queue=high,default --tries=3 --timeout=60 --sleep=3",
    );
  });

  it("is split by Supervisor into exactly the intended arguments", () => {
    expect(splitLikeSupervisor([buildWorkerCommand(SETTINGS)])).toStrictEqual([buildWorkerArgv(SETTINGS)]);
  });

  it("joins a directory given with a trailing slash without doubling it", () => {
    const argv = buildWorkerArgv({ ...SETTINGS, directory: "/home/shop-pr12/site/" });

    expect(argv).toContain("/home/shop-pr12/site/artisan");
  });

  it("refuses hostile settings instead of quoting them into the command", () => {
    expect(() => buildWorkerCommand({ ...SETTINGS, queues: "default --env=production" })).toThrow(
      /Invalid worker settings: `queues` must be/,
    );
    expect(() => buildWorkerCommand({ ...SETTINGS, isolatedUser: "root", directory: "/root/app" })).toThrow(UserError);
  });

  it("carries the worker name, so a process can be matched to its worker", () => {
    expect(workerNameOf(buildWorkerCommand(SETTINGS))).toBe("forge-previews-pr-12-worker");
    expect(workerNameOf("php artisan queue:work redis --sleep=3")).toBeNull();
    expect(workerNameOf("php artisan queue:work --name=forge-previews-pr-1-worker")).toBe("forge-previews-pr-1-worker");
  });
});
