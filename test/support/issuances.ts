import { ISSUANCES_KEY_PREFIX } from "../../providers/lets-encrypt-cert/issuances";
import { SLOT_CLAIMS_DB, withRedisOverSsh } from "../../providers/redis";
import { sshTarget, testServices } from "./services";

/** Runs `command` on the local Redis's record of Let's Encrypt issuances for `domain`, as LetsEncryptCert reaches it. */
async function onIssuances(domain: string, command: string): Promise<unknown> {
  const { redis } = testServices();
  return withRedisOverSsh(
    sshTarget(),
    { host: "127.0.0.1", port: redis.port, password: redis.password },
    async (client) => {
      await client.command(["SELECT", SLOT_CLAIMS_DB]);
      return client.command([command, `${ISSUANCES_KEY_PREFIX}${domain}`]);
    },
  );
}

/** Forgets the issuances recorded for `domain`, so each test starts with Let's Encrypt's full weekly allowance. */
export async function forgetIssuances(domain: string): Promise<void> {
  await onIssuances(domain, "DEL");
}

/** How many issuances for `domain` the server's Redis holds. */
export async function countIssuances(domain: string): Promise<number> {
  return Number(await onIssuances(domain, "ZCARD"));
}
