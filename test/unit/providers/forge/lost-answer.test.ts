import {
  ForgeDecodeError,
  ForgeLostCreateError,
  ForgeNetworkError,
  ForgeServerError,
  ForgeTimeoutError,
  ForgeValidationError,
  createOrFindAfterLostAnswer,
  isAnswerLost,
} from "../../../../providers/forge";

const init = (status: number) => ({
  status,
  method: "POST",
  path: "/orgs/acme/servers/1/sites",
  body: null,
  detail: "x",
  retryAfterMs: null,
  operation: null,
});
const cause = new Error("transport");

describe("isAnswerLost", () => {
  it.each([
    ["a timeout", new ForgeTimeoutError("POST", "/p", "ECONNABORTED", 30_000, cause), true],
    ["a dropped connection", new ForgeNetworkError("POST", "/p", "ECONNRESET", "socket hang up", cause), true],
    ["a 5xx", new ForgeServerError(init(502)), true],
    ["a 2xx whose body cannot be read", new ForgeDecodeError("unreadable"), true],
    [
      "a refused connection, which never reached Forge",
      new ForgeNetworkError("POST", "/p", "ECONNREFUSED", "refused", cause),
      false,
    ],
    ["a 422, which Forge refused", new ForgeValidationError(init(422), { name: ["taken"] }), false],
    ["an error that is not Forge's", new Error("bug"), false],
  ])("says %s is %s", (_what, error, lost) => {
    expect(isAnswerLost(error)).toBe(lost);
  });
});

describe("createOrFindAfterLostAnswer", () => {
  const recovery = (create: () => Promise<string>, find: () => Promise<string | undefined>) => ({
    what: "site `pr-1.example.test` on server 1",
    mark: "the tag `forge-previews-demo-pr-1`",
    create,
    find,
  });

  it("returns what the create answered without looking anything up", async () => {
    const find = jest.fn(async () => "found");

    await expect(createOrFindAfterLostAnswer(recovery(async () => "created", find))).resolves.toStrictEqual({
      object: "created",
      lost: null,
    });
    expect(find).not.toHaveBeenCalled();
  });

  it("returns the object found by its owner mark when the answer was lost, with the lost error", async () => {
    const timeout = new ForgeTimeoutError("POST", "/p", "ECONNABORTED", 30_000, cause);

    const outcome = await createOrFindAfterLostAnswer(
      recovery(
        () => Promise.reject(timeout),
        async () => "found",
      ),
    );

    expect(outcome).toStrictEqual({ object: "found", lost: timeout });
  });

  it("fails saying Forge did not create it when the look-up finds nothing after a 5xx on every one of three tries", async () => {
    const create = jest.fn(() => Promise.reject(new ForgeServerError(init(500))));
    const failure = createOrFindAfterLostAnswer(recovery(create, async () => undefined));

    await expect(failure).rejects.toThrow(ForgeLostCreateError);
    expect(create).toHaveBeenCalledTimes(3);
    await expect(failure).rejects.toThrow(
      /failed with 500: x\. No site `pr-1\.example\.test` on server 1 carrying the tag `forge-previews-demo-pr-1` exists afterwards/,
    );
  });

  it("sends the create again when Forge answered 5xx and the look-up shows nothing was created", async () => {
    const create = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new ForgeServerError(init(503)))
      .mockResolvedValueOnce("created");

    await expect(createOrFindAfterLostAnswer(recovery(create, async () => undefined))).resolves.toStrictEqual({
      object: "created",
      lost: null,
    });
    expect(create).toHaveBeenCalledTimes(2);
  });

  it("does not send the create again after a timeout, which may still be creating the object", async () => {
    const create = jest.fn(() => Promise.reject(new ForgeTimeoutError("POST", "/p", "ECONNABORTED", 30_000, cause)));

    await expect(createOrFindAfterLostAnswer(recovery(create, async () => undefined))).rejects.toThrow(
      ForgeLostCreateError,
    );
    expect(create).toHaveBeenCalledTimes(1);
  });

  it("fails naming both errors and the way out when the look-up fails too", async () => {
    const failure = createOrFindAfterLostAnswer(
      recovery(
        () => Promise.reject(new ForgeTimeoutError("POST", "/p", "ECONNABORTED", 30_000, cause)),
        () => Promise.reject(new Error("GET failed with 403")),
      ),
    );

    await expect(failure).rejects.toThrow(
      /timed out after 30000 ms\. Forge may have created .* failed too \(GET failed with 403\); `forge-previews destroy` removes it/,
    );
  });

  it("rethrows a refusal as it is, without a look-up", async () => {
    const refusal = new ForgeValidationError(init(422), { name: ["taken"] });
    const find = jest.fn(async () => "found");

    await expect(createOrFindAfterLostAnswer(recovery(() => Promise.reject(refusal), find))).rejects.toBe(refusal);
    expect(find).not.toHaveBeenCalled();
  });
});
