// The life of one PR stack under the real engine: init, config, up, an idempotent second up, refresh after drift,
// destroy and removal, each checked on the file the fixture's dynamic provider manages and on the CLI's JSON output.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";

import { OperationReport, parseEngineEvents } from "./engine-json";
import { PulumiWorkspace, sdkVersion } from "./pulumi-engine";

// Every step below starts the CLI, the language host, ts-node and the dynamic-provider host from scratch.
jest.setTimeout(300_000);

const stack = "pr-4242";
const resourceType = "pulumi-nodejs:dynamic/fixture:ManagedFile";
const declaredContent = "preview environment for PR 4242\n";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function stepsOf(report: OperationReport, type: string): { op: string; outputs?: Record<string, unknown> }[] {
  return report.steps.filter((step) => step.type === type);
}

describe("a PR stack of the fixture project under the real pulumi engine", () => {
  let workspace: PulumiWorkspace;
  let filesDir: string;
  let filePath: string;

  beforeAll(async () => {
    workspace = await PulumiWorkspace.create({ projectSource: path.join(__dirname, "fixture") });
    filesDir = await mkdtemp(path.join(tmpdir(), "engine-files-"));
    filePath = path.join(filesDir, `${stack}.txt`);
  });

  afterAll(async () => {
    await workspace?.dispose();
    if (filesDir) {
      await rm(filesDir, { recursive: true, force: true });
    }
  });

  it("runs the CLI built at the SDK's version", async () => {
    expect(await workspace.version()).toBe(`v${await sdkVersion()}`);
  });

  it("lists a stack after `stack init` and not before", async () => {
    const before = await workspace.stackList();
    expect(before.map((s) => s.name)).not.toContain(stack);

    await workspace.stackInit(stack);

    const after = await workspace.stackList();
    expect(after).toEqual([expect.objectContaining({ name: stack, current: true })]);
  });

  it("plans the file on `preview` without writing it", async () => {
    await workspace.configSet(stack, "directory", filesDir);
    await workspace.configSet(stack, "content", declaredContent);

    const report = await workspace.preview(stack);

    expect(report.changes).toEqual({ create: 2 });
    expect(stepsOf(report, resourceType).map((s) => s.op)).toEqual(["create"]);
    expect(existsSync(filePath)).toBe(false);
  });

  it("creates the file on `up` and exports its path, content and digest", async () => {
    const report = await workspace.up(stack);

    expect(report.changes).toEqual({ create: 2 }); // the stack itself and the file
    expect(stepsOf(report, resourceType)).toEqual([
      expect.objectContaining({ op: "create", outputs: expect.objectContaining({ path: filePath }) }),
    ]);
    expect(await readFile(filePath, "utf8")).toBe(declaredContent);
    expect(await workspace.stackOutputs(stack)).toEqual({
      filePath,
      fileContent: declaredContent,
      fileSha256: sha256(declaredContent),
    });
    const listed = (await workspace.stackList()).find((s) => s.name === stack);
    expect(listed?.lastUpdate).toEqual(expect.any(String));
  });

  it("reports no changes on a second `up` with the same config", async () => {
    const report = await workspace.up(stack);

    expect(report.changes).toEqual({ same: 2 });
    expect(stepsOf(report, resourceType).map((s) => s.op)).toEqual(["same"]);
    expect(await readFile(filePath, "utf8")).toBe(declaredContent);
  });

  it("records an out-of-band edit on `refresh`, and the next `up` writes the declared content back", async () => {
    const drifted = "edited by hand\n";
    await writeFile(filePath, drifted);

    const refreshed = await workspace.refresh(stack);

    expect(refreshed.changes).toEqual(expect.objectContaining({ update: 1 }));
    const state = await workspace.stackExport(stack);
    expect(state.find((r) => r.type === resourceType)?.outputs).toEqual(
      expect.objectContaining({ content: drifted, sha256: sha256(drifted) }),
    );

    const repaired = await workspace.up(stack);

    expect(repaired.changes).toEqual(expect.objectContaining({ update: 1 }));
    expect(stepsOf(repaired, resourceType).map((s) => s.op)).toEqual(["update"]);
    expect(await readFile(filePath, "utf8")).toBe(declaredContent);
  });

  it("deletes the file on `destroy` and leaves no resources in the state", async () => {
    const report = await workspace.destroy(stack);

    expect(report.changes).toEqual({ delete: 2 });
    expect(existsSync(filePath)).toBe(false);
    expect(await workspace.stackExport(stack)).toEqual([]);
  });

  it("drops the stack from `stack ls` after `stack rm`", async () => {
    await workspace.stackRemove(stack);

    expect((await workspace.stackList()).map((s) => s.name)).not.toContain(stack);
  });
});

describe("the language host's handling of stack config under the real pulumi engine", () => {
  const configStack = "pr-4243";
  let workspace: PulumiWorkspace;
  let filesDir: string;

  beforeAll(async () => {
    workspace = await PulumiWorkspace.create({ projectSource: path.join(__dirname, "fixture") });
    filesDir = await mkdtemp(path.join(tmpdir(), "engine-files-"));
    await workspace.stackInit(configStack);
    await workspace.configSet(configStack, "directory", filesDir);
  });

  afterAll(async () => {
    await workspace?.dispose();
    if (filesDir) {
      await rm(filesDir, { recursive: true, force: true });
    }
  });

  it("fails `up` with the program's own error, reported once, when required config is missing", async () => {
    const run = await workspace.runAllowingFailure(["up", "--stack", configStack, "--yes", "--skip-preview", "--json"]);

    expect(run.exitCode).not.toBe(0);
    const errors = parseEngineEvents(run.stdout).diagnostics.filter((d) => d.severity === "error");
    expect(errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining("stack config `content` is required") }),
    ]);
    expect(existsSync(path.join(filesDir, `${configStack}.txt`))).toBe(false);
  });

  it("hands a secret config value to the program decrypted", async () => {
    const secret = "s3cret-value";
    await workspace.configSet(configStack, "content", secret, { secret: true });

    await workspace.up(configStack);

    expect(await readFile(path.join(filesDir, `${configStack}.txt`), "utf8")).toBe(secret);
    await workspace.destroy(configStack);
    expect(existsSync(path.join(filesDir, `${configStack}.txt`))).toBe(false);
  });
});
