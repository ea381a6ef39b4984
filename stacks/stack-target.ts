/** Resolves a stack name against the configuration: which app and PR a preview stack is, or the snapshots stack. */
import { UserError } from "../providers/common/user-error";
import { PlainConfig } from "./config-rules";
import { PreviewNames, buildPreviewNames, buildStackName, parseStackName } from "./naming";

export type StackTarget = { kind: "preview"; names: PreviewNames } | { kind: "snapshots" };

export function resolveStackTarget(
  stack: string,
  config: Pick<PlainConfig, "apps" | "defaultApp" | "previewDomain" | "snapshotsStack">,
): StackTarget {
  const parsed = parseStackName(stack, config.snapshotsStack);
  if (parsed.kind === "snapshots") return parsed;
  const configured = Object.keys(config.apps);
  if (parsed.app === null) {
    if (config.defaultApp === null) {
      throw new UserError(
        `Stack ${stack} names no app, and no default app is set while ${configured.length} apps are configured. ` +
          `Use \`${buildStackName({ app: "<app>", pr: parsed.pr })}\` (one of: ${configured.join(", ")}) or set \`defaultApp\`.`,
      );
    }
    return {
      kind: "preview",
      names: buildPreviewNames({
        app: config.defaultApp,
        pr: parsed.pr,
        isDefaultApp: true,
        previewDomain: config.previewDomain,
      }),
    };
  }
  if (!config.apps[parsed.app]) {
    throw new UserError(
      `Stack ${stack} names app \`${parsed.app}\`, which is not configured. Configured apps: ${configured.join(", ")}.`,
    );
  }
  if (parsed.app === config.defaultApp) {
    // One environment must have one stack; two names for it would let two stacks fight over the same site.
    throw new UserError(
      `\`${parsed.app}\` is the default app, so its preview stack is \`${buildStackName({ app: null, pr: parsed.pr })}\`, not ${stack}.`,
    );
  }
  return {
    kind: "preview",
    names: buildPreviewNames({
      app: parsed.app,
      pr: parsed.pr,
      isDefaultApp: false,
      previewDomain: config.previewDomain,
    }),
  };
}
