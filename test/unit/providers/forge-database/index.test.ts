import type * as pulumi from "@pulumi/pulumi";
import { captureRegistration, recordOptions } from "../../../support/capture-provider";

const args = { serverId: 7, name: "shop_pr_12", userName: "shop_pr12", protectedDatabases: ["shop", "shop_master"] };

describe("ForgeDatabase registration under mocks", () => {
  it("registers as forge:Database with exactly its arguments as inputs", async () => {
    const registration = await captureRegistration(async () => {
      const { ForgeDatabase } = await import("../../../../providers/forge-database");
      return new ForgeDatabase("db", args);
    });

    expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:Database");
    const { __provider: _provider, ...inputs } = registration.inputs;
    expect(inputs).toStrictEqual(args);
  });

  it("declares the password a secret output", async () => {
    const options: pulumi.CustomResourceOptions[] = [];
    await captureRegistration(async () => {
      const { ForgeDatabase } = await import("../../../../providers/forge-database");
      return new ForgeDatabase("db", args, { transformations: [recordOptions(options)] });
    });

    expect(options).toHaveLength(1);
    expect(options[0].additionalSecretOutputs).toStrictEqual(["password"]);
  });

  it("keeps secret outputs the caller declared", async () => {
    const options: pulumi.CustomResourceOptions[] = [];
    await captureRegistration(async () => {
      const { ForgeDatabase } = await import("../../../../providers/forge-database");
      return new ForgeDatabase("db", args, {
        additionalSecretOutputs: ["userName", "password"],
        transformations: [recordOptions(options)],
      });
    });

    expect(options[0].additionalSecretOutputs).toStrictEqual(["userName", "password"]);
  });
});
