import { startSimulator, type Simulator, type SimulatorOptions } from "../../tools/simulator";

export const TOKEN = "test-token-do-not-log";
export const ORG = "acme";
export const SERVER_PATH = `/orgs/${ORG}/servers/1`;

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or null for an empty body. */
  json: any;
}

export async function startTestSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({ token: TOKEN, org: ORG, log: () => undefined, ...overrides });
}

/** One request against the simulator with the test token unless `token` says otherwise. */
export async function call(
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<ApiResponse> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === "" ? null : JSON.parse(text) };
}

/** Polls until `check` holds, with a deadline, so async tests cannot hang. */
export async function eventually<T>(
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function createSite(sim: Simulator, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await call(sim, "POST", `${SERVER_PATH}/sites`, { type: "laravel", name, ...extra });
  if (response.status !== 202) throw new Error(`site creation failed: ${response.status} ${response.text}`);
  return response.json.data.id as string;
}

/** Where the certificates of domain record `domain` of site `site` live. */
export function certificatesPath(site: number, domain: number): string {
  return `${SERVER_PATH}/sites/${site}/domains/${domain}/certificates`;
}

/** The id of the primary domain record of site `site`. */
export async function primaryDomainOf(sim: Simulator, site: number): Promise<number> {
  const response = await call(sim, "GET", `${SERVER_PATH}/sites/${site}/domains?filter[type]=primary`);
  return Number(response.json.data[0].id);
}

/** The certificates of domain record `domain` that are not on their way out. */
export function liveCertificates(sim: Simulator, domain: number) {
  return sim
    .state()
    .certificates.filter((certificate) => certificate.domainId === domain && certificate.status !== "removing");
}
