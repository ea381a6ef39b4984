/**
 * `it.each` rows `[input, message]` from inputs grouped under the message each must be refused with, so a table of
 * many inputs per message spells each message once.
 */
export function casesByMessage(groups: Record<string, readonly string[]>): Array<[string, string]> {
  return Object.entries(groups).flatMap(([message, inputs]) =>
    inputs.map((input): [string, string] => [input, message]),
  );
}
