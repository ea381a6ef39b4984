import { installMocks, promiseOf, type MockProgram } from "../../support/mock-program";
import type * as pulumi from "@pulumi/pulumi";
import { diffForgeSite, type ForgeSiteInputs, type ForgeSiteOutputs } from "../../../providers/forge-site/rules";

const CONFIG = {
  forgeOrg: "acme",
  forgeServerId: "42",
  forgeToken: "forge-token",
  previewDomain: "staging.example.com",
  apps: JSON.stringify({
    customer: { repository: "acme/customer", masterDatabase: "customer_master", productionDatabase: "customer" },
  }),
  sshHost: "203.0.113.10",
  sshHostKeyFingerprint: "SHA256:" + "B".repeat(43),
  sshPrivateKey: "ssh-key",
  branch: "feature/checkout",
  commitSha: "a".repeat(40),
  basicAuthMode: "shared",
  basicAuthPassword: "shared-basic-auth-password",
};

/**
 * The deploy script pins the PR's commit, so Forge's push-to-deploy would redeploy the old commit on every push and
 * race the pipeline's own deployment: previews leave deployments to the pipeline alone.
 */
describe("a preview's site and push-to-deploy", () => {
  let mocks: MockProgram;

  beforeAll(async () => {
    mocks = await installMocks({
      stack: "pr-123",
      config: CONFIG,
      secretConfigKeys: ["forgeToken", "sshPrivateKey", "basicAuthPassword"],
      outputsFor: (args) =>
        args.type === "pulumi-nodejs:dynamic/forge:Site"
          ? {
              siteId: 501,
              siteDirectory: "/home/customer-pr123/pr-123.staging.example.com",
              url: "https://pr-123.staging.example.com",
              createdAt: "2026-11-27T00:00:00Z",
            }
          : undefined,
    });
    const { buildStack } = await import("../../../stacks/program");
    const outputs = buildStack("pr-123");
    await promiseOf(outputs.url as pulumi.Output<string>);
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it("registers the site with push-to-deploy off", () => {
    expect(mocks.registration("pr-123-site").inputs.pushToDeploy).toBe(false);
  });

  it("turns push-to-deploy off on a preview made with it on by updating the site in place, not replacing it", () => {
    const news = {
      sourceControlProvider: "github",
      ...mocks.registration("pr-123-site").inputs,
    } as unknown as ForgeSiteInputs;
    const olds: ForgeSiteOutputs = {
      ...news,
      pushToDeploy: true,
      siteId: 501,
      siteUser: "customer-pr123",
      siteDirectory: "/home/customer-pr123/pr-123.staging.example.com",
      url: "https://pr-123.staging.example.com",
      createdAt: "2026-11-27T00:00:00Z",
    };

    expect(diffForgeSite(olds, news)).toStrictEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});
