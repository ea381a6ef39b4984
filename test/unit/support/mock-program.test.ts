import * as pulumi from "@pulumi/pulumi";
import { type MockProgram, installMocks, promiseOf } from "../../support/mock-program";

class Thing extends pulumi.CustomResource {
  declare readonly computed: pulumi.Output<string>;

  constructor(name: string, props: Record<string, unknown>) {
    super("test:index:Thing", name, props);
  }
}

describe("installMocks", () => {
  let program: MockProgram;

  beforeAll(async () => {
    program = await installMocks({
      config: { region: "eu", "other:flag": "on", forgeToken: "t-123" },
      secretConfigKeys: ["forgeToken"],
      calls: { "test:index:lookup": (inputs) => ({ answer: `${String(inputs.question)}!` }) },
      outputsFor: (args) => (args.type === "test:index:Thing" ? { computed: `${args.name}-computed` } : undefined),
    });
  });

  beforeEach(() => program.reset());

  it("records each registration with its inputs and returns them, plus extra outputs, as state", async () => {
    const thing = new Thing("one", { size: 2, computed: undefined });

    expect(await promiseOf(thing.id)).toBe("one-id");
    expect(await promiseOf(thing.urn)).toBe("urn:pulumi:pr-123::forge-previews::test:index:Thing::one");
    expect(await promiseOf(thing.computed)).toBe("one-computed");
    expect(program.registration("one")).toMatchObject({ type: "test:index:Thing", inputs: { size: 2 } });
    expect(program.registrations).toHaveLength(1);
  });

  it("forgets registrations on reset", () => {
    expect(program.registrations).toStrictEqual([]);
    expect(() => program.registration("one")).toThrow("expected one registration named one, found 0");
  });

  it("serves config by bare and namespaced key, and keeps secret keys secret", async () => {
    const config = new pulumi.Config();

    expect(config.get("region")).toBe("eu");
    expect(new pulumi.Config("other").get("flag")).toBe("on");
    const token = config.requireSecret("forgeToken");
    expect(await pulumi.isSecret(token)).toBe(true);
    expect(await promiseOf(token)).toBe("t-123");
  });

  it("answers known invokes and throws on any other token", async () => {
    const answer = await pulumi.runtime.invoke("test:index:lookup", { question: "why" });

    expect(answer).toStrictEqual({ answer: "why!" });
    await expect(pulumi.runtime.invoke("test:index:unknown", {})).rejects.toThrow(
      "unexpected invoke `test:index:unknown`: add it to `calls` in installMocks",
    );
    expect(program.calls.map((call) => call.token)).toStrictEqual(["test:index:lookup", "test:index:unknown"]);
  });
});
