import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type Exchange, RecordingForgeClient } from "../../../cli/probe/recorder";
import { Probe, type ProbeResult } from "../../../cli/probe/run";
import { SlidingWindowRateLimiter } from "../../../providers/forge";

// Forge's side of the wire (the one function that does HTTP), answered from the checked-in run; everything above it
// is the real client and probe.
jest.mock("../../../providers/forge/http", () => ({ sendHttp: jest.fn() }));
const { sendHttp } = jest.requireMock<{ sendHttp: jest.Mock }>("../../../providers/forge/http");

const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "forge-probe", "hostile");
const exchanges = JSON.parse(readFileSync(path.join(FIXTURES, "exchanges.json"), "utf8")) as Exchange[];
const report = JSON.parse(readFileSync(path.join(FIXTURES, "report.json"), "utf8")) as ProbeResult;

/** Each request gets the next recorded answer; what was asked is kept to compare with what was recorded. */
function replay(): string[] {
  const asked: string[] = [];
  sendHttp.mockImplementation(async (request: { method: string; url: string }) => {
    const recorded = exchanges[asked.length];
    asked.push(`${request.method} ${new URL(request.url).pathname.replace(/^\/api/, "")}`);
    if (recorded === undefined) return { kind: "transport", code: "ECONNREFUSED", message: "no more", timedOut: false };
    const empty = recorded.body === null || recorded.body === undefined;
    return {
      kind: "response",
      status: recorded.status ?? (empty ? 202 : 200),
      headers: {},
      bodyText: empty ? "" : JSON.stringify(recorded.body),
    };
  });
  return asked;
}

describe("the probe replayed from its checked-in fixtures", () => {
  it("asks the same calls in the same order and reaches the recorded observations", async () => {
    const asked = replay();
    const client = new RecordingForgeClient({
      token: "replay-token",
      baseUrl: "http://forge.invalid/api",
      org: "acme",
      retry: { attempts: 1 },
      sleep: async () => undefined,
      limiter: new SlidingWindowRateLimiter({ limit: 10_000 }),
    });
    const probe = new Probe(client, {
      serverId: 77,
      domain: "preview.acme.test",
      phpVersion: "php84",
      runId: "f1x7u4e5",
      pollMs: 1,
    });
    const result = await probe.run();
    expect(asked).toEqual(exchanges.map((e) => `${e.method} ${e.path}`));
    expect(result.failure).toBeNull();
    expect(result.observations).toEqual(report.observations);
    expect(result.removed).toEqual(report.removed);
  });
});
