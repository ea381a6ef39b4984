import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { Simulator } from "../../../../tools/simulator";
import { ORG, SERVER_PATH, call, createSite, eventually } from "../../../support/simulator";
import { type CapturedRegistration, recordOptions } from "../../../support/capture-provider";
import { type DynamicHost, DynamicHostCallError, UNKNOWN } from "../../../support/dynamic-host";
import { type ForgeProviderHost, startForgeProviderHost } from "../../../support/provider-host";
import { parseWithPhpdotenv } from "../../../support/phpdotenv";
import { IN_PLACE, NO_CHANGES, expectPreviewWithoutForge, replacing } from "../../../support/diff-outcomes";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const DB_PASSWORD = 'db-"pa$$"-SECRET-7781';
const OVERRIDE_SECRET = "override-SECRET-4242";

/** What the site's .env held before the stack touched it: every line not managed below must survive byte for byte. */
const SEED = [
  "# Written by hand: keep me",
  "APP_NAME=Laravel",
  "APP_KEY=",
  "APP_DEBUG=false",
  'CUSTOM_FLAG="kept  as is"   # a trailing comment',
  "export LEGACY=1",
  "",
  "PAYMENT_WEBHOOK_SECRET='whsec_test_abc'",
  "MAIL_MAILER=smtp",
  "",
].join("\n");
const UNMANAGED_LINES = [
  "# Written by hand: keep me",
  "APP_DEBUG=false",
  'CUSTOM_FLAG="kept  as is"   # a trailing comment',
  "export LEGACY=1",
  "PAYMENT_WEBHOOK_SECRET='whsec_test_abc'",
];
const UNMANAGED_VALUES = {
  APP_DEBUG: "false",
  CUSTOM_FLAG: "kept  as is",
  LEGACY: "1",
  PAYMENT_WEBHOOK_SECRET: "whsec_test_abc",
};

const VALUES = {
  APP_NAME: "Shop PR 7",
  APP_ENV: "preview",
  APP_URL: "https://pr-7.preview.test",
  DB_DATABASE: "shop_pr_7",
  DB_USERNAME: "shop_pr_7",
  DB_PASSWORD,
  REDIS_DB: "7",
  REDIS_CACHE_DB: "7",
  REDIS_PREFIX: "shop_pr_7_",
  CACHE_PREFIX: "shop_pr_7_",
  QUEUE_CONNECTION: "redis",
  SESSION_DRIVER: "redis",
  MAIL_MAILER: "log",
  FEATURE_OVERRIDE: OVERRIDE_SECRET,
};

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** A RegExp that matches `pattern` only on its `n`-th match, so a fault hits one particular request of a sequence. */
function nthMatch(pattern: RegExp, n: number): RegExp {
  let seen = 0;
  const matcher = new RegExp(pattern.source);
  matcher.test = (text: string): boolean => pattern.test(text) && ++seen === n;
  return matcher;
}

describe("SiteEnvironment through the real dynamic-provider host", () => {
  let fixture: ForgeProviderHost;
  let sim: Simulator;
  let host: DynamicHost;
  let sandbox: string;
  let registration: CapturedRegistration;
  let inputs: Record<string, unknown>;
  let urn: string;
  const seenOptions: pulumi.CustomResourceOptions[] = [];
  let siteId: number;
  const siteName = "pr-7.preview.test";

  const envPath = (id: number): string => `${SERVER_PATH}/sites/${id}/environment`;
  const envFile = (name: string): Promise<string> => fs.readFile(path.join(sandbox, "server-1", name, ".env"), "utf8");
  const envRequests = (id: number, from = 0): string[] =>
    sim.requests
      .slice(from)
      .filter((r) => r.path === envPath(id))
      .map((r) => `${r.method} ${r.status}`);
  const withInputs = (changes: Record<string, unknown>): Record<string, unknown> => ({ ...inputs, ...changes });
  const putEnv = async (id: number, text: string): Promise<void> => {
    const response = await call(sim, "PUT", envPath(id), { environment: text });
    if (response.status !== 202) throw new Error(`seeding the .env failed with ${response.status}`);
  };
  const newSite = async (name: string, seed = SEED): Promise<number> => {
    const id = Number(await createSite(sim, name));
    await putEnv(id, seed);
    return id;
  };

  beforeAll(async () => {
    sandbox = await fs.mkdtemp(path.join(os.tmpdir(), "site-env-"));
    fixture = await startForgeProviderHost({
      simulator: { sandboxRoot: sandbox },
      prepare: async (started) => {
        sim = started;
        siteId = await newSite(siteName);
      },
      register: async () => {
        const { SiteEnvironment } = await import("../../../../providers/site-environment");
        const options = { additionalSecretOutputs: ["contentSha256"], transformations: [recordOptions(seenOptions)] };
        return new SiteEnvironment("env", { serverId: 1, siteId, values: VALUES }, options);
      },
      check: true,
    });
    ({ host, registration, urn, inputs } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    if (sandbox) await fs.rm(sandbox, { recursive: true, force: true });
  });

  describe("registration under mocks", () => {
    it("registers as forge:SiteEnvironment, leaving the values out of the serialized provider", () => {
      expect(registration.type).toBe("pulumi-nodejs:dynamic/forge:SiteEnvironment");
      expect(registration.providerText).not.toContain(DB_PASSWORD);
    });

    it("declares values and appKey secret outputs, keeping the caller's own", () => {
      expect(seenOptions.map((options) => options.additionalSecretOutputs)).toStrictEqual([
        ["contentSha256", "values", "appKey"],
      ]);
    });

    it("registers values as a secret input", () => {
      expect(registration.inputs.values).toMatchObject({ [SECRET_SIG_KEY]: expect.any(String), value: VALUES });
    });
  });

  it("refuses a live credential in check, naming the key and never the value, without calling Forge", async () => {
    const before = sim.requests.length;

    const checked = await host.check(
      urn,
      {},
      withInputs({ values: { ...VALUES, STRIPE_SECRET: "sk_live_51HxYzAbCdEfGh" } }),
    );

    expect(checked.failures).toStrictEqual([
      {
        property: "values",
        reason:
          "`values.STRIPE_SECRET` looks like a live Stripe secret key; a preview runs production data with the pull " +
          "request's code, so give it a test-mode credential instead",
      },
    ]);
    expect(sim.requests.length).toBe(before);
  });

  it("refuses a mailer that delivers", async () => {
    const checked = await host.check(urn, {}, withInputs({ values: { ...VALUES, MAIL_MAILER: "ses" } }));

    expect(checked.failures.map((failure) => failure.reason)).toStrictEqual([
      "`values.MAIL_MAILER` must be `log` or `array`: a preview holds a copy of production data and must never e-mail real customers",
    ]);
  });

  it("checks and diffs unknown preview inputs without any Forge request", async () => {
    const news = withInputs({ siteId: UNKNOWN, values: { ...VALUES, DB_PASSWORD: UNKNOWN } });

    await expectPreviewWithoutForge(
      fixture,
      "servers/1/sites/1/environment",
      { ...inputs, managedKeys: [], appKey: "k" },
      news,
      { diff: replacing(["siteId"], "delete-first") },
    );
  });

  it("refuses to create on a site that does not exist, without writing", async () => {
    const error = await host.create(urn, withInputs({ siteId: 999_999 })).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(DynamicHostCallError);
    expect((error as DynamicHostCallError).details).toContain(
      "site 999999 on server 1 does not exist, so its .env cannot be written; create the site first (ForgeSite)",
    );
    expect(envRequests(999_999)).toStrictEqual(["GET 404"]);
  });

  it("refuses a .env Laravel could not read, naming the line's key but not its value", async () => {
    const broken = await newSite("pr-8.preview.test", 'BROKEN="unterminated-SECRET-99\nOTHER=1\n');
    const from = sim.requests.length;
    const error = await host.create(urn, withInputs({ siteId: broken })).catch((rejection: unknown) => rejection);

    expect((error as DynamicHostCallError).details).toContain(
      `The .env of site ${broken} on server 1 cannot be read the way Laravel reads it: Missing closing quote in the value of BROKEN.`,
    );
    expect((error as DynamicHostCallError).details).not.toContain("unterminated-SECRET-99");
    expect(envRequests(broken, from)).toStrictEqual(["GET 200"]);
  });

  describe("lifecycle of one site's managed keys", () => {
    let id: string;
    let outs: Record<string, unknown>;
    let appKey: string;
    let current: Record<string, unknown>;

    it("creates: merges the managed keys, keeps every other line byte for byte, and waits until the write shows", async () => {
      const from = sim.requests.length;

      current = inputs;
      ({ id, outs } = await host.create(urn, current));
      appKey = outs.appKey as string;

      const file = await envFile(siteName);
      expect(id).toBe(`servers/1/sites/${siteId}/environment`);
      expect(appKey).toMatch(/^base64:[A-Za-z0-9+/]{43}=$/);
      expect(file.split("\n").filter((line) => UNMANAGED_LINES.includes(line))).toStrictEqual(UNMANAGED_LINES);
      expect(parseWithPhpdotenv(file)).toStrictEqual({ ok: { ...UNMANAGED_VALUES, ...VALUES, APP_KEY: appKey } });
      expect(sim.state().environments[String(siteId)]).toBe(file);
      expect(outs).toStrictEqual({
        serverId: 1,
        siteId,
        values: VALUES,
        managedKeys: [...Object.keys(VALUES), "APP_KEY"].sort(),
        appKey,
        contentSha256: sha256(file),
        __provider: registration.providerText,
      });
      expect(envRequests(siteId, from)).toStrictEqual(["GET 200", "PUT 202", "GET 200"]);
    });

    it("reports no change when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("asks for an in-place update when a value changes, and delete-before-replace when the site changes", async () => {
      const changed = withInputs({ values: { ...VALUES, APP_NAME: "Renamed" } });

      expect(await host.diff(urn, id, outs, changed)).toStrictEqual(IN_PLACE);
      expect(await host.diff(urn, id, outs, withInputs({ siteId: siteId + 1 }))).toStrictEqual(
        replacing(["siteId"], "delete-first"),
      );
    });

    it("updates in place: changes values, removes keys no longer managed, keeps APP_KEY and the other lines", async () => {
      const { FEATURE_OVERRIDE: _dropped, ...kept } = VALUES;
      const values = { ...kept, APP_NAME: "Renamed", NEW_FLAG: "on" };

      ({ outs } = await host.update(urn, id, outs, withInputs({ values })));

      const file = await envFile(siteName);
      expect(parseWithPhpdotenv(file)).toStrictEqual({ ok: { ...UNMANAGED_VALUES, ...values, APP_KEY: appKey } });
      expect(file.split("\n").filter((line) => UNMANAGED_LINES.includes(line))).toStrictEqual(UNMANAGED_LINES);
      expect(file).not.toContain(OVERRIDE_SECRET);
      expect(outs).toMatchObject({
        values,
        appKey,
        managedKeys: [...Object.keys(values), "APP_KEY"].sort(),
        contentSha256: sha256(file),
      });
      current = withInputs({ values });
    });

    it("reads a value changed by hand back into the state, so the diff shows it and an update restores it", async () => {
      const drifted = (await envFile(siteName)).replace("MAIL_MAILER=log", "MAIL_MAILER=smtp");
      await putEnv(siteId, drifted);

      const read = await host.read(urn, id, outs);

      expect(read.id).toBe(id);
      expect(read.props).toMatchObject({ values: { MAIL_MAILER: "smtp" }, appKey, contentSha256: sha256(drifted) });
      expect(await host.diff(urn, id, read.props, current)).toMatchObject({ changes: "some", replaces: [] });
      ({ outs } = await host.update(urn, id, read.props, current));
      expect(parseWithPhpdotenv(await envFile(siteName))).toMatchObject({
        ok: { MAIL_MAILER: "log", APP_KEY: appKey },
      });
    });

    it("restores the same APP_KEY after its line was deleted by hand", async () => {
      const withoutKey = (await envFile(siteName))
        .split("\n")
        .filter((line) => !line.startsWith("APP_KEY="))
        .join("\n");
      await putEnv(siteId, withoutKey);

      const read = await host.read(urn, id, outs);
      expect(read.props.managedKeys).not.toContain("APP_KEY");
      expect(await host.diff(urn, id, read.props, current)).toMatchObject({ changes: "some" });
      ({ outs } = await host.update(urn, id, read.props, current));

      expect(outs.appKey).toBe(appKey);
      expect(parseWithPhpdotenv(await envFile(siteName))).toMatchObject({ ok: { APP_KEY: appKey } });
    });

    it("deletes: removes the managed keys and leaves exactly the lines it did not manage", async () => {
      await host.delete(urn, id, outs);

      const file = await envFile(siteName);
      expect(file).toBe(UNMANAGED_LINES.slice(0, 4).join("\n") + "\n\n" + UNMANAGED_LINES[4] + "\n");
      expect(parseWithPhpdotenv(file)).toStrictEqual({ ok: UNMANAGED_VALUES });
    });

    it("treats a second delete as done without writing", async () => {
      const from = sim.requests.length;

      await host.delete(urn, id, outs);

      expect(envRequests(siteId, from)).toStrictEqual(["GET 200"]);
    });

    it("drops the state on read, and deletes without error, once the site is gone", async () => {
      const removed = await call(sim, "DELETE", `${SERVER_PATH}/sites/${siteId}`);
      expect(removed.status).toBe(202);
      await eventually(
        () => call(sim, "GET", `/orgs/${ORG}/sites/${siteId}`),
        (response) => response.status === 404,
      );
      const from = sim.requests.length;

      expect((await host.read(urn, id, outs)).id).toBe("");
      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();
      expect(envRequests(siteId, from)).toStrictEqual(["GET 404", "GET 404"]);
    });
  });

  it("adopts managed keys a lost state left in the file, keeping a key given in values", async () => {
    const given = `base64:${Buffer.alloc(32, 9).toString("base64")}`;
    const leftOver = await newSite("pr-9.preview.test", `${SEED}APP_ENV=preview\nDB_PASSWORD=old-password\n`);

    const { outs } = await host.create(urn, withInputs({ siteId: leftOver, values: { ...VALUES, APP_KEY: given } }));

    const file = await envFile("pr-9.preview.test");
    expect(outs.appKey).toBe(given);
    expect(parseWithPhpdotenv(file)).toStrictEqual({ ok: { ...UNMANAGED_VALUES, ...VALUES, APP_KEY: given } });
    expect(file.match(/^DB_PASSWORD=/gm)).toHaveLength(1);
  });

  it("keeps the id and the managed keys in state when the write cannot be confirmed, so delete still cleans up", async () => {
    const halfSite = await newSite("pr-10.preview.test");
    sim.inject({ method: "GET", path: nthMatch(new RegExp(`^${envPath(halfSite)}$`), 2), status: 403, times: 1 });

    const error = await host.create(urn, withInputs({ siteId: halfSite })).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(DynamicHostCallError);
    const failure = (error as DynamicHostCallError).initFailure;
    expect(failure?.id).toBe(`servers/1/sites/${halfSite}/environment`);
    expect(failure?.properties).toMatchObject({
      siteId: halfSite,
      managedKeys: [...Object.keys(VALUES), "APP_KEY"].sort(),
    });
    expect((error as DynamicHostCallError).details).toContain("failed with 403");
    expect((error as DynamicHostCallError).details).not.toContain(DB_PASSWORD);
    expect(parseWithPhpdotenv(await envFile("pr-10.preview.test"))).toMatchObject({ ok: { DB_PASSWORD } });

    await host.delete(urn, failure?.id ?? "", failure?.properties ?? {});
    expect(parseWithPhpdotenv(await envFile("pr-10.preview.test"))).toStrictEqual({ ok: UNMANAGED_VALUES });
  });

  it("never writes a managed secret or the .env body to the host log", async () => {
    await host.waitForLog(/site-environment: wrote 15 managed keys to the \.env of site \d+ on server 1/);
    const logs = host.logs();

    for (const secret of [DB_PASSWORD, OVERRIDE_SECRET, "whsec_test_abc", "kept  as is"])
      expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/base64:[A-Za-z0-9+/]{43}=/);
  });
});
