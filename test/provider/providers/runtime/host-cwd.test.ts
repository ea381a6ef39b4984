import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { type CapturedRegistration, captureRegistration } from "../../../support/capture-provider";
import { type DynamicHost, DynamicHostCallError, startDynamicHost, urnFor } from "../../../support/dynamic-host";

describe("a provider-kit shim in a host started outside the project root", () => {
  let elsewhere: string;
  let host: DynamicHost;
  let registration: CapturedRegistration;

  beforeAll(async () => {
    elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), "not-the-project-"));
    registration = await captureRegistration(async () => {
      const { NoteFile } = await import("../../../fixtures/providers/note-file");
      return new NoteFile("stray", { directory: elsewhere, name: "stray", body: "x", failAfterWrite: false });
    });
    host = await startDynamicHost({ cwd: elsewhere });
  });

  afterAll(async () => {
    await host?.close();
    await fs.rm(elsewhere, { recursive: true, force: true });
  });

  it("fails naming the path it looked in, because implementations resolve against the host's cwd", async () => {
    const rejection: unknown = await host
      .check(urnFor(registration.type, registration.name), {}, registration.inputs)
      .catch((error: unknown) => error);

    expect(rejection).toBeInstanceOf(DynamicHostCallError);
    expect((rejection as DynamicHostCallError).details).toContain(
      `Cannot find ${path.join(elsewhere, "providers", "provider-kit")} (.js or .ts): the dynamic-provider host loads ` +
        "providers from its working directory, which must be the Pulumi project root",
    );
    expect(await fs.readdir(elsewhere)).toStrictEqual([]);
  });
});
