/**
 * `bitloop device info|list|push|delete|bench|eval --url URL [--token T | --token-file F]`: drives a
 * device agent (`bitloop agent`) with the {@link DeviceClient}. Results are JSON on stdout; bench and eval
 * stream their progress to stderr. The token comes from `--token`, `--token-file` or `BITLOOP_TOKEN`.
 *
 * Exit codes (through `main`): 0 done; 2 for usage errors and requests the agent refused (4xx, or a job
 * that failed on the device with a 4xx code); 1 when the agent could not be reached after the retries,
 * or failed itself (5xx: a crashed worker, a job past its time limit, out of memory).
 * @module
 */
import { parseArgs } from "node:util";
import { DeviceClient, type RetryEvent } from "../client/device_client.ts";
import { DeviceError } from "../client/device_error.ts";
import type { BenchEvent, BenchRequest, EvalEvent } from "../client/protocol.ts";
import { ModelFormatError } from "../errors.ts";
import type { Tensor } from "../graph/tensor.ts";
import { readNpy } from "../formats/npy/read_npy.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { readUserFile } from "./_files.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";

const HELP = `Usage: bitloop device <info|list|push|delete|bench|eval> --url URL [options]

Talks to a device agent (bitloop agent) over HTTP(S). Results are printed as JSON on stdout; bench and
eval print their progress on stderr.

Subcommands:
  info                      the device: arch, runtime, CPU features, cores, memory, kernels, models
  list                      the stored models
  push <model> [--weight F] upload a model (skipped when stored) and its .weight sidecar; prints its id
  delete <id>               delete a stored model
  bench <id|model>          measure latency; a model file is pushed first
        [--warmup N] [--number N] [--repeat N] [--min-repeat-ms MS] [--memory normal|low]
        [--input NAME=FILE.npy ...]   inputs not given are random with the declared shape
                            the result's "kernels" lists the kernels that ran (qd8-… with --memory low)
  eval <id|model>           measure accuracy on a dataset whose samples are stacked on a new axis 0
        --input NAME=FILE.npy ... [--expected NAME=FILE.npy ...] [--labels FILE.npy] [--label-output NAME]

Options:
  --url URL                 the agent, e.g. http://192.168.1.20:8080 (required)
  --token T                 bearer token; or --token-file FILE; or the BITLOOP_TOKEN environment variable
  --token-file FILE         file holding the token
  --retries N               extra attempts after connection errors and 429/503 answers (default 3); a
                            bench or eval whose connection drops is re-run from its start
  --debug                   print stack traces on errors
  -h, --help                show this help

Exit codes: 0 done; 2 usage errors and requests the agent refused (4xx); 1 the agent could not be
reached after the retries, or failed (5xx).`;

/** The `device` command. */
export const deviceCommand: Command = {
  name: "device",
  summary: "drive a device agent: info, list, push, delete, bench, eval",
  help: HELP,
  run,
};

const SUBCOMMANDS = ["info", "list", "push", "delete", "bench", "eval"] as const;
const ID = /^[0-9a-f]{64}$/;

type Values = ReturnType<typeof parse>["values"];

function parse(args: string[]) {
  return parseOrUsage("device", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        "token-file": { type: "string" },
        retries: { type: "string" },
        weight: { type: "string" },
        warmup: { type: "string" },
        number: { type: "string" },
        repeat: { type: "string" },
        "min-repeat-ms": { type: "string" },
        memory: { type: "string" },
        input: { type: "string", short: "i", multiple: true, default: [] },
        expected: { type: "string", multiple: true, default: [] },
        labels: { type: "string" },
        "label-output": { type: "string" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
}

async function run(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parse(args);
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new UsageError(`Missing subcommand; use one of ${SUBCOMMANDS.join(", ")}`);
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`Unknown subcommand "${sub}"; use one of ${SUBCOMMANDS.join(", ")}`);
  }
  const takes = sub === "info" || sub === "list" ? 0 : 1;
  if (rest.length !== takes) {
    const what = sub === "push" ? "<model>" : sub === "delete" ? "<id>" : "<id|model>";
    throw new UsageError(
      takes === 0
        ? `"device ${sub}" takes no argument, got "${rest[0]}"`
        : `"device ${sub}" takes one ${what}${rest.length > 1 ? `, got ${rest.length}` : ""}`,
    );
  }
  const device = await client(values);
  const print = (value: unknown): void => io.stdout(JSON.stringify(value, null, 2));
  try {
    switch (sub) {
      case "info":
        return print(await device.info());
      case "list":
        return print(await device.list());
      case "push": {
        const model = await readUserFile(rest[0]!, `model "${rest[0]}"`);
        const weight = values.weight === undefined
          ? undefined
          : await readUserFile(values.weight, `sidecar "${values.weight}"`);
        return print(await device.push(model, weight));
      }
      case "delete":
        await device.delete(checkId(rest[0]!));
        return print({ id: rest[0], deleted: true });
      case "bench":
        return print(await bench(device, await modelId(device, rest[0]!, io), values, io));
      case "eval":
        return print(await evaluate(device, await modelId(device, rest[0]!, io), values, io));
    }
  } catch (error) {
    throw asCliError(error);
  }
}

/** The client for `--url` with the token from `--token`, `--token-file` or `BITLOOP_TOKEN`. */
async function client(values: Values): Promise<DeviceClient> {
  if (values.url === undefined) throw new UsageError(`Missing --url URL of the device agent`);
  if (values.token !== undefined && values["token-file"] !== undefined) {
    throw new UsageError("Give the token once: --token or --token-file, not both");
  }
  let token = values.token;
  if (values["token-file"] !== undefined) {
    const file = values["token-file"];
    token = new TextDecoder().decode(await readUserFile(file, `token file "${file}"`)).trim();
    if (token === "") throw new UsageError(`The token file "${file}" is empty`);
  }
  token ??= envVar("BITLOOP_TOKEN") || undefined;
  const retries = integer("retries", values.retries, 0) ?? 3;
  try {
    return new DeviceClient(values.url, { retries, ...(token === undefined ? {} : { token }) });
  } catch (cause) {
    throw new UsageError(`Invalid --url "${values.url}": ${(cause as Error).message}`, { cause });
  }
}

// A model file is pushed first (unless the device has it), so `bench model.onnx` works in one step.
async function modelId(device: DeviceClient, arg: string, io: CliIO): Promise<string> {
  if (ID.test(arg)) return arg;
  const pushed = await device.push(await readUserFile(arg, `model "${arg}"`));
  io.stderr(`${pushed.uploaded ? "pushed" : "already on the device:"} ${arg} as ${pushed.id}`);
  return pushed.id;
}

async function bench(device: DeviceClient, id: string, values: Values, io: CliIO): Promise<unknown> {
  const memory = values.memory;
  if (memory !== undefined && memory !== "normal" && memory !== "low") {
    throw new UsageError(`--memory must be "normal" or "low", got "${memory}"`);
  }
  const request: Omit<BenchRequest, "inputs"> = {};
  const set = (key: "warmup" | "number" | "repeat" | "minRepeatMs", flag: string, min: number): void => {
    const v = integer(flag, values[flag as keyof Values] as string | undefined, min);
    if (v !== undefined) request[key] = v;
  };
  set("warmup", "warmup", 0);
  set("number", "number", 1);
  set("repeat", "repeat", 1);
  set("minRepeatMs", "min-repeat-ms", 0);
  if (memory !== undefined) request.memory = memory;
  const inputs = await tensorFiles("--input", values.input);
  const events = device.bench(id, { ...request, ...(Object.keys(inputs).length > 0 ? { inputs } : {}) });
  return await follow("bench", events, io, (e: BenchEvent) => {
    if (e.type !== "progress") return undefined;
    if (e.phase === "warmup") return `warm-up ${e.done}/${e.total}`;
    return `measurement ${e.done}/${e.total}${e.lastMs === undefined ? "" : `: ${e.lastMs.toFixed(3)} ms/run`}`;
  });
}

async function evaluate(device: DeviceClient, id: string, values: Values, io: CliIO): Promise<unknown> {
  const inputs = await tensorFiles("--input", values.input);
  if (Object.keys(inputs).length === 0) throw new UsageError(`"device eval" needs --input NAME=FILE.npy`);
  const expected = await tensorFiles("--expected", values.expected);
  let labels: Tensor | undefined;
  if (values.labels !== undefined) labels = await npyFile("labels", values.labels);
  if (Object.keys(expected).length === 0 && !labels) {
    throw new UsageError(`"device eval" needs --expected NAME=FILE.npy, --labels FILE.npy, or both`);
  }
  const events = device.evaluate(id, {
    inputs,
    expected,
    ...(labels ? { labels } : {}),
    ...(values["label-output"] === undefined ? {} : { options: { labelOutput: values["label-output"] } }),
  });
  return await follow(
    "eval",
    events,
    io,
    (e: EvalEvent) => (e.type === "progress" ? `sample ${e.done}/${e.total}` : undefined),
  );
}

// Prints progress to stderr and returns the result line; an error line throws DeviceError.
async function follow<E extends BenchEvent | EvalEvent>(
  kind: string,
  events: AsyncGenerator<E | RetryEvent>,
  io: CliIO,
  progress: (e: E) => string | undefined,
): Promise<unknown> {
  for await (const e of events) {
    if (e.type === "start") io.stderr(`${kind}: model ${e.model.slice(0, 12)}…, ${e.total} runs`);
    else if (e.type === "retry") {
      io.stderr(`${kind}: connection lost (${e.reason}); re-running the job in ${e.delayMs} ms (attempt ${e.attempt})`);
    } else if (e.type === "error") throw new DeviceError(e.status ?? 500, e.error.code, e.error.message);
    else if (e.type === "result") return e;
    else {
      const line = progress(e as E);
      if (line !== undefined) io.stderr(`${kind}: ${line}`);
    }
  }
  throw new Error(`The ${kind} stream ended without a result`);
}

/** Reads `NAME=FILE.npy` specs into named tensors. */
async function tensorFiles(flag: string, specs: readonly string[]): Promise<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`${flag} "${spec}" must be NAME=FILE.npy`);
    const name = spec.slice(0, eq);
    if (out[name]) throw new UsageError(`${flag} ${name} is given twice`);
    out[name] = await npyFile(name, spec.slice(eq + 1));
  }
  return out;
}

async function npyFile(name: string, file: string): Promise<Tensor> {
  const bytes = await readUserFile(file, `"${name}" from "${file}"`);
  try {
    return readNpy(bytes);
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw error;
    throw new ModelFormatError("npy", `Cannot read "${name}" from "${file}": ${error.message}`, { cause: error });
  }
}

function integer(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !(n >= min)) {
    throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got "${text}"`);
  }
  return n;
}

function checkId(id: string): string {
  if (!ID.test(id)) {
    throw new UsageError(`"${id}" is not a model id (64 lowercase hex digits, as "device push" prints)`);
  }
  return id;
}

// 4xx answers are the user's to fix (exit 2); 5xx and unreachable agents are not (exit 1).
function asCliError(error: unknown): unknown {
  if (!(error instanceof DeviceError)) return error;
  const text = `${error.message} (${error.code})`;
  return error.status < 500 ? new UsageError(text, { cause: error }) : new Error(text, { cause: error });
}

function envVar(name: string): string | undefined {
  const g = globalThis as {
    Deno?: { env: { get(name: string): string | undefined } };
    process?: { env: Record<string, string | undefined> };
  };
  try {
    return g.Deno ? g.Deno.env.get(name) : g.process?.env[name];
  } catch {
    return undefined; // Deno without --allow-env
  }
}
