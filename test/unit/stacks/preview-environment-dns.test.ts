import { usePreviewUnderMocks } from "../../support/mock-program";
import { PREVIEW_STACK_CONFIG } from "../../support/samples";

const CONFIG = {
  ...PREVIEW_STACK_CONFIG,
  apps: JSON.stringify({ customer: { repository: "acme/customer", masterDatabase: "customer_master" } }),
  branch: "main",
  cloudflareDns: "true",
  cloudflareZoneId: "0123456789abcdef0123456789abcdef",
};

describe("a preview with cloudflareDns", () => {
  const mocks = usePreviewUnderMocks("pr-7", {
    config: CONFIG,
    site: {
      siteId: 1,
      siteDirectory: "/home/customer-pr7/pr-7.staging.example.com",
      url: "https://pr-7.staging.example.com",
    },
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
