/**
 * Several server-side steps in one SSH round trip. Each command on a server costs a round trip plus a login shell's
 * start-up (over a WAN from a CI runner, tens to hundreds of milliseconds), and a clone is a dozen short steps around
 * a few long ones; batching them keeps the fixed cost of a clone small next to its data.
 *
 * The script travels on stdin to `bash -s` (so no argument-length limit applies), every step runs in a subshell (an
 * `exit` ends only that step) whose stdin is a quoted here-document or /dev/null (so no step can read the rest of the
 * script), and a failing step stops the batch and is named in the error with its own exit code and stderr.
 */
import { randomBytes } from "node:crypto";
import { buildShellCommand } from "../ssh";
import { RemoteCommandError, tailOfStderr } from "./errors";
import type { CommandRunner } from "./types";

export interface RemoteStep {
  /** What the step does, for error messages ("Importing the copied tablespaces into `shop_pr_1`"). */
  step: string;
  /** One shell command (a pipeline is fine), its words already quoted by buildShellCommand. */
  command: string;
  /** Sent to the command's standard input. */
  stdin?: string;
  /** Keep the command's stdout for the caller; otherwise it is discarded. */
  output?: boolean;
}

/** Steps run one after another; an inner array's steps run at the same time, and all must succeed. */
export type StepPlan = readonly (RemoteStep | readonly RemoteStep[])[];

export interface StepBatchOptions {
  /** A private directory on the server for the outputs of parallel steps (the clone's work directory). */
  workDir: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

const MAX_STEPS = 200;

interface Numbered {
  index: number;
  step: RemoteStep;
}

function hereDocument(step: RemoteStep, delimiter: string): { redirect: string; body: string } {
  if (step.stdin === undefined) return { redirect: "</dev/null", body: "" };
  const text = step.stdin.endsWith("\n") ? step.stdin : `${step.stdin}\n`;
  if (text.split("\n").includes(delimiter))
    throw new Error(`the input of step "${step.step}" contains the batch's here-document delimiter`);
  return { redirect: `<<'${delimiter}'`, body: `${text}${delimiter}\n` };
}

/** Builds the bash script for `plan`; every marker carries `nonce`, so no step's output can be mistaken for one. */
export function buildStepScript(
  plan: StepPlan,
  nonce: string,
  workDir: string,
): { script: string; steps: RemoteStep[] } {
  const steps: RemoteStep[] = [];
  const numbered = plan.map((entry) =>
    (Array.isArray(entry) ? entry : [entry]).map((step: RemoteStep): Numbered => {
      steps.push(step);
      return { index: steps.length - 1, step };
    }),
  );
  if (steps.length === 0 || steps.length > MAX_STEPS)
    throw new Error(`a step batch holds 1 to ${MAX_STEPS} steps, not ${steps.length}`);
  const dir = buildShellCommand([workDir]);
  const file = (kind: string, index: number): string => `${dir}/step-${nonce}.${index}.${kind}`;
  const failed = (index: number, rc: string): string =>
    `printf '\\n@@fp-${nonce} failed %d %d\\n' ${index} ${rc} >&2; exit 97`;
  const lines = ["set -o pipefail"];
  for (const group of numbered) {
    if (group.length === 1) {
      const [{ index, step }] = group as [Numbered];
      const input = hereDocument(step, `FP_IN_${nonce}_${index}`);
      const out = step.output === true ? `>${file("out", index)}` : ">/dev/null";
      lines.push(
        `( ${step.command}\n) ${input.redirect} ${out} || { rc=$?; ${failed(index, "$rc")}; }\n${input.body}`.trimEnd(),
      );
      continue;
    }
    // Parallel: each in a background subshell with its own stdout, stderr and exit status files.
    for (const { index, step } of group) {
      const input = hereDocument(step, `FP_IN_${nonce}_${index}`);
      const out = step.output === true ? file("out", index) : "/dev/null";
      lines.push(
        `( ( ${step.command}\n) ${input.redirect} >${out} 2>${file("err", index)}; echo $? >${file("rc", index)} ) &\n${input.body}`.trimEnd(),
      );
    }
    lines.push("wait");
    for (const { index } of group) {
      lines.push(
        `rc=$(cat ${file("rc", index)} 2>/dev/null || echo 255); if [ "$rc" != 0 ]; then cat ${file("err", index)} >&2; ${failed(index, "$rc")}; fi`,
      );
    }
  }
  // Outputs go out last, length-prefixed, so a step's own output can hold anything.
  for (const { index, step } of steps.map((s, i) => ({ index: i, step: s }))) {
    if (step.output !== true) continue;
    lines.push(
      `printf '@@fp-${nonce} output %d %d\\n' ${index} "$(wc -c <${file("out", index)})"; cat ${file("out", index)}`,
    );
  }
  lines.push(`rm -f ${dir}/step-${nonce}.*`, "exit 0", "");
  return { script: lines.join("\n"), steps };
}

/** Splits the batch's stdout into each step's output (undefined for steps that did not ask for it). */
export function parseStepOutputs(stdout: Buffer, nonce: string, count: number): (string | undefined)[] {
  const outputs: (string | undefined)[] = new Array(count).fill(undefined);
  const header = new RegExp(`^@@fp-${nonce} output (\\d+) (\\d+)$`);
  let at = 0;
  while (at < stdout.length) {
    const newline = stdout.indexOf(0x0a, at);
    if (newline < 0) break;
    const match = header.exec(stdout.subarray(at, newline).toString("latin1"));
    if (match === null) throw new Error("the server's answer to a step batch was not in the expected form");
    const length = Number(match[2]);
    outputs[Number(match[1])] = stdout.subarray(newline + 1, newline + 1 + length).toString("utf8");
    at = newline + 1 + length;
  }
  return outputs;
}

/** Runs `plan` in one round trip and returns each step's output (for steps with `output: true`). */
export async function runSteps(
  runner: CommandRunner,
  plan: StepPlan,
  options: StepBatchOptions,
): Promise<(string | undefined)[]> {
  const nonce = randomBytes(8).toString("hex");
  const { script, steps } = buildStepScript(plan, nonce, options.workDir);
  const result = await runner.exec(["bash", "-s"], {
    stdin: script,
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes,
  });
  if (result.exitCode !== 0) {
    const marker = new RegExp(`\\n?@@fp-${nonce} failed (\\d+) (\\d+)\\n?`);
    const match = marker.exec(result.stderr);
    const failedStep = match === null ? undefined : steps[Number(match[1])];
    if (match === null || failedStep === undefined) {
      const names = steps.map((s) => s.step).join("; ");
      throw new RemoteCommandError(
        `A batch of steps on the database server (${names})`,
        result.exitCode,
        tailOfStderr(result.stderr),
      );
    }
    throw new RemoteCommandError(failedStep.step, Number(match[2]), tailOfStderr(result.stderr.replace(marker, "\n")));
  }
  if (Buffer.byteLength(result.stdout) >= options.maxOutputBytes) {
    throw new Error(`the answer to a step batch exceeded ${options.maxOutputBytes} bytes and was cut off`);
  }
  return parseStepOutputs(Buffer.from(result.stdout, "utf8"), nonce, steps.length);
}
