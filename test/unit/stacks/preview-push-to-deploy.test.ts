import { usePreviewUnderMocks } from "../../support/mock-program";
import { PREVIEW_STACK_CONFIG } from "../../support/samples";
import { diffForgeSite, type ForgeSiteInputs, type ForgeSiteOutputs } from "../../../providers/forge-site/rules";

const CONFIG = {
  ...PREVIEW_STACK_CONFIG,
  apps: JSON.stringify({
    customer: { repository: "acme/customer", masterDatabase: "customer_master", productionDatabase: "customer" },
  }),
  branch: "feature/checkout",
  commitSha: "a".repeat(40),
  basicAuthMode: "shared",
  basicAuthPassword: "shared-basic-auth-password",
};

/** What Forge reports of the preview's site. */
const SITE = {
  siteId: 501,
  siteUser: "customer-pr123",
  siteDirectory: "/home/customer-pr123/pr-123.staging.example.com",
  url: "https://pr-123.staging.example.com",
  createdAt: "2026-11-27T00:00:00Z",
};

/**
 * The deploy script pins the PR's commit, so Forge's push-to-deploy would redeploy the old commit on every push and
 * race the pipeline's own deployment: previews leave deployments to the pipeline alone.
 */
describe("a preview's site and push-to-deploy", () => {
  const mocks = usePreviewUnderMocks("pr-123", {
    config: CONFIG,
    secretConfigKeys: ["forgeToken", "sshPrivateKey", "basicAuthPassword"],
    site: SITE,
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
      ...SITE,
    };

    expect(diffForgeSite(olds, news)).toStrictEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });
});
