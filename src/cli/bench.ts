/**
 * `bitloop bench <model>`: the model's run time on this machine, measured as TVM's runner and the device
 * agent's bench job do (shared code in `src/bench/`): warm-up runs discarded, then `repeat` measurements
 * of `number` runs each, `number` grown until a measurement lasts `--min-repeat-ms`. Inputs come from
 * `.npy` files where given and are seeded random with the declared shape otherwise (`--dim` sizes the
 * symbolic dimensions, else 1). `--json` prints one object with the agent's field names.
 *
 * `peakRssBytes` is the largest resident set size of this process sampled after loading and after every
 * warm-up run and measurement (model loading included; a short allocation inside a run can be missed).
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { timeEvaluator } from "../bench/time_evaluator.ts";
import { randomFeed } from "../bench/random_feed.ts";
import type { ValueInfo } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";
import { InferenceSession } from "../runtime/session.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { inputFileSpecs, readInputFile } from "./_read_input.ts";
import { loadUserModel } from "./_load_user_model.ts";
import { formatBytes, formatShape, table } from "./_text.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";
import { parseDims } from "./_validate_inputs.ts";

const HELP = `Usage: bitloop bench <model> [--memory low|normal] [--kernels auto|reference]
                     [--input NAME=FILE.npy ...] [--dim NAME=N ...] [--warmup N] [--number N]
                     [--repeat N] [--min-repeat-ms MS] [--json]

Measures a model's run time (one thread): warm-up runs are discarded, then REPEAT measurements of
NUMBER runs each; NUMBER grows until one measurement lasts at least MS. Prints the median, 90th
percentile and minimum time per run, the peak resident memory and the kernels that ran.

Options:
  --memory MODE           normal (fp32 weights) or low (quantized weights stay packed; int8 kernels)
                          (default normal)
  --kernels WHICH         auto (fastest wasm build this engine runs) or reference (default auto)
  -i, --input NAME=FILE   an input from a .npy file (NAME= may be left out for a one-input model);
                          inputs not given are seeded random values of the declared shape
  --dim NAME=N            size of a symbolic dimension for the random inputs (default 1)
  --warmup N              runs discarded first (default 1)
  --number N              runs per measurement before growth (default 1)
  --repeat N              measurements (default 10)
  --min-repeat-ms MS      minimum duration of one measurement (default 0)
  --json                  print one JSON object (medianMs, p90Ms, minMs, runsMs, number,
                          peakRssBytes, kernels, ...)
  --debug                 print stack traces on errors
  -h, --help              show this help`;

/** The `bench` command. */
export const benchCommand: Command = {
  name: "bench",
  summary: "measure a model's run time, peak memory and kernels",
  help: HELP,
  run,
};

/** What `bitloop bench --json` prints. */
export interface BenchReport {
  /** The model path as given. */
  model: string;
  /** Memory mode of the session. */
  memory: "normal" | "low";
  /** Kernel choice asked for. */
  kernelsOption: "auto" | "reference";
  /** The wasm build that ran (`relaxed`, `simd128`, `scalar`) or `"reference"`. */
  kernelBackend: string;
  /** Median of `runsMs`. */
  medianMs: number;
  /** 90th percentile of `runsMs`. */
  p90Ms: number;
  /** Minimum of `runsMs`. */
  minMs: number;
  /** Mean run time of each measurement. */
  runsMs: number[];
  /** Runs per measurement actually used (after `--min-repeat-ms`). */
  number: number;
  /** Warm-up runs discarded. */
  warmup: number;
  /** Measurements taken. */
  repeat: number;
  /** Peak sampled resident set size of the process, in bytes. */
  peakRssBytes: number;
  /** Names of the fast kernels that ran, sorted; `["reference-scalar"]` when only reference kernels ran. */
  kernels: string[];
  /** Each input: `file PATH` or `random DTYPE [shape]`. */
  inputs: Record<string, string>;
}

async function run(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseOrUsage("bench", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        memory: { type: "string", default: "normal" },
        kernels: { type: "string", default: "auto" },
        input: { type: "string", short: "i", multiple: true, default: [] },
        dim: { type: "string", multiple: true, default: [] },
        warmup: { type: "string", default: "1" },
        number: { type: "string", default: "1" },
        repeat: { type: "string", default: "10" },
        "min-repeat-ms": { type: "string", default: "0" },
        json: { type: "boolean" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError("Missing <model>; usage: bitloop bench <model> [--json]");
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"; give inputs as --input NAME=FILE.npy`);
  const memory = oneOf("--memory", values.memory, ["normal", "low"] as const);
  const kernelsOption = oneOf("--kernels", values.kernels, ["auto", "reference"] as const);
  const warmup = whole("--warmup", values.warmup, 0);
  const number = whole("--number", values.number, 1);
  const repeat = whole("--repeat", values.repeat, 1);
  const minRepeatMs = Number(values["min-repeat-ms"]);
  if (!(minRepeatMs >= 0 && minRepeatMs <= 600_000)) {
    throw new UsageError(`--min-repeat-ms must be a number in 0..600000, got "${values["min-repeat-ms"]}"`);
  }
  const dims = Object.fromEntries(parseDims(values.dim));
  const { model } = await loadUserModel(path);
  const { feeds, inputs } = await benchFeeds(model.graph.inputs, values.input, dims);
  let peak = process.memoryUsage().rss;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const session = await InferenceSession.create(model, { memory, kernels: kernelsOption });
  sample();
  let runs = 0;
  const result = await timeEvaluator(() => {
    session.runSync(feeds);
    if (++runs <= warmup) sample();
  }, { warmup, number, repeat, minRepeatMs, onMeasure: sample });
  const report: BenchReport = {
    model: path,
    memory,
    kernelsOption,
    kernelBackend: session.kernelBackend,
    medianMs: result.medianMs,
    p90Ms: result.p90Ms,
    minMs: result.minMs,
    runsMs: result.runsMs,
    number: result.number,
    warmup,
    repeat,
    peakRssBytes: peak,
    kernels: session.kernels.length > 0 ? session.kernels : ["reference-scalar"],
    inputs,
  };
  if (values.json) {
    io.stdout(JSON.stringify(report));
    return;
  }
  const ms = (v: number) => `${v.toFixed(v < 10 ? 3 : 1)} ms`;
  const rows = [
    ["model", path],
    ["memory", `${memory}, kernels ${kernelsOption} (${report.kernelBackend})`],
    ...Object.entries(inputs).map(([name, how]) => [`input ${name}`, how]),
    ["runs", `${warmup} warm-up + ${repeat} × ${result.number}`],
    ["median", ms(result.medianMs)],
    ["p90", ms(result.p90Ms)],
    ["min", ms(result.minMs)],
    ["peak RSS", formatBytes(peak)],
    ["kernels", report.kernels.join(", ")],
  ];
  for (const line of table(rows)) io.stdout(line);
}

function oneOf<const T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new UsageError(`${flag} must be ${allowed.join(" or ")}, got "${value}"`);
}

function whole(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value ?? "") || n < min || n > 1_000_000) {
    throw new UsageError(`${flag} must be a whole number in ${min}..1000000, got "${value}"`);
  }
  return n;
}

// Feeds from --input files where given, seeded random (declared shape, --dim sizes) for the rest.
async function benchFeeds(
  declared: readonly ValueInfo[],
  specs: readonly string[],
  dims: Record<string, number>,
): Promise<{ feeds: Record<string, Tensor>; inputs: Record<string, string> }> {
  const names = declared.map((v) => v.name);
  const files = inputFileSpecs(specs, names);
  const feeds: Record<string, Tensor> = {};
  const inputs: Record<string, string> = {};
  for (const [i, info] of declared.entries()) {
    const file = files.get(info.name);
    const t = file === undefined ? randomFeed(info, { seed: i + 1, dims }) : await readInputFile(info, file);
    feeds[info.name] = t;
    inputs[info.name] = file === undefined ? `random ${t.type} ${formatShape(t.dims)}` : `file ${file}`;
  }
  return { feeds, inputs };
}
