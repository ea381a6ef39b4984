/** Waiting for a Forge object to go away, shared by every resource whose delete Forge finishes asynchronously. */
import { isForgeNotFound, nullIfNotFound, waitDone, waitPending, type ForgeClient } from "../forge";
import { pollPacing } from "./forge-connection";

export interface RemovalWait {
  /** The object, for the timeout message: "certificate 7 for `pr-1.example.dev`". */
  subject: string;
  timeoutMs: number;
}

/** Polls `read` until it finds nothing (`null`, `undefined` or a 404); a timeout names the object and its last status. */
export function waitUntilGone(
  client: ForgeClient,
  read: () => Promise<{ status: string | null } | null | undefined>,
  { subject, timeoutMs }: RemovalWait,
): Promise<void> {
  return client.waitFor(
    async () => {
      const found = await nullIfNotFound(read());
      return found === null || found === undefined ? waitDone(undefined) : waitPending(found.status);
    },
    { what: `${subject} to be removed`, timeoutMs, ...pollPacing() },
  );
}

/** Deletes the object, then waits until reading it answers 404; an object already missing is done. */
export async function deleteAndWaitGone(
  client: ForgeClient,
  remove: () => Promise<unknown>,
  read: () => Promise<{ status: string | null }>,
  wait: RemovalWait,
): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (isForgeNotFound(error)) return;
    throw error;
  }
  await waitUntilGone(client, read, wait);
}
