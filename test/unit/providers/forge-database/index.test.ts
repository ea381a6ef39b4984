import type * as pulumi from "@pulumi/pulumi";
import { captureRegistration } from "../../../support/capture-provider";

const args = { serverId: 7, name: "shop_pr_12", userName: "shop_pr12", protectedDatabases: ["shop", "shop_master"] };

/** Mocks never apply resource options, so a transformation records the options the constructor passed to the SDK. */
function recordOptions(into: pulumi.ResourceOptions[]): pulumi.ResourceTransformation {
  return ({ opts }) => {
    into.push(opts);
    return undefined;
  };
}

describe("ForgeDatabase registration under mocks", () => {
  it("registers as forge:Database with a shim that names only its module", async () => {
    const registration = await captureRegistration(async () => {
      const { ForgeDatabase } = await import("../../../../providers/forge-database");
      return new ForgeDatabase("db", args);
    });

    expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:Database");
    expect(registration.providerIsSecret).toBe(false);
    expect(registration.providerText).toContain('implementationModule: "providers/forge-database"');
    expect(registration.providerText).not.toMatch(/ensureSchema|randomBytes|forgeClientFromStackConfig|databaseUsers/);
    const { __provider: _provider, ...inputs } = registration.inputs;
    expect(inputs).toStrictEqual(args);
  });

  it("declares the password a secret output", async () => {
    const options: pulumi.ResourceOptions[] = [];
    await captureRegistration(async () => {
      const { ForgeDatabase } = await import("../../../../providers/forge-database");
      return new ForgeDatabase("db", args, { transformations: [recordOptions(options)] });
    });

    expect(options).toHaveLength(1);
    expect((options[0] as pulumi.CustomResourceOptions).additionalSecretOutputs).toStrictEqual(["password"]);
  });

  it("keeps secret outputs the caller declared", async () => {
    const options: pulumi.ResourceOptions[] = [];
    await captureRegistration(async () => {
      const { ForgeDatabase } = await import("../../../../providers/forge-database");
      return new ForgeDatabase("db", args, {
        additionalSecretOutputs: ["userName", "password"],
        transformations: [recordOptions(options)],
      });
    });

    expect((options[0] as pulumi.CustomResourceOptions).additionalSecretOutputs).toStrictEqual(["userName", "password"]);
  });
});
