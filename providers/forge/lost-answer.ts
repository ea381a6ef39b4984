import { ForgeError, type ForgeErrorKind } from "./errors";

const LOST_KINDS: ReadonlySet<ForgeErrorKind> = new Set(["network", "timeout", "server", "decode"]);

/**
 * Whether a failed write may still have happened on Forge: the request left, and no answer that says otherwise came
 * back. A timeout, a dropped connection, a 5xx or a 2xx whose body cannot be read all qualify; a refused connection
 * does not (nothing reached Forge), nor does any 4xx (Forge refused the request).
 */
export function isAnswerLost(error: unknown): error is ForgeError {
  // By `kind`, so an error from another loaded copy of the client counts too.
  if (!(error instanceof Error)) return false;
  const kind: unknown = Reflect.get(error, "kind");
  return LOST_KINDS.has(kind as ForgeErrorKind) && Reflect.get(error, "code") !== "ECONNREFUSED";
}

/**
 * A create whose answer was lost and whose object could not be found afterwards, by its owner mark, either because
 * nothing was created or because the look-up failed too. `cause` is the create's own error.
 */
export class ForgeLostCreateError extends ForgeError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

export interface LostCreateRecovery<T> {
  /** The object, e.g. "site `pr-1.example.dev` on server 1", for messages. */
  what: string;
  /** The owner mark the look-up proves, e.g. "the tag `forge-previews-demo-pr-1`", for messages. */
  mark: string;
  create(): Promise<T>;
  /** Finds the object by its owner mark; `undefined` when there is none. */
  find(): Promise<T | undefined>;
}

export interface CreateOutcome<T> {
  object: T;
  /** The create's answer was lost and the object was found by its owner mark instead; the lost error. */
  lost: ForgeError | null;
}

/** Creates sent in all when Forge answers 5xx and the look-up shows nothing was created. */
export const CREATE_ATTEMPTS = 3;

/**
 * Runs `create`; when its answer is lost (see {@link isAnswerLost}), looks the object up by its owner mark before
 * failing, so an object Forge made anyway is kept rather than left behind untracked. An answer that came back empty
 * (a 202 without the promised body) is resolved the same way. The look-up runs once: Forge records the object before
 * it answers a create, so one that is not listed by then was not created. When Forge answered 5xx and nothing was
 * created, the create is sent again (up to `CREATE_ATTEMPTS` in all): a timeout or a dropped connection is not,
 * since that create may still be running.
 */
export async function createOrFindAfterLostAnswer<T>(recovery: LostCreateRecovery<T>): Promise<CreateOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await createOnce(recovery);
    if (!("failure" in outcome)) return outcome;
    if (outcome.lost.kind !== "server" || attempt >= CREATE_ATTEMPTS) throw outcome.failure;
  }
}

async function createOnce<T>(
  recovery: LostCreateRecovery<T>,
): Promise<CreateOutcome<T> | { lost: ForgeError; failure: Error }> {
  try {
    return { object: await recovery.create(), lost: null };
  } catch (error) {
    if (!isAnswerLost(error)) throw error;
    let found: T | undefined;
    try {
      found = await recovery.find();
    } catch (lookupError) {
      const reason = lookupError instanceof Error ? lookupError.message : String(lookupError);
      throw new ForgeLostCreateError(
        `${error.message}. Forge may have created ${recovery.what} all the same, and looking for it by ${recovery.mark} ` +
          `failed too (${reason}); \`forge-previews destroy\` removes it if it exists, or run \`up\` again to adopt it`,
        error,
      );
    }
    if (found === undefined) {
      const failure = new ForgeLostCreateError(
        `${error.message}. No ${recovery.what} carrying ${recovery.mark} exists afterwards, so Forge did not create it; ` +
          "run `up` again",
        error,
      );
      return { lost: error, failure };
    }
    return { object: found, lost: error };
  }
}
