import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** The directory holding Pulumi.yaml and node_modules: the engine starts the host here. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT_NAME = "forge-previews";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
// Generous: a database clone or a deployment wait runs inside one call, and CI machines are shared.
const CALL_TIMEOUT_MS = 90_000;

type Props = Record<string, unknown>;

export interface DynamicHostOptions {
  /** Working directory of the host; defaults to the project root, where `pulumi` starts it. */
  cwd?: string;
  project?: string;
  /** Stack config as the engine sends it: keys `<project>:<key>`, secrets already decrypted. */
  config?: Record<string, string>;
  /** Extra environment for the host process (on top of this process's environment). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export interface CheckOutcome {
  inputs: Props;
  failures: Array<{ property: string; reason: string }>;
}

export interface DiffOutcome {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface ReadOutcome {
  id: string;
  props: Props;
  inputs?: Props;
}

/** What `ErrorResourceInitFailed` carried: the engine keeps `id` with `properties` in state as a partial failure. */
export interface InitFailure {
  id: string;
  properties: Props;
  reasons: string[];
}

/** A failed RPC. `message` is the text the engine would print; `initFailure` is set for partial failures. */
export class DynamicHostCallError extends Error {
  override readonly name = "DynamicHostCallError";
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
    readonly initFailure: InitFailure | undefined,
  ) {
    super(`${method} failed: ${details}`);
  }
}

export interface DynamicHost {
  readonly port: number;
  /** Everything the host wrote to stdout (after the port line) and stderr, in arrival order. */
  logs(): string;
  /** Resolves once a log line matches, so assertions about logs do not race the pipes. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  configure(config: Record<string, string>): Promise<void>;
  check(urn: string, olds: Props, news: Props): Promise<CheckOutcome>;
  diff(urn: string, id: string, oldOutputs: Props, newInputs: Props): Promise<DiffOutcome>;
  create(urn: string, inputs: Props): Promise<{ id: string; outs: Props }>;
  read(urn: string, id: string, state: Props, inputs?: Props): Promise<ReadOutcome>;
  update(urn: string, id: string, oldOutputs: Props, newInputs: Props): Promise<{ outs: Props }>;
  delete(urn: string, id: string, state: Props): Promise<void>;
  /** Stops the host and waits for it to exit, so `logs()` is complete afterwards. Safe to call twice. */
  close(): Promise<void>;
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>`, as the engine builds it. */
export function urnFor(type: string, name: string, stack = "pr-123", project = PROJECT_NAME): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/**
 * Replaces secret envelopes with their values. The host answers Configure with `acceptSecrets=false`, so the engine
 * strips secrets before every call; properties captured under mocks still carry the envelopes.
 */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Props;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrapSecrets(item)]));
  }
  return value;
}

/**
 * Starts `@pulumi/pulumi/cmd/dynamic-provider` the way the engine does (cwd = project root, project and config in
 * the environment, an engine address it never dials), reads its port from the first stdout line and calls
 * Configure, which the engine always sends first.
 */
export async function startDynamicHost(options: DynamicHostOptions = {}): Promise<DynamicHost> {
  const project = options.project ?? PROJECT_NAME;
  const config = options.config ?? {};
  const child = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/dynamic-provider"), "127.0.0.1:1"], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: {
      ...process.env,
      ...options.env,
      PULUMI_NODEJS_PROJECT: project,
      PULUMI_PROJECT: project,
      PULUMI_CONFIG: JSON.stringify(config),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const logs: string[] = [];
  const logWaiters = new Set<() => void>();
  const appendLog = (chunk: string): void => {
    logs.push(chunk);
    for (const wake of logWaiters) wake();
  };
  child.stderr?.setEncoding("utf8").on("data", appendLog);

  let port: number;
  try {
    port = await readPort(child, appendLog, options.startTimeoutMs ?? 15_000, () => logs.join(""));
  } catch (error) {
    process.off("exit", killOnExit);
    child.kill("SIGKILL");
    await exited;
    throw error;
  }

  const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const invoke = <Req, Res>(
    method: string,
    send: (req: Req, meta: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: grpc.requestCallback<Res>) => unknown,
    request: Req,
  ): Promise<Res> =>
    new Promise((resolve, reject) => {
      send.call(client, request, new grpc.Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) => {
        if (error) reject(toCallError(method, error));
        else if (response === undefined) reject(new Error(`${method} returned no response`));
        else resolve(response);
      });
    });

  let closed = false;
  const host: DynamicHost = {
    port,
    logs: () => logs.join(""),
    waitForLog(pattern, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          logWaiters.delete(check);
          reject(new Error(`no host log line matched ${pattern} within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          const line = logs
            .join("")
            .split("\n")
            .find((candidate) => pattern.test(candidate));
          if (line === undefined) return;
          clearTimeout(timer);
          logWaiters.delete(check);
          resolve(line);
        };
        logWaiters.add(check);
        check();
      });
    },
    async configure(values) {
      const request = new proto.ConfigureRequest();
      request.setArgs(toStruct(values));
      for (const [key, value] of Object.entries(values)) request.getVariablesMap().set(key, value);
      request.setAcceptsecrets(true);
      request.setAcceptresources(true);
      await invoke("configure", client.configure, request);
    },
    async check(urn, olds, news) {
      const request = new proto.CheckRequest().setUrn(urn).setOlds(toStruct(olds)).setNews(toStruct(news));
      const response = await invoke("check", client.check, request);
      return {
        inputs: response.getInputs()?.toJavaScript() ?? {},
        failures: response.getFailuresList().map((failure) => ({
          property: failure.getProperty(),
          reason: failure.getReason(),
        })),
      };
    },
    async diff(urn, id, oldOutputs, newInputs) {
      const request = withChange(new proto.DiffRequest(), urn, id, oldOutputs, newInputs);
      const response = await invoke("diff", client.diff, request);
      return {
        changes: describeChanges(response.getChanges()),
        replaces: response.getReplacesList(),
        deleteBeforeReplace: response.getDeletebeforereplace(),
      };
    },
    async create(urn, inputs) {
      const request = new proto.CreateRequest().setUrn(urn).setProperties(toStruct(inputs));
      const response = await invoke("create", client.create, request);
      return { id: response.getId(), outs: response.getProperties()?.toJavaScript() ?? {} };
    },
    async read(urn, id, state, inputs) {
      const request = new proto.ReadRequest().setUrn(urn).setId(id).setProperties(toStruct(state));
      if (inputs) request.setInputs(toStruct(inputs));
      const response = await invoke("read", client.read, request);
      const readInputs = response.getInputs()?.toJavaScript();
      return {
        id: response.getId(),
        props: response.getProperties()?.toJavaScript() ?? {},
        ...(readInputs === undefined ? {} : { inputs: readInputs }),
      };
    },
    async update(urn, id, oldOutputs, newInputs) {
      const request = withChange(new proto.UpdateRequest(), urn, id, oldOutputs, newInputs);
      const response = await invoke("update", client.update, request);
      return { outs: response.getProperties()?.toJavaScript() ?? {} };
    },
    async delete(urn, id, state) {
      const request = new proto.DeleteRequest().setUrn(urn).setId(id).setProperties(toStruct(state));
      await invoke("delete", client.delete, request);
    },
    async close() {
      if (!closed) {
        closed = true;
        client.close();
        process.off("exit", killOnExit);
        child.kill("SIGTERM");
      }
      await exited;
    },
  };
  await host.configure(config);
  return host;
}

function readPort(
  child: ChildProcess,
  appendLog: (chunk: string) => void,
  timeoutMs: number,
  currentLogs: () => string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const fail = (reason: string): void => {
      clearTimeout(timer);
      // The host's own output explains why it did not start (a missing module, a syntax error).
      reject(new Error(`dynamic-provider host ${reason}: ${currentLogs() || buffered}`));
    };
    const timer = setTimeout(() => fail(`printed no port within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${signal ?? code}) before printing its port`);
    child.once("exit", onExit);
    const stdout = child.stdout;
    if (!stdout) {
      fail("has no stdout pipe");
      return;
    }
    stdout.setEncoding("utf8");
    const onData = (chunk: string): void => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      stdout.off("data", onData);
      stdout.on("data", appendLog);
      const rest = buffered.slice(newline + 1);
      if (rest !== "") appendLog(rest);
      const port = Number.parseInt(buffered.slice(0, newline), 10);
      clearTimeout(timer);
      child.off("exit", onExit);
      if (Number.isInteger(port) && port > 0) resolve(port);
      else
        reject(
          new Error(`dynamic-provider host printed ${JSON.stringify(buffered.slice(0, newline))} instead of a port`),
        );
    };
    stdout.on("data", onData);
  });
}

function toStruct(value: Props): Struct {
  return Struct.fromJavaScript(unwrapSecrets(value) as Parameters<typeof Struct.fromJavaScript>[0]);
}

/** Diff and Update name the same things: the resource, its recorded outputs and the new inputs. */
function withChange<Request extends proto.DiffRequest | proto.UpdateRequest>(
  request: Request,
  urn: string,
  id: string,
  oldOutputs: Props,
  newInputs: Props,
): Request {
  request.setUrn(urn);
  request.setId(id);
  request.setOlds(toStruct(oldOutputs));
  request.setNews(toStruct(newInputs));
  return request;
}

function describeChanges(changes: proto.DiffResponse.DiffChanges): DiffOutcome["changes"] {
  switch (changes) {
    case proto.DiffResponse.DiffChanges.DIFF_NONE:
      return "none";
    case proto.DiffResponse.DiffChanges.DIFF_SOME:
      return "some";
    default:
      return "unknown";
  }
}

function toCallError(method: string, error: grpc.ServiceError): DynamicHostCallError {
  return new DynamicHostCallError(method, error.code, error.details, decodeInitFailure(error.metadata));
}

/** The host packs `ErrorResourceInitFailed` into a google.rpc.Status in the `grpc-status-details-bin` trailer. */
function decodeInitFailure(metadata: grpc.Metadata | undefined): InitFailure | undefined {
  const [raw] = metadata?.get("grpc-status-details-bin") ?? [];
  if (raw === undefined || typeof raw === "string") return undefined;
  for (const detail of Status.deserializeBinary(new Uint8Array(raw)).getDetailsList()) {
    if (detail.getTypeName() !== "pulumirpc.ErrorResourceInitFailed") continue;
    const failure = proto.ErrorResourceInitFailed.deserializeBinary(detail.getValue_asU8());
    return {
      id: failure.getId(),
      properties: failure.getProperties()?.toJavaScript() ?? {},
      reasons: failure.getReasonsList(),
    };
  }
  return undefined;
}

/** The `DynamicHostCallError` a host call rejects with; throws when the call succeeds or fails some other way. */
export async function hostCallFailure(promise: Promise<unknown>): Promise<DynamicHostCallError> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof DynamicHostCallError)) throw new Error(`expected the host call to fail, got ${String(error)}`);
  return error;
}
