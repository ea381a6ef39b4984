/**
 * The project configuration for the GitHub commands: the shared configuration the workflow passes
 * (`FORGE_PREVIEWS_CONFIG` or `FORGE_PREVIEWS_CONFIG_FILE`, read by `cli/cli-config.ts`) plus which secrets are set,
 * validated by the same rules the stacks use. These commands need it before any stack is touched: the app of the
 * repository, its stack name, and `maxEnvironments`.
 */
import { UserError } from "../../providers/common/user-error";
import { type PlainConfig, parsePlainConfig } from "../../stacks/config-rules";
import { buildPreviewNames } from "../../stacks/naming";
import { CONFIG_ENV, type Env, readConfigSource, toRawConfig } from "../cli-config";

export function readProjectConfig(env: Env): PlainConfig {
  const source = readConfigSource(env);
  if (source.kind !== "shared") {
    throw new UserError(
      `The GitHub commands need the shared configuration in ${CONFIG_ENV.inline} (the workflow's \`config\` input) or ` +
        `${CONFIG_ENV.file}; they read the apps, their repositories and \`maxEnvironments\` before any stack is touched.`,
    );
  }
  const { raw, secretsSet } = toRawConfig(source.entries);
  return parsePlainConfig(raw, secretsSet);
}

export interface AppTarget {
  app: string;
  isDefaultApp: boolean;
  /** The app as operations expect it: null for the default app. */
  refApp: string | null;
}

/**
 * The app of the repository the event came from: the one named by the workflow's `app` input, or else the one whose
 * `repository` is this repository. A named app must belong to this repository, so one repository cannot act on
 * another's previews.
 */
export function resolveAppForRepository(
  config: PlainConfig,
  repoFullName: string,
  requested: string | null,
): AppTarget {
  const matching = Object.values(config.apps).filter((a) => a.repository.toLowerCase() === repoFullName.toLowerCase());
  let app: string;
  if (requested !== null && requested !== "") {
    const configured = config.apps[requested];
    if (!configured)
      throw new UserError(
        `App \`${requested}\` (the workflow's \`app\` input) is not in the \`apps\` config; configured: ${Object.keys(config.apps).join(", ")}.`,
      );
    if (configured.repository.toLowerCase() !== repoFullName.toLowerCase()) {
      throw new UserError(
        `App \`${requested}\` belongs to ${configured.repository}, not ${repoFullName}; fix the workflow's \`app\` input or the app's \`repository\`.`,
      );
    }
    app = requested;
  } else if (matching.length === 1) {
    app = matching[0].name;
  } else if (matching.length === 0) {
    throw new UserError(
      `No app in the \`apps\` config has \`repository: ${repoFullName}\`; add one, or set the workflow's \`app\` input.`,
    );
  } else {
    throw new UserError(
      `Several apps have \`repository: ${repoFullName}\` (${matching.map((a) => a.name).join(", ")}); set the workflow's \`app\` input to choose one.`,
    );
  }
  const isDefaultApp = app === config.defaultApp;
  return { app, isDefaultApp, refApp: isDefaultApp ? null : app };
}

export function stackFor(config: PlainConfig, target: AppTarget, pr: number): string {
  return buildPreviewNames({
    app: target.app,
    pr,
    isDefaultApp: target.isDefaultApp,
    previewDomain: config.previewDomain,
  }).stack;
}
