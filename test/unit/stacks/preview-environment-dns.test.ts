import { installMocks, promiseOf, type MockProgram } from "../../support/mock-program";
import type * as pulumi from "@pulumi/pulumi";

const CONFIG = {
  forgeOrg: "acme",
  forgeServerId: "42",
  forgeToken: "t",
  previewDomain: "staging.example.com",
  apps: JSON.stringify({ customer: { repository: "acme/customer", masterDatabase: "customer_master" } }),
  sshHost: "203.0.113.10",
  sshHostKeyFingerprint: "SHA256:" + "C".repeat(43),
  sshPrivateKey: "k",
  branch: "main",
  cloudflareDns: "true",
  cloudflareZoneId: "0123456789abcdef0123456789abcdef",
};

describe("a preview with cloudflareDns", () => {
  let mocks: MockProgram;

  beforeAll(async () => {
    mocks = await installMocks({
      stack: "pr-7",
      config: CONFIG,
      secretConfigKeys: ["forgeToken", "sshPrivateKey"],
      outputsFor: (args) =>
        args.type === "pulumi-nodejs:dynamic/forge:Site"
          ? {
              siteId: 1,
              siteDirectory: "/home/customer-pr7/pr-7.staging.example.com",
              url: "https://pr-7.staging.example.com",
            }
          : undefined,
    });
    const { buildStack } = await import("../../../stacks/program");
    await promiseOf(buildStack("pr-7").url as pulumi.Output<string>);
    await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it("points an unproxied A record for the preview's domain at the Forge server", () => {
    expect(mocks.registration("pr-7-dns", "cloudflare:index/dnsRecord:DnsRecord").inputs).toStrictEqual({
      zoneId: "0123456789abcdef0123456789abcdef",
      name: "pr-7.staging.example.com",
      type: "A",
      content: "203.0.113.10",
      ttl: 1,
      proxied: false,
      comment: "forge-previews pr-7",
    });
  });
});
