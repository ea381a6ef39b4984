import { resolveStackTarget } from "../../../stacks/stack-target";

const APPS = {
  customer: { name: "customer" },
  epos: { name: "epos" },
} as unknown as Parameters<typeof resolveStackTarget>[1]["apps"];
const BASE = { apps: APPS, previewDomain: "staging.example.com", snapshotsStack: "snapshots" };

describe("resolveStackTarget", () => {
  it("maps pr-<n> to the default app", () => {
    const target = resolveStackTarget("pr-42", { ...BASE, defaultApp: "customer" });
    expect(target).toMatchObject({
      kind: "preview",
      names: { app: "customer", pr: 42, domain: "pr-42.staging.example.com" },
    });
  });

  it("maps <app>-pr-<n> to that app", () => {
    const target = resolveStackTarget("epos-pr-42", { ...BASE, defaultApp: "customer" });
    expect(target).toMatchObject({
      kind: "preview",
      names: { app: "epos", stack: "epos-pr-42", database: "epos_pr_42" },
    });
  });

  it("recognises the snapshots stack", () => {
    expect(resolveStackTarget("snapshots", { ...BASE, defaultApp: null })).toStrictEqual({ kind: "snapshots" });
  });

  it("refuses pr-<n> when several apps are configured and none is the default", () => {
    expect(() => resolveStackTarget("pr-42", { ...BASE, defaultApp: null })).toThrow(
      "Use `<app>-pr-42` (one of: customer, epos) or set `defaultApp`.",
    );
  });

  it("refuses an app that is not configured", () => {
    expect(() => resolveStackTarget("shop-pr-1", { ...BASE, defaultApp: null })).toThrow(
      "names app `shop`, which is not configured. Configured apps: customer, epos.",
    );
  });

  it("refuses a second name for the default app's environment", () => {
    expect(() => resolveStackTarget("customer-pr-1", { ...BASE, defaultApp: "customer" })).toThrow(
      "its preview stack is `pr-1`, not customer-pr-1",
    );
  });

  it("refuses other stack names with the valid forms", () => {
    expect(() => resolveStackTarget("dev", { ...BASE, defaultApp: "customer" })).toThrow("Valid forms:");
  });
});
