import { HOSTILE_QUIRKS, type Quirks, type Simulator } from "../../../../tools/simulator";
import { NO_QUIRKS } from "../../../../tools/simulator/quirks";
import { SERVER_PATH, call, createSite, eventually, startTestSimulator } from "../../../support/simulator";

type Json = Record<string, any>;

/** What one simulator answers for a site created with php84 and push-to-deploy, a whole-site rule and a clone. */
async function observe(sim: Simulator): Promise<{ site: Json; rule: Json; clone: Json }> {
  const siteId = await createSite(sim, `pr-${sim.port}.example.test`, { php_version: "php84", push_to_deploy: true });
  const sourceSiteId = await createSite(sim, `wildcard-${sim.port}.example.test`);
  const site = await eventually(
    async () => (await call(sim, "GET", `/orgs/acme/sites/${siteId}`)).json.data.attributes,
    (attributes: Json) => attributes.status === "installed",
  );
  await eventually(
    async () => (await call(sim, "GET", `/orgs/acme/sites/${sourceSiteId}`)).json.data.attributes.status,
    (status) => status === "installed",
  );
  const rulesPath = `${SERVER_PATH}/sites/${siteId}/security-rules`;
  const ruleId = (
    await call(sim, "POST", rulesPath, { name: "preview", credentials: [{ username: "u", password: "p-123456" }] })
  ).json.data.id;
  const rule = (await call(sim, "GET", `${rulesPath}/${ruleId}`)).json.data.attributes;
  const domainOf = async (site: string): Promise<string> =>
    (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains?filter[type]=primary`)).json.data[0].id;
  // Under `customDomainPending` a domain is verified a while after the install; a certificate needs it verified.
  const verifiedDomainOf = async (site: string): Promise<string> => {
    const domain = await domainOf(site);
    await eventually(
      async () => (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains/${domain}`)).json,
      (record: Json) => record.data.attributes.status === "enabled",
    );
    return domain;
  };
  const sourceDomain = await verifiedDomainOf(sourceSiteId);
  const sourcePath = `${SERVER_PATH}/sites/${sourceSiteId}/domains/${sourceDomain}/certificates`;
  const source = (
    await call(sim, "POST", sourcePath, {
      type: "letsencrypt",
      enable: true,
      letsencrypt: { verification_method: "dns-01" },
    })
  ).json.data.id;
  const clonePath = `${SERVER_PATH}/sites/${siteId}/domains/${await verifiedDomainOf(siteId)}/certificates`;
  const cloneId = (
    await call(sim, "POST", clonePath, { type: "clone", enable: true, clone: { certificate_id: Number(source) } })
  ).json.data.id;
  const clone = (await call(sim, "GET", `${clonePath}/${cloneId}`)).json.data.attributes;
  return { site, rule, clone };
}

async function observeWith(options: {
  quirks?: Partial<Quirks>;
  profile?: "hostile";
}): Promise<{ site: Json; rule: Json; clone: Json }> {
  const sim = await startTestSimulator({ profile: "instant", checkResponses: true, ...options, timeScale: 0.0005 });
  try {
    const seen = await observe(sim);
    // Each quirk is a form the spec allows, so every answer still matches Forge's response schemas.
    expect(sim.responseViolations).toStrictEqual([]);
    return seen;
  } finally {
    await sim.close();
  }
}

describe("simulator: quirks of the real Forge, each switchable on its own", () => {
  let plain: { site: Json; rule: Json; clone: Json };

  beforeAll(async () => {
    plain = await observeWith({});
  });

  it("answers as the client asked when no quirk is on", () => {
    expect(plain.site).toMatchObject({ php_version: "php84", quick_deploy: true });
    expect(plain.rule.status).toBe("installed");
    expect(plain.clone.type).toBe("existing");
  });

  it.each([["8.4"], ["PHP 8.4"]] as const)(
    "phpVersionForm `%s` reports the site's php_version in that form and changes nothing else",
    async (form) => {
      const seen = await observeWith({ quirks: { phpVersionForm: form } });

      expect(seen.site.php_version).toBe(form);
      expect(seen.site.quick_deploy).toBe(true);
    },
  );

  it("quickDeployNullUntilWebhook reports quick_deploy as null although push-to-deploy was asked for", async () => {
    const seen = await observeWith({ quirks: { quickDeployNullUntilWebhook: true } });

    expect(seen.site).toMatchObject({ quick_deploy: null, php_version: "php84" });
  });

  it("securityRuleStatusNull reports a rule's status as null", async () => {
    const seen = await observeWith({ quirks: { securityRuleStatusNull: true } });

    expect(seen.rule).toMatchObject({ name: "preview", status: null });
  });

  it("cloneCertificateType `letsencrypt` reports a clone as its source: that type, the source's verification and key", async () => {
    const seen = await observeWith({ quirks: { cloneCertificateType: "letsencrypt" } });

    expect(seen.clone).toMatchObject({ type: "letsencrypt", verification_method: "dns-01", key_type: "ecdsa" });
  });

  it("the hostile profile turns every quirk on, and a single quirk can still be turned off in it", async () => {
    // This observation reads create answers and sites at once; hostile-quirks.test.ts covers the quirks that prevent it.
    const readable: Partial<Quirks> = {
      emptyCreateBodies: false,
      siteNotFoundAfterCreateMs: 0,
      serverErrorRate: 0,
      latencyMs: null,
    };
    const hostile = await observeWith({ profile: "hostile", quirks: readable });
    const softened = await observeWith({ profile: "hostile", quirks: { ...readable, phpVersionForm: null } });

    // Every switch differs from its off value; `seed` only steers the draws.
    const unchanged = Object.keys(NO_QUIRKS).filter(
      (key) => JSON.stringify(HOSTILE_QUIRKS[key as keyof Quirks]) === JSON.stringify(NO_QUIRKS[key as keyof Quirks]),
    );
    expect(unchanged).toStrictEqual(["seed"]);
    expect(hostile.site).toMatchObject({ php_version: "PHP 8.4", quick_deploy: null });
    expect(hostile.rule.status).toBeNull();
    expect(hostile.clone.type).toBe("letsencrypt");
    expect(softened.site).toMatchObject({ php_version: "php84", quick_deploy: null });
  });

  it("refuses an unknown quirk value with a message naming the quirk and its values", async () => {
    await expect(startTestSimulator({ quirks: { phpVersionForm: "8" as Quirks["phpVersionForm"] } })).rejects.toThrow(
      "Simulator quirk `phpVersionForm` must be null, `8.4` or `PHP 8.4`.",
    );
  });
});
