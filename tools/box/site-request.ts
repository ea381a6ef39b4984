import * as https from "node:https";
import { readFileSync } from "node:fs";
import type { BoxServices } from "./services";

export interface SiteAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * GET `path` of the site `domain` over HTTPS through the box's nginx, trusting only the box's ACME roots, as
 * `curl --resolve <domain>:<port>:127.0.0.1 --cacert <ca file>` does; with `auth`, as that basic-auth user.
 */
export function siteRequest(
  services: Pick<BoxServices, "ports" | "paths">,
  domain: string,
  path: string,
  auth?: { username: string; password: string },
  timeoutMs = 30_000,
): Promise<SiteAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      {
        host: "127.0.0.1",
        port: services.ports.https,
        path,
        servername: domain,
        headers: {
          host: domain,
          ...(auth && {
            authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`,
          }),
        },
        ca: readFileSync(services.paths.caFile, "utf8"),
        timeout: timeoutMs,
        // A fresh connection each time: a kept-alive one would still reach a server block nginx has since dropped.
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    request.on("timeout", () => request.destroy(new Error(`https://${domain}${path} did not answer in time`)));
    request.on("error", reject);
  });
}
