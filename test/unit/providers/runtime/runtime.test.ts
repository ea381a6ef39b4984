import * as pulumi from "@pulumi/pulumi";
import {
  PartialFailureError,
  UNKNOWN_SENTINEL,
  assertProviderModulePath,
  containsUnknown,
  createProviderShim,
  isPartialFailure,
  isUnknown,
  partialFailure,
  readStackConfig,
  shimRuntime,
  toJsonSafe,
  toJsonSafeObject,
  useStackConfig,
} from "../../../../providers/runtime";

describe("toJsonSafe", () => {
  it("turns undefined into null, keeping the key, at any depth", () => {
    expect(toJsonSafe({ a: undefined, b: [1, undefined], c: { d: undefined, e: "x" }, f: null })).toStrictEqual({
      a: null,
      b: [1, null],
      c: { d: null, e: "x" },
      f: null,
    });
  });

  it("returns a copy and leaves the input untouched", () => {
    const input = { nested: { value: undefined as string | undefined } };
    const safe = toJsonSafe(input);

    expect(safe).not.toBe(input);
    expect(input.nested).toStrictEqual({ value: undefined });
  });

  it("keeps objects without a prototype", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(toJsonSafe(bare)).toStrictEqual({ a: 1 });
  });

  it.each([
    ["a Date", { site: { createdAt: new Date(0) } }, "`outs.site.createdAt` is a Date; convert it with toISOString()"],
    ["a Buffer", { key: Buffer.from("k") }, "`outs.key` is a Buffer; encode it as a base64 or utf-8 string"],
    ["a function", { list: [1, () => 2] }, "`outs.list[1]` is a function"],
    ["NaN", { port: Number.NaN }, "`outs.port` is NaN, which JSON cannot carry"],
    ["Infinity", { port: Number.POSITIVE_INFINITY }, "`outs.port` is Infinity, which JSON cannot carry"],
    ["a bigint", { size: BigInt(2) ** BigInt(60) }, "`outs.size` is a bigint"],
    [
      "a Map",
      { tags: new Map([["a", "b"]]) },
      "`outs.tags` is an instance of Map; convert it with Object.fromEntries()",
    ],
    ["a class instance", { error: new Error("boom") }, "`outs.error` is an instance of Error"],
  ])("rejects %s, naming the property path", (_kind, value, message) => {
    expect(() => toJsonSafe(value, "outs")).toThrow(message);
  });

  it("rejects a cycle instead of recursing forever", () => {
    const node: Record<string, unknown> = { name: "a" };
    node.self = node;

    expect(() => toJsonSafe(node, "outs")).toThrow("`outs.self` refers back to one of its parents");
  });

  it("accepts the same object twice when it is not a cycle", () => {
    const shared = { a: 1 };
    expect(toJsonSafe({ x: shared, y: shared })).toStrictEqual({ x: { a: 1 }, y: { a: 1 } });
  });

  it("never quotes the offending value", () => {
    expect(() => toJsonSafe({ password: Buffer.from("hunter2-secret") }, "outs")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
    );
  });

  it("requires a plain object where a provider returns outs", () => {
    expect(() => toJsonSafeObject(["a"], "outs")).toThrow("`outs` must be a plain object, got an array");
    expect(toJsonSafeObject({ a: undefined })).toStrictEqual({ a: null });
  });
});

describe("isUnknown and containsUnknown", () => {
  it("uses the sentinel the Pulumi runtime sends for preview unknowns", () => {
    const rpc: { unknownValue: string } = require("@pulumi/pulumi/runtime/rpc");
    expect(UNKNOWN_SENTINEL).toBe(rpc.unknownValue);
  });

  it.each([
    [UNKNOWN_SENTINEL, true, true],
    ["a", false, false],
    [{ a: [1, { b: UNKNOWN_SENTINEL }] }, false, true],
    [{ a: [1, { b: "c" }] }, false, false],
    [null, false, false],
  ])("classifies %j as unknown=%s, containing unknown=%s", (value, unknown, contains) => {
    expect(isUnknown(value)).toBe(unknown);
    expect(containsUnknown(value)).toBe(contains);
  });
});

describe("partialFailure", () => {
  it("builds the error shape the host turns into ErrorResourceInitFailed", () => {
    const cause = new Error("site stuck in installing");
    const error = partialFailure("123", { status: "installing", finishedAt: undefined }, cause);

    expect(error).toBeInstanceOf(PartialFailureError);
    expect(error).toMatchObject({
      id: "123",
      properties: { status: "installing", finishedAt: null },
      reasons: ["site stuck in installing"],
      message: "site stuck in installing",
      cause,
    });
    expect(isPartialFailure(error)).toBe(true);
  });

  it("refuses an empty id, which the host would treat as a plain failure", () => {
    expect(() => partialFailure("", {}, new Error("x"))).toThrow("partialFailure needs the id");
  });

  it("does not mistake an ordinary error for a partial failure", () => {
    expect(isPartialFailure(new Error("x"))).toBe(false);
    expect(isPartialFailure(Object.assign(new Error("x"), { id: "" }))).toBe(false);
    expect(isPartialFailure({ id: "1" })).toBe(false);
  });
});

describe("readStackConfig", () => {
  const savedConfig = process.env.PULUMI_CONFIG;

  afterEach(() => {
    useStackConfig(undefined);
    if (savedConfig === undefined) delete process.env.PULUMI_CONFIG;
    else process.env.PULUMI_CONFIG = savedConfig;
  });

  it("resolves a bare key against the project, as Config.get does", () => {
    useStackConfig(new Map([["forge-previews:forgeToken", "from-configure"]]));

    expect(readStackConfig("forgeToken")).toBe("from-configure");
    expect(readStackConfig("forge-previews:forgeToken")).toBe("from-configure");
    expect(readStackConfig("other:forgeToken")).toBeUndefined();
  });

  it("prefers the config sent through configure over PULUMI_CONFIG", () => {
    process.env.PULUMI_CONFIG = JSON.stringify({ "forge-previews:forgeToken": "from-env", "forge-previews:url": "u" });
    useStackConfig(new Map([["forge-previews:forgeToken", "from-configure"]]));

    expect(readStackConfig("forgeToken")).toBe("from-configure");
    expect(readStackConfig("url")).toBe("u");
  });

  it("falls back to PULUMI_CONFIG when configure has not run", () => {
    process.env.PULUMI_CONFIG = JSON.stringify({ "forge-previews:forgeToken": "from-env", "forge-previews:n": 3 });

    expect(readStackConfig("forgeToken")).toBe("from-env");
    expect(readStackConfig("n")).toBe("3");
    expect(readStackConfig("missing")).toBeUndefined();
  });

  it("reports unreadable PULUMI_CONFIG without quoting it", () => {
    process.env.PULUMI_CONFIG = "{not json secret-123";

    expect(() => readStackConfig("x")).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^PULUMI_CONFIG is not valid JSON/) }),
    );
    expect(() => readStackConfig("x")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("secret-123") }),
    );
  });
});

describe("assertProviderModulePath", () => {
  it.each(["providers/forge-site", "providers/redis-db-slot", "test/fixtures/providers/note-file"])(
    "accepts %s",
    (p) => {
      expect(() => assertProviderModulePath(p)).not.toThrow();
    },
  );

  it.each([
    "providers/../secrets",
    "/work/main/providers/forge-site",
    "providers/forge-site.ts",
    "./providers/forge-site",
    "node_modules/x",
    "test/other/x",
    "providers",
    "providers/Forge_Site",
    "providers\\forge-site",
  ])("rejects %s", (p) => {
    expect(() => assertProviderModulePath(p)).toThrow(`Dynamic provider module path \`${p}\` is not allowed`);
  });
});

describe("createProviderShim", () => {
  it("returns one instance per module path, so the SDK serializes it once", () => {
    expect(createProviderShim("providers/some-kind")).toBe(createProviderShim("providers/some-kind"));
    expect(createProviderShim("providers/some-kind")).not.toBe(createProviderShim("providers/other-kind"));
  });

  it("rejects a module path outside providers/ and test/fixtures/", () => {
    expect(() => createProviderShim("../elsewhere")).toThrow("is not allowed");
  });

  it("serializes to the module path and a loader, never to config held in the process", async () => {
    useStackConfig(new Map([["forge-previews:forgeToken", "forge-token-in-memory"]]));
    const shim = createProviderShim("providers/serialized-kind");

    const { text } = await pulumi.runtime.serializeFunction(() => shim, { allowSecrets: true });
    useStackConfig(undefined);

    expect(text).toContain('implementationModule: "providers/serialized-kind"');
    expect(text).toContain('path.resolve(process.cwd(), "providers/provider-kit")');
    expect(text).not.toContain("forge-token-in-memory");
    expect(text).not.toMatch(/useStackConfig|readStackConfig|toJsonSafe|configured/);
  });
});

describe("shimRuntime, the host-side half of a shim", () => {
  const fixture = "test/fixtures/providers/incomplete-provider";

  it("refuses a module that does not export `provider`", async () => {
    await expect(shimRuntime.create("test/fixtures/providers/not-a-provider", {})).rejects.toThrow(
      "Dynamic provider module `test/fixtures/providers/not-a-provider` does not export `provider`",
    );
  });

  it("refuses a create that returns no id", async () => {
    await expect(shimRuntime.create(fixture, { mode: "no-id" })).rejects.toThrow(
      "create in `test/fixtures/providers/incomplete-provider` returned no id",
    );
  });

  it("names the property when create returns something JSON cannot carry", async () => {
    await expect(shimRuntime.create(fixture, { mode: "date" })).rejects.toThrow(
      "`test/fixtures/providers/incomplete-provider create outs.finishedAt` is a Date",
    );
  });

  it("turns undefined outputs into null", async () => {
    await expect(shimRuntime.create(fixture, { mode: "undefined" })).resolves.toStrictEqual({
      id: "sparse",
      outs: { finishedAt: null, tags: ["a", null] },
    });
  });

  it("adds __provider to a partial failure's properties, so destroy can load the provider from state", async () => {
    const rejection: unknown = await shimRuntime
      .create(fixture, { mode: "partial", __provider: "shim text" })
      .catch((error: unknown) => error);

    expect(rejection).toBeInstanceOf(PartialFailureError);
    expect(rejection).toMatchObject({
      id: "half",
      properties: { state: "installing", finishedAt: null, __provider: "shim text" },
    });
  });

  it("refuses an update that returns no outs, which would wipe the state", async () => {
    await expect(shimRuntime.update(fixture, "x", {}, {})).rejects.toThrow(
      "update in `test/fixtures/providers/incomplete-provider` returned no outs",
    );
  });

  it("passes inputs through check and reports unknown diffs when the implementation has neither", async () => {
    await expect(shimRuntime.check(fixture, {}, { mode: "a", __provider: "p" })).resolves.toStrictEqual({
      inputs: { mode: "a" },
    });
    await expect(shimRuntime.diff(fixture, "x", { mode: "a" }, { mode: "b" })).resolves.toStrictEqual({});
  });
});
