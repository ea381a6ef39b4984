import { readiness, type ResourceSpan } from "../../../bench/engine-timeline";

const span = (name: string, start: number, end: number): ResourceSpan => ({
  urn: `urn:pulumi:pr-1::forge-previews::${name}::pr-1-${name.toLowerCase()}`,
  type: `pulumi-nodejs:dynamic/forge:${name}`,
  op: "create",
  start,
  end,
});

describe("the bench's time to ready", () => {
  it("runs from the site's start to the health check's end, against the three steps' own durations", () => {
    const spans = [
      span("Preflight", 0, 5),
      span("Site", 5, 55),
      span("Worker", 60, 120),
      span("Deployment", 70, 170),
      span("HealthCheck", 170, 180),
    ];

    expect(readiness(spans)).toStrictEqual({ readyMs: 175, idealMs: 50 + 100 + 10 });
  });

  it("has nothing to say without a health check span", () => {
    expect(readiness([span("Site", 0, 1), span("Deployment", 1, 2)])).toBeNull();
  });
});
