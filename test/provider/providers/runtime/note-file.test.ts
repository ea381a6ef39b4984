import { createHmac } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { CapturedRegistration } from "../../../support/capture-provider";
import { type DynamicHost, DynamicHostCallError, UNKNOWN } from "../../../support/dynamic-host";
import { type ProviderHost, startProviderHost } from "../../../support/provider-host";
import { IN_PLACE, NO_CHANGES, replacing } from "../../../support/diff-outcomes";

const SIGNING_KEY = "note-key-SECRET-4711";

describe("a provider-kit shim driven through the real dynamic-provider host", () => {
  let directory: string;
  let fixture: ProviderHost;
  let host: DynamicHost;
  let registration: CapturedRegistration;
  let urn: string;
  let inputs: Record<string, unknown>;

  const listDirectory = (): Promise<string[]> => fs.readdir(directory).then((names) => names.sort());
  const readNote = (name: string): Promise<string> => fs.readFile(path.join(directory, `${name}.txt`), "utf8");
  const signatureOf = (body: string): string => createHmac("sha256", SIGNING_KEY).update(body).digest("hex");
  const withInputs = (changes: Record<string, unknown>): Record<string, unknown> => ({ ...inputs, ...changes });

  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), "note-file-"));
    fixture = await startProviderHost({
      register: async () => {
        const { NoteFile } = await import("../../../fixtures/providers/note-file");
        return new NoteFile("greeting", { directory, name: "greeting", body: "hello", failAfterWrite: false });
      },
      host: { config: { "forge-previews:noteSigningKey": SIGNING_KEY } },
    });
    ({ host, registration, urn, inputs } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    await fs.rm(directory, { recursive: true, force: true });
  });

  it("serializes only the implementation's module path into __provider", () => {
    expect(registration.type).toBe("pulumi-nodejs:dynamic/fixtures:NoteFile");
    expect(registration.providerIsSecret).toBe(false);
    expect(registration.providerText).toContain('implementationModule: "test/fixtures/providers/note-file"');
    expect(registration.providerText).not.toMatch(/writeFile|readStackConfig|createHmac/);
    expect(registration.providerText.length).toBeLessThan(6_000);
  });

  it("rejects an invalid name with a CheckFailure naming the property", async () => {
    const checked = await host.check(urn, {}, withInputs({ name: "Not A Name" }));

    expect(checked.failures).toStrictEqual([
      { property: "name", reason: "`name` must be 1-40 lower-case letters, digits or dashes" },
    ]);
  });

  it("checks valid inputs into the shape create receives, keeping __provider", async () => {
    const checked = await host.check(urn, {}, inputs);

    expect(checked.failures).toStrictEqual([]);
    expect(checked.inputs).toStrictEqual({
      directory,
      name: "greeting",
      body: "hello",
      failAfterWrite: false,
      __provider: registration.providerText,
    });
  });

  it("checks and diffs unknown preview values without touching the directory", async () => {
    const before = await listDirectory();

    const checked = await host.check(urn, {}, withInputs({ body: UNKNOWN, name: UNKNOWN }));
    const diffed = await host.diff(
      urn,
      "some-id",
      { ...inputs, path: "p" },
      withInputs({ body: UNKNOWN, name: UNKNOWN }),
    );

    expect(checked.failures).toStrictEqual([]);
    expect(checked.inputs).toMatchObject({ body: UNKNOWN, name: UNKNOWN });
    expect(diffed).toStrictEqual(replacing(["name"], "delete-first"));
    expect(await listDirectory()).toStrictEqual(before);
  });

  describe("lifecycle of one note", () => {
    let id: string;
    let outs: Record<string, unknown>;

    it("creates the file and returns JSON-safe outputs", async () => {
      const checked = await host.check(urn, {}, inputs);
      ({ id, outs } = await host.create(urn, checked.inputs));

      const file = path.join(directory, "greeting.txt");
      expect(id).toBe(file);
      expect(await readNote("greeting")).toBe(`signature: ${signatureOf("hello")}\nhello`);
      expect(outs).toStrictEqual({
        directory,
        name: "greeting",
        body: "hello",
        failAfterWrite: false,
        path: file,
        bytes: Buffer.byteLength(`signature: ${signatureOf("hello")}\nhello`),
        signature: signatureOf("hello"),
        __provider: registration.providerText,
      });
    });

    it("reports no changes when the inputs match the state", async () => {
      expect(await host.diff(urn, id, outs, inputs)).toStrictEqual(NO_CHANGES);
    });

    it("reports an in-place change when only the body changes", async () => {
      expect(await host.diff(urn, id, outs, withInputs({ body: "hello again" }))).toStrictEqual(IN_PLACE);
    });

    it("asks for delete-before-replace when the name changes", async () => {
      expect(await host.diff(urn, id, outs, withInputs({ name: "farewell" }))).toStrictEqual(
        replacing(["name"], "delete-first"),
      );
    });

    it("updates the file in place and returns the new outputs", async () => {
      ({ outs } = await host.update(urn, id, outs, withInputs({ body: "hello again" })));

      expect(await readNote("greeting")).toBe(`signature: ${signatureOf("hello again")}\nhello again`);
      expect(outs).toMatchObject({ body: "hello again", signature: signatureOf("hello again"), path: id });
      expect(outs.__provider).toBe(registration.providerText);
    });

    it("reads the body on disk back into the state, so refresh sees drift", async () => {
      await fs.writeFile(id, "signature: none\nedited by hand");

      const read = await host.read(urn, id, outs);

      expect(read.id).toBe(id);
      expect(read.props).toMatchObject({ body: "edited by hand", path: id, __provider: registration.providerText });
    });

    it("deletes the file", async () => {
      await host.delete(urn, id, outs);

      expect(await listDirectory()).not.toContain("greeting.txt");
    });

    it("answers a read of the deleted file with an empty id, so refresh drops it", async () => {
      const read = await host.read(urn, id, outs);

      expect(read.id).toBe("");
    });

    it("treats deleting an already-deleted file as done", async () => {
      await expect(host.delete(urn, id, outs)).resolves.toBeUndefined();
    });
  });

  it("keeps the id and state of a half-created note as a partial failure that can still be deleted", async () => {
    const broken = withInputs({ name: "half", failAfterWrite: true });
    const file = path.join(directory, "half.txt");

    const error: unknown = await host.create(urn, broken).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );

    expect(error).toBeInstanceOf(DynamicHostCallError);
    const callError = error as DynamicHostCallError;
    expect(callError.details).toBe(`note-file: wrote ${file} but was told to fail afterwards`);
    expect(callError.initFailure).toStrictEqual({
      id: file,
      properties: expect.objectContaining({ path: file, name: "half", __provider: registration.providerText }),
      reasons: [`note-file: wrote ${file} but was told to fail afterwards`],
    });
    expect(await listDirectory()).toContain("half.txt");

    // The engine keeps these properties as the object's state; destroy hands them back.
    await host.delete(urn, file, callError.initFailure?.properties ?? {});
    expect(await listDirectory()).not.toContain("half.txt");
  });

  it("signs with a secret read from stack config at call time that shows up in neither __provider, outputs nor logs", async () => {
    const { outs } = await host.create(urn, withInputs({ name: "signed", body: "sign me" }));
    await host.waitForLog(/note-file: wrote .*signed\.txt/);

    expect(outs.signature).toBe(signatureOf("sign me"));
    expect(registration.providerText).not.toContain(SIGNING_KEY);
    expect(JSON.stringify(outs)).not.toContain(SIGNING_KEY);
    expect(host.logs()).not.toContain(SIGNING_KEY);
    expect(await readNote("signed")).not.toContain(SIGNING_KEY);
  });
});
