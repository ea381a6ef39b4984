/**
 * What a `pulumi` child (and so the program and providers it starts) sees of the workflow's environment: the runner
 * the operations build for a project context starts a stand-in `pulumi` that writes its environment to a file.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PACKAGE_ROOT, pulumiFor, resolveProjectContext } from "../../../cli/pulumi/project";

let root: string;
let binDir: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "pulumi-child-env-"));
  binDir = path.join(root, "bin");
  mkdirSync(binDir);
  writeFileSync(path.join(binDir, "pulumi"), '#!/bin/sh\nenv > "$ENV_DUMP"\n');
  chmodSync(path.join(binDir, "pulumi"), 0o755);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The variables of a workflow's privileged step, as preview.yml passes them. */
function workflowEnv(backend: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    ENV_DUMP: path.join(root, "env"),
    PULUMI_CLI_BIN_DIR: binDir,
    FORGE_PREVIEWS_PROJECT_DIR: PACKAGE_ROOT,
    GITHUB_TOKEN: "ghs_workflowtoken000000000000000000",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-request-token",
    FORGE_PREVIEWS_CONFIG: '{"forge-previews:forgeOrg":"acme"}',
    FORGE_TOKEN: "forge-token-abc",
    FORGE_PREVIEWS_SSH_PRIVATE_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----",
    FORGE_PREVIEWS_REDIS_PASSWORD: "redis-pw",
    FORGE_PREVIEWS_MYSQL_PASSWORD: "mysql-pw",
    FORGE_PREVIEWS_SUDO_PASSWORD: "sudo-pw",
    FORGE_PREVIEWS_BASIC_AUTH_PASSWORD: "basic-pw",
    PULUMI_BACKEND_URL: backend,
    PULUMI_CONFIG_PASSPHRASE: "stack passphrase",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "aws-secret",
    GOOGLE_APPLICATION_CREDENTIALS: "/tmp/gcp.json",
    FORGE_PREVIEWS_ALERT_WEBHOOK: "https://hooks.slack.test/services/alert-hook-secret",
    FORGE_PREVIEWS_ALERT_TOKEN: "ghp_alerttoken000000000000000000",
  };
}

async function childEnv(env: Record<string, string>): Promise<Record<string, string>> {
  await pulumiFor(resolveProjectContext({ env }), []).run(["version"]);
  return Object.fromEntries(
    readFileSync(path.join(root, "env"), "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

describe("the environment of a pulumi child", () => {
  it("holds no GitHub token and none of the secrets that reach the stack as config", async () => {
    const env = await childEnv(workflowEnv("s3://forge-previews-state?region=eu-west-1"));
    for (const name of [
      "GITHUB_TOKEN",
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "FORGE_TOKEN",
      "FORGE_PREVIEWS_SSH_PRIVATE_KEY",
      "FORGE_PREVIEWS_REDIS_PASSWORD",
      "FORGE_PREVIEWS_MYSQL_PASSWORD",
      "FORGE_PREVIEWS_SUDO_PASSWORD",
      "FORGE_PREVIEWS_BASIC_AUTH_PASSWORD",
      "GOOGLE_APPLICATION_CREDENTIALS",
      "FORGE_PREVIEWS_ALERT_WEBHOOK",
      "FORGE_PREVIEWS_ALERT_TOKEN",
    ])
      expect([name, env[name]]).toEqual([name, undefined]);
    const dump = readFileSync(path.join(root, "env"), "utf8");
    for (const value of [
      "ghs_workflowtoken",
      "forge-token-abc",
      "redis-pw",
      "mysql-pw",
      "sudo-pw",
      "basic-pw",
      "alert-hook-secret",
      "ghp_alerttoken",
    ])
      expect(dump).not.toContain(value);
  });

  it("keeps what pulumi needs: the backend, its cloud credentials and the passphrase", async () => {
    const env = await childEnv(workflowEnv("s3://forge-previews-state?region=eu-west-1"));
    expect(env).toMatchObject({
      PULUMI_BACKEND_URL: "s3://forge-previews-state?region=eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      PULUMI_CONFIG_PASSPHRASE: "stack passphrase",
    });
  });

  it("withholds AWS credentials from a child whose backend is not S3", async () => {
    const env = await childEnv(workflowEnv(`file://${root}/state`));
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(env.PULUMI_CONFIG_PASSPHRASE).toBe("stack passphrase");
  });
});
