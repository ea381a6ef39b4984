/**
 * The commands a hint tells a person to run: our CLI's (or a PR comment), never raw `pulumi`, which needs the stack,
 * its config and the backend set up by hand (issue #13). Every `forge-previews up` refreshes first, so running it
 * again is how an object deleted or changed by hand is recreated.
 */

/** The preview a hint is about, when the resource knows it. */
export interface PreviewOfHint {
  app: string;
  pr: number;
}

/** `forge-previews <command> --app <app> --pr <n>` in backticks, with the preview's own app and PR when given. */
export function previewCommand(command: "refresh" | "destroy", preview: PreviewOfHint | null = null): string {
  const target = preview === null ? "--app <app> --pr <n>" : `--app ${preview.app} --pr ${preview.pr}`;
  return `\`forge-previews ${command} ${target}\``;
}

/** Running the preview's `up` again, from a laptop or from the PR. */
export const RUN_UP_AGAIN = "run `forge-previews up` for the PR again (or comment `/update` on it)";

/** The next `up` of the preview, from a laptop or from the PR; `upperFirst(NEXT_UP)` starts a sentence. */
export const NEXT_UP = "the next `up` (`forge-previews up`, or `/update` on the PR)";

export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
