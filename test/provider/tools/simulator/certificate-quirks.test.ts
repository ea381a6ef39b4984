import type { Quirks, Simulator } from "../../../../tools/simulator";
import { SERVER_PATH, call, createSite, eventually, startTestSimulator } from "../../../support/simulator";

type Json = Record<string, any>;

/** A simulator with `quirks`, and helpers around one site's domain record and certificates. */
async function withQuirks(
  quirks: Partial<Quirks>,
  run: (sim: Simulator) => Promise<void>,
  extra: { profile?: "realistic"; timeScale?: number } = {},
): Promise<void> {
  // The polls below would spend the default 60 requests a minute; the rate limit has its own test.
  const sim = await startTestSimulator({
    profile: "instant",
    quirks,
    checkResponses: true,
    rateLimitPerMinute: 0,
    ...extra,
  });
  try {
    await run(sim);
    expect(sim.responseViolations).toStrictEqual([]);
  } finally {
    await sim.close();
  }
}

async function installedSite(sim: Simulator, name: string): Promise<{ site: string; certificates: string }> {
  const site = await createSite(sim, name);
  await eventually(
    async () => (await call(sim, "GET", `/orgs/acme/sites/${site}`)).json.data.attributes.status,
    (status) => status === "installed",
  );
  const domain = (await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains?filter[type]=primary`)).json.data[0];
  return { site, certificates: `${SERVER_PATH}/sites/${site}/domains/${domain.id}/certificates` };
}

const letsEncrypt = (method = "http-01"): Json => ({
  type: "letsencrypt",
  enable: true,
  letsencrypt: { verification_method: method },
});

/** The certificate's status once it has left `installing`. */
async function settled(sim: Simulator, certificates: string, id: string): Promise<string> {
  return eventually(
    async () => (await call(sim, "GET", `${certificates}/${id}`)).json.data.attributes.status as string,
    (status) => status !== "installing",
  );
}

const wholeSiteRule = { name: "preview", credentials: [{ username: "u", password: "p-123456" }] };

describe("simulator: certificate quirks of the real Forge", () => {
  it("customDomainPending keeps a primary domain pending after the install and refuses a certificate meanwhile", async () => {
    await withQuirks(
      { customDomainPending: true },
      async (sim) => {
        const { certificates } = await installedSite(sim, "pr-7.example.test");
        const domainPath = certificates.replace(/\/certificates$/, "");

        expect((await call(sim, "GET", domainPath)).json.data.attributes.status).toBe("pending");
        const refused = await call(sim, "POST", certificates, letsEncrypt());
        expect(refused.status).toBe(422);
        expect(refused.json.errors.domain).toEqual([
          "The domain must be verified before a certificate can be requested.",
        ]);

        await eventually(
          async () => (await call(sim, "GET", domainPath)).json.data.attributes.status,
          (status) => status === "enabled",
        );
        expect((await call(sim, "POST", certificates, letsEncrypt())).status).toBe(202);
      },
      { profile: "realistic", timeScale: 0.05 },
    );
  });

  it("acmeBlockedByBasicAuth fails an http-01 certificate behind a whole-site rule, not a dns-01 one or one behind a path rule", async () => {
    await withQuirks({ acmeBlockedByBasicAuth: true }, async (sim) => {
      const guarded = await installedSite(sim, "pr-9.example.test");
      expect(
        (await call(sim, "POST", `${SERVER_PATH}/sites/${guarded.site}/security-rules`, wholeSiteRule)).status,
      ).toBe(202);
      const http = (await call(sim, "POST", guarded.certificates, letsEncrypt())).json.data.id;
      const dns = (await call(sim, "POST", guarded.certificates, letsEncrypt("dns-01"))).json.data.id;

      const pathOnly = await installedSite(sim, "pr-10.example.test");
      await call(sim, "POST", `${SERVER_PATH}/sites/${pathOnly.site}/security-rules`, {
        ...wholeSiteRule,
        path: "/admin",
      });
      const behindPath = (await call(sim, "POST", pathOnly.certificates, letsEncrypt())).json.data.id;

      expect(await settled(sim, guarded.certificates, http)).toBe("failed");
      expect(await settled(sim, guarded.certificates, dns)).toBe("installed");
      expect(await settled(sim, pathOnly.certificates, behindPath)).toBe("installed");
    });
  });

  it("acmeBlockedByBasicAuth fails an http-01 certificate still being verified when a whole-site rule arrives", async () => {
    await withQuirks(
      { acmeBlockedByBasicAuth: true },
      async (sim) => {
        const { site, certificates } = await installedSite(sim, "pr-11.example.test");
        const id = (await call(sim, "POST", certificates, letsEncrypt())).json.data.id;
        await call(sim, "POST", `${SERVER_PATH}/sites/${site}/security-rules`, wholeSiteRule);

        expect(await settled(sim, certificates, id)).toBe("failed");
      },
      { profile: "realistic", timeScale: 0.01 },
    );
  });

  it("letsEncryptDuplicateLimit refuses the issuance past the limit for one name set, even after its site was deleted", async () => {
    await withQuirks({ letsEncryptDuplicateLimit: 2 }, async (sim) => {
      const first = await installedSite(sim, "pr-12.example.test");
      const issued = [];
      for (let index = 0; index < 2; index += 1) {
        const id = (await call(sim, "POST", first.certificates, letsEncrypt())).json.data.id;
        issued.push(await settled(sim, first.certificates, id));
      }
      expect(issued).toStrictEqual(["installed", "installed"]);
      expect((await call(sim, "DELETE", `${SERVER_PATH}/sites/${first.site}`)).status).toBe(202);
      await eventually(
        async () => (await call(sim, "GET", `/orgs/acme/sites/${first.site}`)).status,
        (status) => status === 404,
      );

      const again = await installedSite(sim, "pr-12.example.test");
      const third = (await call(sim, "POST", again.certificates, letsEncrypt())).json.data.id;
      const other = await installedSite(sim, "pr-13.example.test");
      const elsewhere = (await call(sim, "POST", other.certificates, letsEncrypt())).json.data.id;

      expect(await settled(sim, again.certificates, third)).toBe("failed");
      expect(await settled(sim, other.certificates, elsewhere)).toBe("installed");
    });
  });
});

describe("simulator: a 429 under omitRetryAfter", () => {
  it("carries only the X-RateLimit headers, counted across every client of the token", async () => {
    const sim = await startTestSimulator({ rateLimitPerMinute: 4, quirks: { omitRetryAfter: true } });
    try {
      // Two clients of one token, as two CI runners would be: the budget is the token's, not each client's.
      const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => call(sim, "GET", "/orgs")));
      const refused = answers.filter((answer) => answer.status === 429);

      expect(refused).toHaveLength(2);
      for (const answer of refused) {
        expect(answer.headers.get("retry-after")).toBeNull();
        expect(answer.headers.get("x-ratelimit-remaining")).toBe("0");
        expect(Number(answer.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
      }
    } finally {
      await sim.close();
    }
  });
});
