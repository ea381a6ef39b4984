// Progress lines and the report built from `pulumi up --json` output recorded from a real run of the project
// (a failed up of pr-2 against a server id Forge does not know), fed through a clock the test advances.
import { EngineProgress, cleanDiagnostic, formatDuration } from "../../../cli/progress";
import { parseEngineEvent, resourceNameOf, shortTypeOf } from "../../../cli/pulumi/engine-events";

const URN = "urn:pulumi:pr-2::forge-previews::forge:index:PreviewEnvironment$pulumi-nodejs:dynamic/forge";

/** Recorded lines (resource metadata trimmed to op, urn and type), each with the clock reading when it arrived. */
const RECORDED_FAILED_UP: Array<[number, string]> = [
  [
    0,
    `{"sequence":2,"timestamp":1795806410,"resourcePreEvent":{"metadata":{"op":"create","urn":"urn:pulumi:pr-2::forge-previews::pulumi:pulumi:Stack::forge-previews-pr-2","type":"pulumi:pulumi:Stack"}}}`,
  ],
  [
    31_000,
    `{"sequence":7,"timestamp":1795806441,"resourcePreEvent":{"metadata":{"op":"create","urn":"urn:pulumi:pr-2::forge-previews::forge:index:PreviewEnvironment::pr-2","type":"forge:index:PreviewEnvironment"}}}`,
  ],
  [
    37_000,
    `{"sequence":97,"timestamp":1795806447,"resourcePreEvent":{"metadata":{"op":"create","urn":"${URN}:RedisDbSlot::pr-2-redis","type":"pulumi-nodejs:dynamic/forge:RedisDbSlot"}}}`,
  ],
  [
    40_000,
    `{"sequence":98,"timestamp":1795806450,"resourcePreEvent":{"metadata":{"op":"create","urn":"${URN}:Site::pr-2-site","type":"pulumi-nodejs:dynamic/forge:Site"}}}`,
  ],
  [
    40_500,
    `{"sequence":99,"timestamp":1795806451,"resourcePreEvent":{"metadata":{"op":"create","urn":"${URN}:Database::pr-2-database","type":"pulumi-nodejs:dynamic/forge:Database"}}}`,
  ],
  [
    40_600,
    `{"sequence":100,"timestamp":1795806451,"diagnosticEvent":{"message":"info: [runtime] forge-site: creating site pr-2.sandbox.test on server 99\\n\\n","color":"never","severity":"info"}}`,
  ],
  [
    41_000,
    `{"sequence":100,"timestamp":1795806451,"diagnosticEvent":{"urn":"${URN}:Site::pr-2-site","prefix":"error: ","message":"\`GET /orgs/sandbox/servers/99/sites\` failed with 404: No query results for server 99\\n","color":"never","severity":"error"}}`,
  ],
  [
    41_000,
    `{"sequence":101,"timestamp":1795806451,"resOpFailedEvent":{"metadata":{"op":"create","urn":"${URN}:Site::pr-2-site","type":"pulumi-nodejs:dynamic/forge:Site"},"status":0,"steps":2}}`,
  ],
  [
    41_100,
    `{"sequence":102,"timestamp":1795806451,"diagnosticEvent":{"urn":"${URN}:Database::pr-2-database","prefix":"error: ","message":"\`GET /orgs/sandbox/servers/99/database/schemas\` failed with 404: No query results for server 99\\n","color":"never","severity":"error"}}`,
  ],
  [
    41_100,
    `{"sequence":103,"timestamp":1795806451,"resOpFailedEvent":{"metadata":{"op":"create","urn":"${URN}:Database::pr-2-database","type":"pulumi-nodejs:dynamic/forge:Database"},"status":0,"steps":2}}`,
  ],
  [
    41_200,
    `{"sequence":104,"timestamp":1795806451,"resOutputsEvent":{"metadata":{"op":"create","urn":"${URN}:RedisDbSlot::pr-2-redis","type":"pulumi-nodejs:dynamic/forge:RedisDbSlot"}}}`,
  ],
  [
    41_200,
    `{"sequence":105,"timestamp":1795806451,"diagnosticEvent":{"prefix":"error: ","message":"update failed\\n","color":"never","severity":"error"}}`,
  ],
  [
    41_300,
    `{"sequence":106,"timestamp":1795806451,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":45,"resourceChanges":{"create":3},"PolicyPacks":{},"isPreview":false,"result":"failed"}}`,
  ],
  [41_300, `{"sequence":108,"timestamp":1795806451,"cancelEvent":{}}`],
];

function replay(
  lines: Array<[number, string]>,
  options: { redact?: (text: string) => string } = {},
): { progress: EngineProgress; printed: string[] } {
  let now = 0;
  const progress = new EngineProgress({ now: () => now, ...options });
  const printed: string[] = [];
  for (const [at, line] of lines) {
    now = at;
    printed.push(...progress.accept(line));
  }
  return { progress, printed };
}

describe("EngineProgress", () => {
  it("prints one line per finished resource step with the time since the start and the step's own duration", () => {
    const { printed } = replay(RECORDED_FAILED_UP);

    expect(printed).toEqual([
      "  40.6s  · forge-site: creating site pr-2.sandbox.test on server 99",
      "  41.0s  error: `GET /orgs/sandbox/servers/99/sites` failed with 404: No query results for server 99",
      "  41.0s  FAILED    create forge:Site pr-2-site (1.0s)",
      "  41.1s  error: `GET /orgs/sandbox/servers/99/database/schemas` failed with 404: No query results for server 99",
      "  41.1s  FAILED    create forge:Database pr-2-database (0.6s)",
      "  41.2s  created   forge:RedisDbSlot pr-2-redis (4.2s)",
    ]);
  });

  it("reports the failed steps, the errors without the engine's closing line, the counts and the result", () => {
    const { progress } = replay(RECORDED_FAILED_UP);

    expect(progress.report()).toEqual({
      changes: { create: 3 },
      result: "failed",
      steps: [{ phase: "create forge:RedisDbSlot pr-2-redis", ms: 4200 }],
      failedSteps: [
        { op: "create", type: "forge:Site", name: "pr-2-site" },
        { op: "create", type: "forge:Database", name: "pr-2-database" },
      ],
      errors: [
        "`GET /orgs/sandbox/servers/99/sites` failed with 404: No query results for server 99",
        "`GET /orgs/sandbox/servers/99/database/schemas` failed with 404: No query results for server 99",
      ],
    });
  });

  it("redacts every message before printing or keeping it", () => {
    const lines: Array<[number, string]> = [
      [1000, `{"diagnosticEvent":{"message":"warning: token tok-SECRET-123 looked odd\\n","severity":"warning"}}`],
      [2000, `{"diagnosticEvent":{"message":"failed with tok-SECRET-123\\n","severity":"error"}}`],
    ];
    const { progress, printed } = replay(lines, { redact: (text) => text.split("tok-SECRET-123").join("[REDACTED]") });

    expect(printed).toEqual([
      "   1.0s  warning: token [REDACTED] looked odd",
      "   2.0s  error: failed with [REDACTED]",
    ]);
    expect(JSON.stringify(progress.report())).not.toContain("tok-SECRET-123");
  });

  it("stays quiet about unchanged resources, the stack itself, debug and ephemeral messages, and non-JSON lines", () => {
    const same = `{"resourcePreEvent":{"metadata":{"op":"same","urn":"${URN}:Site::pr-2-site","type":"pulumi-nodejs:dynamic/forge:Site"}}}`;
    const sameDone = same.replace("resourcePreEvent", "resOutputsEvent");
    const { progress, printed } = replay([
      [0, same],
      [10, sameDone],
      [20, `{"diagnosticEvent":{"message":"Registering resource\\n","severity":"debug"}}`],
      [30, `{"diagnosticEvent":{"message":"spinner\\n","severity":"info","ephemeral":true}}`],
      [40, "Warning: not JSON at all"],
      [
        50,
        `{"resOutputsEvent":{"metadata":{"op":"update","urn":"urn:pulumi:pr-2::forge-previews::pulumi:pulumi:Stack::forge-previews-pr-2","type":"pulumi:pulumi:Stack"}}}`,
      ],
    ]);

    expect(printed).toEqual([]);
    expect(progress.report().steps).toEqual([]);
  });

  it("times the create and the delete of a replacement as separate steps", () => {
    const event = (kind: string, op: string): string =>
      `{"${kind}":{"metadata":{"op":"${op}","urn":"${URN}:Worker::pr-2-worker","type":"pulumi-nodejs:dynamic/forge:Worker"}}}`;
    const { printed } = replay([
      [0, event("resourcePreEvent", "create-replacement")],
      [2000, event("resOutputsEvent", "create-replacement")],
      [2500, event("resourcePreEvent", "delete-replaced")],
      [3000, event("resOutputsEvent", "delete-replaced")],
    ]);

    expect(printed).toEqual([
      "   2.0s  created   forge:Worker pr-2-worker (2.0s)",
      "   3.0s  deleted   forge:Worker pr-2-worker (0.5s)",
    ]);
  });
});

describe("engine event helpers", () => {
  it.each([
    [
      "urn:pulumi:pr-1::forge-previews::forge:index:PreviewEnvironment$pulumi-nodejs:dynamic/forge:Site::pr-1-site",
      "pr-1-site",
    ],
    ["urn:pulumi:pr-1::forge-previews::pulumi:pulumi:Stack::forge-previews-pr-1", "forge-previews-pr-1"],
  ])("takes the resource name from the end of %s", (urn, name) => {
    expect(resourceNameOf(urn)).toBe(name);
  });

  it("shortens dynamic resource types and leaves others alone", () => {
    expect(shortTypeOf("pulumi-nodejs:dynamic/forge:Site")).toBe("forge:Site");
    expect(shortTypeOf("forge:index:PreviewEnvironment")).toBe("forge:index:PreviewEnvironment");
  });

  it("ignores blank lines, text and JSON that is not an object", () => {
    expect(parseEngineEvent("")).toBeNull();
    expect(parseEngineEvent("error: update failed")).toBeNull();
    expect(parseEngineEvent("{not json")).toBeNull();
    expect(parseEngineEvent(`{"cancelEvent":{}}`)).toEqual({ kind: "other" });
  });

  it.each([
    [500, "0.5s"],
    [59_949, "59.9s"],
    [60_000, "1m00s"],
    [125_400, "2m05s"],
  ])("formats %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("strips the severity and [runtime] prefixes from provider messages", () => {
    expect(cleanDiagnostic("info: [runtime] deployment: site 7 finished\n\n")).toBe("deployment: site 7 finished");
  });
});
