/** The limit on live environments (`maxEnvironments`): a new preview is refused once the server holds that many. */
import type { PreviewSummary } from "./operations-port";

export type CapacityCheck = { allowed: true } | { allowed: false; live: PreviewSummary[]; max: number };

/** A PR whose stack already exists is never refused: `/preview` or `/update` on it replaces nothing new. */
export function checkCapacity(previews: readonly PreviewSummary[], stack: string, max: number): CapacityCheck {
  if (previews.some((p) => p.stack === stack)) return { allowed: true };
  return previews.length >= max ? { allowed: false, live: [...previews], max } : { allowed: true };
}

export function describeCapacityRefusal(check: Extract<CapacityCheck, { allowed: false }>): string {
  const rows = check.live
    .slice()
    .sort((a, b) => a.stack.localeCompare(b.stack))
    .map((p) => {
      // "PR 12", not "#12": the stack may belong to another app's repository, where GitHub's link would mislead.
      const updated = p.lastUpdate ? `, last updated ${p.lastUpdate}` : "";
      return `- \`${p.stack}\` (app \`${p.app}\` PR ${p.pr}${updated})`;
    });
  return (
    `All ${check.max} preview environments are in use (\`maxEnvironments\`), so no new one was created. ` +
    `Live environments:\n${rows.join("\n")}\n` +
    `Comment \`/destroy\` on a PR that no longer needs its preview, or raise \`maxEnvironments\`, then comment \`/preview\` again.`
  );
}
