import { describeServices, startLocalServices, type LocalServices } from "../../tools/sandbox/local-services";
import { parseTestServices, TEST_SERVICES_ENV } from "./services";

/** Where global-teardown.ts finds the handle; jest runs both hooks in the same process and global object. */
export const SERVICES_HANDLE = Symbol.for("forge-previews.test-services");

type GlobalWithServices = typeof globalThis & { [SERVICES_HANDLE]?: LocalServices };

/**
 * Starts MariaDB, Redis and sshd once for the whole run and hands their endpoints to the test workers through
 * `FORGE_PREVIEWS_TEST_SERVICES` (workers are forked after this hook, so they inherit it). A caller that already set
 * the variable keeps its own servers, and then teardown leaves them alone.
 */
export default async function globalSetup(): Promise<void> {
  const given = process.env[TEST_SERVICES_ENV];
  if (given) {
    parseTestServices(given);
    return;
  }
  const startedAt = Date.now();
  const services = await startLocalServices();
  (globalThis as GlobalWithServices)[SERVICES_HANDLE] = services;
  process.env[TEST_SERVICES_ENV] = JSON.stringify(describeServices(services));
  const ports = `mariadb :${services.mariadb?.port}, redis :${services.redis?.port}, ssh :${services.ssh?.port}`;
  console.log(`\nLocal services ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${ports})`);
}
