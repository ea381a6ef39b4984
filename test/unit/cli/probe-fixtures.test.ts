import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import type { Exchange } from "../../../cli/probe/recorder";
import { RecordingForgeClient } from "../../../cli/probe/recorder";
import { redactSecrets } from "../../../providers/common/redact";
import {
  type ForgeOperationId,
  decodeDocument,
  decodePage,
  decodeSingletonAttributes,
  readFieldErrors,
  toCertificate,
  toDeployment,
  toDomainRecord,
  toSecurityRule,
  toSite,
} from "../../../providers/forge";
import { SECRETS } from "../../support/github/harness";

const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "forge-probe", "hostile");
const exchanges = JSON.parse(readFileSync(path.join(FIXTURES, "exchanges.json"), "utf8")) as Exchange[];

/** The client's own decoder for each answer the probe records; deletes answer an empty body. */
const DECODERS: Partial<Record<ForgeOperationId, (body: unknown) => unknown>> = {
  "organizations.servers.sites.store": (body) => toSite(decodeDocument(body, "sites")),
  "organizations.sites.show": (body) => toSite(decodeDocument(body, "sites")),
  "organizations.servers.sites.index": (body) => decodePage(body, "sites").items.map(toSite),
  "organizations.servers.sites.environment.show": (body) =>
    decodeSingletonAttributes(body, "environments").optionalString("content"),
  "organizations.servers.sites.deployments.script.update": (body) =>
    decodeSingletonAttributes(body, "deploymentScripts").optionalString("content"),
  "organizations.servers.sites.deployments.store": (body) => toDeployment(decodeDocument(body, "deployments")),
  "organizations.servers.sites.deployments.show": (body) => toDeployment(decodeDocument(body, "deployments")),
  "organizations.servers.sites.deployments.index": (body) => decodePage(body, "deployments").items.map(toDeployment),
  "organizations.servers.sites.security-rules.store": (body) => toSecurityRule(decodeDocument(body, "securityRules")),
  "organizations.servers.sites.security-rules.show": (body) => toSecurityRule(decodeDocument(body, "securityRules")),
  "organizations.servers.sites.security-rules.index": (body) =>
    decodePage(body, "securityRules").items.map(toSecurityRule),
  "organizations.servers.sites.domains.index": (body) => decodePage(body, "domainRecords").items.map(toDomainRecord),
  "organizations.servers.sites.domains.certificates.store": (body) =>
    toCertificate(decodeDocument(body, "certificates")),
  "organizations.servers.sites.domains.certificates.index": (body) =>
    decodePage(body, "certificates").items.map(toCertificate),
  "organizations.servers.sites.domains.certificates.show": (body) =>
    toCertificate(decodeDocument(body, "certificates")),
};

/** The hostile profile answers every create 202 with an empty body (recorded as null). */
const isEmptyCreate = (e: Exchange): boolean => e.operation.endsWith(".store") && e.body === null;

function decoded<T>(operation: ForgeOperationId): T[] {
  return exchanges
    .filter((e) => e.operation === operation && e.status === null && !isEmptyCreate(e))
    .map((e) => (DECODERS[operation] as (body: unknown) => T)(e.body));
}

describe("the checked-in probe fixtures (the simulator's hostile profile)", () => {
  it("decode with the client's decoders, every answer of every operation", () => {
    expect(exchanges.length).toBeGreaterThan(30);
    for (const exchange of exchanges.filter((e) => e.status === null)) {
      const decode = isEmptyCreate(exchange) ? undefined : DECODERS[exchange.operation];
      if (decode === undefined)
        expect({ operation: exchange.operation, body: exchange.body }).toMatchObject({ body: null });
      else expect(() => decode(exchange.body)).not.toThrow();
    }
  });

  it("show every create answered with an empty body", () => {
    const creates = exchanges.filter((e) => e.operation.endsWith(".store") && e.status === null);
    expect(creates.length).toBeGreaterThan(2);
    expect(creates.filter((e) => !isEmptyCreate(e))).toEqual([]);
  });

  it("show a site reporting `PHP 8.4`, a null quick_deploy and no tags", () => {
    const sites = decoded<ReturnType<typeof toSite>>("organizations.sites.show");
    expect(new Set(sites.map((site) => site.phpVersion))).toEqual(new Set(["PHP 8.4"]));
    expect(new Set(sites.map((site) => site.quickDeploy))).toEqual(new Set([null]));
    const listed = exchanges.find((e) => e.operation === "organizations.servers.sites.index" && e.status === null);
    const included = (listed?.body as { included?: { type: string; attributes: { name: string } }[] }).included ?? [];
    expect(included.filter((item) => item.type === "tags")).toEqual([]);
  });

  it("show a security rule whose status is null on every read", () => {
    const rules = [
      ...decoded<ReturnType<typeof toSecurityRule>>("organizations.servers.sites.security-rules.store"),
      ...decoded<ReturnType<typeof toSecurityRule>>("organizations.servers.sites.security-rules.show"),
    ];
    expect(rules.length).toBeGreaterThan(1);
    expect(rules.every((rule) => rule.status === null)).toBe(true);
  });

  it("show a failed deployment and the refusal of the isolated user for a background process", () => {
    const deployments = decoded<ReturnType<typeof toDeployment>>("organizations.servers.sites.deployments.show");
    expect(deployments.at(-1)?.status).toBe("failed");
    const refused = exchanges.find((e) => e.operation === "organizations.servers.background-processes.store");
    expect(refused?.status).toBe(422);
    expect(Object.keys(readFieldErrors(refused?.body))).toEqual(["user"]);
  });

  it("hold no token, password, key or `.env` value", () => {
    const env = exchanges.find((e) => e.operation === "organizations.servers.sites.environment.show");
    const content = decodeSingletonAttributes(env?.body, "environments").optionalString("content") ?? "";
    expect(content).toContain("DB_PASSWORD=");
    for (const line of content.split("\n")) expect(line).toMatch(/^[A-Z_]+=(\[REDACTED\])?$/);
    for (const name of readdirSync(FIXTURES)) {
      const text = readFileSync(path.join(FIXTURES, name), "utf8");
      expect(text).not.toContain(SECRETS.forgeToken);
      // No string a redactor would still find a secret in (the `.env` names-only text is checked above).
      for (const value of strings(JSON.parse(text)).filter((value) => value !== content))
        expect(redactSecrets(value, [SECRETS.forgeToken])).toBe(value);
    }
  });
});

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([key, item]) => [key, ...strings(item)]);
  return [];
}

describe("RecordingForgeClient.redactedExchanges", () => {
  it("removes the token, added secrets and `.env` values from bodies and errors", () => {
    const client = new RecordingForgeClient({
      token: SECRETS.forgeToken,
      baseUrl: "http://127.0.0.1:1/api",
      org: "acme",
    });
    client.addSecret("rule-password-42");
    client.exchanges.push(
      {
        seq: 1,
        step: "security-rule",
        operation: "organizations.servers.sites.security-rules.store",
        method: "POST",
        path: "/orgs/acme/servers/1/sites/2/security-rules",
        query: {},
        status: 422,
        body: { message: "bad rule-password-42", errors: { token: [SECRETS.forgeToken] } },
        error: `failed with 422: bad rule-password-42 (Bearer ${SECRETS.forgeToken})`,
      },
      {
        seq: 2,
        step: "environment",
        operation: "organizations.servers.sites.environment.show",
        method: "GET",
        path: "/orgs/acme/servers/1/sites/2/environment",
        query: {},
        status: null,
        body: {
          data: { id: "2", type: "environments", attributes: { content: "APP_KEY=base64:abc\nDB_PASSWORD=\nMAIL=me" } },
        },
      },
    );
    const text = JSON.stringify(client.redactedExchanges());
    expect(text).not.toContain(SECRETS.forgeToken);
    expect(text).not.toContain("rule-password-42");
    expect(text).not.toContain("base64:abc");
    expect(text).not.toContain('me"');
    expect(text).toContain("APP_KEY=[REDACTED]\\nDB_PASSWORD=\\nMAIL=[REDACTED]");
  });
});
