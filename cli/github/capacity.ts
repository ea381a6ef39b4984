/**
 * How the GitHub automation words a refusal of `maxEnvironments` (the rule itself is `cli/capacity.ts`) and of the
 * headroom floors (`cli/status/headroom.ts`).
 */
import type { CapacityCheck } from "../capacity";
import { describeHeadroomRefusal } from "../status/headroom";
import type { HeadroomCheck, PreviewSummary } from "./operations-port";

/** The headline while no slot is free: `🚫 No free slot (3/3)`. */
export function capacityHeadline(check: Extract<CapacityCheck<PreviewSummary>, { allowed: false }>): string {
  return `🚫 No free slot (${check.live.length}/${check.max})`;
}

export function describeCapacityRefusal(check: Extract<CapacityCheck<PreviewSummary>, { allowed: false }>): string {
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

/** The headline while the server is over a floor: `🚫 Server over its memory floor`. */
export function headroomHeadline(check: Extract<HeadroomCheck, { allowed: false }>): string {
  const what = check.failures.map((f) => (f.floor === "maxMemoryPercent" ? "memory" : "disk")).join(" and ");
  return `🚫 Server over its ${what} floor`;
}

export function describeHeadroomRefusalOnPr(stack: string, check: Extract<HeadroomCheck, { allowed: false }>): string {
  return describeHeadroomRefusal(stack, check, "comment `/preview` again");
}
