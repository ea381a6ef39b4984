import { SERVICES_HANDLE } from "./global-setup";
import type { LocalServices } from "../../tools/sandbox/local-services";
import { TEST_SERVICES_ENV } from "./services";

type GlobalWithServices = typeof globalThis & { [SERVICES_HANDLE]?: LocalServices };

/** Stops the servers global-setup.ts started; servers the caller supplied through the env are not ours to stop. */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as GlobalWithServices;
  const services = g[SERVICES_HANDLE];
  if (!services) return;
  delete g[SERVICES_HANDLE];
  delete process.env[TEST_SERVICES_ENV];
  await services.stop();
}
