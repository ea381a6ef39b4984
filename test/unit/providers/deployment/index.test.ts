import * as pulumi from "@pulumi/pulumi";
import { captureRegistration } from "../../../support/capture-provider";

/** The options the SDK sent to the (mock) engine with each registration, by resource name. */
const secretOutputsByName = new Map<string, string[]>();

/**
 * The mock monitor drops `additionalSecretOutputs`, so the test reads it off the RegisterResource request the SDK
 * builds, before the mock sees it.
 */
function recordSecretOutputs(): void {
  const settings: { getMonitor(): unknown } = require("@pulumi/pulumi/runtime/settings");
  const monitor = settings.getMonitor() as {
    registerResource(
      req: { getName(): string; getAdditionalsecretoutputsList(): string[] },
      callback: unknown,
    ): unknown;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    secretOutputsByName.set(req.getName(), req.getAdditionalsecretoutputsList());
    return original(req, callback);
  };
}

const ARGS = {
  serverId: 1,
  siteId: 1003,
  siteDirectory: "/home/forge/pr-7.example.dev",
  branch: "feature/login",
  commitSha: null,
  redeployToken: "",
  phpVersion: "php84",
  extraScriptLines: [],
  redactions: pulumi.secret(["mock-db-SECRET"]),
};

describe("Deployment under mocks", () => {
  it("registers as forge:Deployment with its secret inputs declared secret outputs and kept out of the provider", async () => {
    const registration = await captureRegistration(async () => {
      recordSecretOutputs();
      const { Deployment } = await import("../../../../providers/deployment");
      return new Deployment("web", ARGS, { additionalSecretOutputs: ["branch"] });
    });

    expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:Deployment");
    expect(registration.providerText).not.toContain("SECRET");
    expect(secretOutputsByName.get("web")).toStrictEqual(["branch", "redactions"]);
  });

  it("gives every output an Output property, including those only the provider computes", async () => {
    let resource: Record<string, unknown> = {};
    await captureRegistration(async () => {
      const { Deployment } = await import("../../../../providers/deployment");
      const created = new Deployment("outputs", ARGS);
      resource = created as unknown as Record<string, unknown>;
      return created;
    });

    for (const output of ["deploymentId", "status", "deployedAt", "scriptSha256", "commitSha", "siteId"]) {
      expect({ output, isOutput: pulumi.Output.isInstance(resource[output]) }).toStrictEqual({
        output,
        isOutput: true,
      });
    }
  });
});
