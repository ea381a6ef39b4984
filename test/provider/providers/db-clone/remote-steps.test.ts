import { readdirSync } from "node:fs";
import { RemoteCommandError } from "../../../../providers/db-clone/errors";
import { runSteps } from "../../../../providers/db-clone/remote-steps";
import { withWorkDir } from "../../../../providers/db-clone/work-dir";
import { type SshSession, buildShellCommand } from "../../../../providers/ssh";
import { type RecordingRunner, openRunner } from "../../../support/db-clone";

jest.setTimeout(60_000);

const OPTIONS = { timeoutMs: 30_000, maxOutputBytes: 1024 * 1024 };
const sh = (script: string): string => buildShellCommand(["sh", "-c", script]);

describe("runSteps: several server-side steps in one SSH round trip", () => {
  let runner: RecordingRunner;
  let session: SshSession;

  beforeAll(async () => {
    ({ runner, session } = await openRunner());
  });

  afterAll(async () => {
    await session?.close();
  });

  const inWorkDir = <T>(fn: (dir: string) => Promise<T>): Promise<T> => withWorkDir(runner, "steps_pr_1", fn);

  it("runs steps in order, in parallel groups, with their own stdin, in a single command, and returns the asked-for outputs", async () => {
    const tricky =
      "line one\n$HOME `id` 'quoted' \"double\"\n@@fp-0000000000000000 output 0 5\nFP_IN_x_0\nno trailing newline";
    const { outputs, calls, files } = await inWorkDir(async (dir) => {
      const before = runner.calls.length;
      const outputs = await runSteps(
        runner,
        [
          { step: "write a", command: sh(`printf first > ${dir}/order`) },
          [
            { step: "echo stdin", command: "cat", stdin: tricky, output: true },
            { step: "slow append", command: sh(`sleep 0.3; printf ' second' >> ${dir}/order`) },
          ],
          { step: "read order", command: buildShellCommand(["cat", `${dir}/order`]), output: true },
          { step: "silent", command: "echo discarded" },
        ],
        { ...OPTIONS, workDir: dir },
      );
      return { outputs, calls: runner.calls.length - before, files: readdirSync(dir) };
    });

    expect(calls).toBe(1);
    expect(outputs).toStrictEqual([undefined, `${tricky}\n`, undefined, "first second", undefined]);
    // Nothing of the batch's own bookkeeping stays in the work directory.
    expect(files).toStrictEqual(["order"]);
  });

  it("stops at the first failing step and names it with its exit code and stderr; later steps do not run", async () => {
    const { error, ran } = await inWorkDir(async (dir) => {
      const error = await runSteps(
        runner,
        [
          { step: "Creating the thing", command: "true" },
          { step: "Loading the rows of `t`", command: sh("echo 'ERROR 1146 (42S02): no such table' >&2; exit 3") },
          { step: "Afterwards", command: sh(`touch ${dir}/ran`) },
        ],
        { ...OPTIONS, workDir: dir },
      ).catch((e: unknown) => e);
      return { error, ran: readdirSync(dir).includes("ran") };
    });

    expect(error).toBeInstanceOf(RemoteCommandError);
    expect((error as Error).message).toBe("Loading the rows of `t` failed (exit 3): ERROR 1146 (42S02): no such table");
    expect(ran).toBe(false);
  });

  it("names the failing step of a parallel group with that step's own stderr", async () => {
    const error = await inWorkDir((dir) =>
      runSteps(
        runner,
        [
          [
            { step: "fine", command: sh("echo noise >&2") },
            { step: "Counting the rows of `b`", command: sh("echo 'ERROR 1054: bad column' >&2; exit 1") },
          ],
        ],
        { ...OPTIONS, workDir: dir },
      ).catch((e: unknown) => e),
    );

    expect((error as Error).message).toBe("Counting the rows of `b` failed (exit 1): ERROR 1054: bad column");
  });

  it("lets a step end itself with `exit` without ending the batch", async () => {
    const outputs = await inWorkDir((dir) =>
      runSteps(
        runner,
        [
          { step: "exits 0 early", command: "true; exit 0" },
          { step: "after", command: "echo ran", output: true },
        ],
        { ...OPTIONS, workDir: dir },
      ),
    );

    expect(outputs).toStrictEqual([undefined, "ran\n"]);
  });

  it("gives every step an empty stdin, so no step can swallow the rest of the script", async () => {
    const outputs = await inWorkDir((dir) =>
      runSteps(
        runner,
        [
          { step: "reads stdin", command: "cat", output: true },
          { step: "after", command: "echo still-here", output: true },
        ],
        {
          ...OPTIONS,
          workDir: dir,
        },
      ),
    );

    expect(outputs).toStrictEqual(["", "still-here\n"]);
  });
});
