import * as pulumi from "@pulumi/pulumi";
import { captureRegistration, type CapturedRegistration } from "../../../support/capture-provider";
import { FORGE_SITE_ARGS as ARGS } from "../../../support/samples";

describe("ForgeSite registration under mocks", () => {
  let registration: CapturedRegistration;
  let site: pulumi.CustomResource;

  beforeAll(async () => {
    registration = await captureRegistration(async () => {
      const { ForgeSite } = await import("../../../../providers/forge-site");
      site = new ForgeSite("site", ARGS);
      return site;
    });
  });

  it("registers the type token forge:Site", () => {
    expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:Site");
  });

  it("registers exactly the inputs, with github as the default source control provider", () => {
    const { __provider: _provider, ...inputs } = registration.inputs;

    expect(inputs).toStrictEqual({ ...ARGS, sourceControlProvider: "github" });
    expect(inputs).not.toHaveProperty("forgeToken");
  });

  it("exposes every input and computed output as an Output property", () => {
    const fields = [...Object.keys(ARGS), "sourceControlProvider", "siteId", "siteDirectory", "url", "createdAt"];

    const missing = fields.filter(
      (field) => !pulumi.Output.isInstance((site as unknown as Record<string, unknown>)[field]),
    );

    expect(missing).toStrictEqual([]);
  });
});
