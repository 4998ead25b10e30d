/**
 * `bitloop bench <model>`: the model's run time on this machine, measured as TVM's runner and the device
 * agent's bench job do (shared code in `src/bench/`): warm-up runs discarded, then `repeat` measurements
 * of `number` runs each, `number` grown until a measurement lasts `--min-repeat-ms`. Inputs come from
 * `.npy` files where given and are seeded random with the declared shape otherwise (`--dim` sizes the
 * symbolic dimensions, else 1). `--json` prints one object with the agent's field names.
 *
 * `peakRssBytes` is the peak resident set size of this process during the timed runs (after loading and
 * warm-up): on Linux the kernel's high-water mark (`VmHWM`, reset when timing starts), so allocations
 * inside a run count; elsewhere the largest RSS sampled after each measurement (`peakRssSource`).
 * @module
 */
import { parseArgs } from "node:util";
import { PeakRss } from "../bench/peak_rss.ts";
import { timeEvaluator } from "../bench/time_evaluator.ts";
import { randomFeed } from "../bench/random_feed.ts";
import type { ValueInfo } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";
import type { NodeProfile } from "../runtime/node_profile.ts";
import { InferenceSession } from "../runtime/session.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { inputFileSpecs, readInputFile } from "./_read_input.ts";
import { loadUserModel } from "./_load_user_model.ts";
import { formatBytes, formatShape, table } from "./_text.ts";
import { dispatchText } from "./info_dispatch.ts";
import type { DispatchRow } from "../kernels/dispatch.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";
import { parseDims } from "./_validate_inputs.ts";

const HELP = `Usage: bitloop bench <model> [--memory low|normal] [--precision exact|fast] [--kernels auto|reference]
                     [--input NAME=FILE.npy ...] [--dim NAME=N ...] [--warmup N] [--number N]
                     [--repeat N] [--min-repeat-ms MS] [--profile] [--json]

Measures a model's run time (one thread): warm-up runs are discarded, then REPEAT measurements of
NUMBER runs each; NUMBER grows until one measurement lasts at least MS. Prints the median, 90th
percentile and minimum time per run, the peak resident memory and the kernels that ran.

Options:
  --memory MODE           normal (fp32 weights) or low (quantized weights stay packed; int8 kernels)
                          (default normal)
  --precision P           exact (same bits under every engine; SIMD128 fp32 kernels) or fast (fused
                          multiply-add where the engine has relaxed SIMD; last bits may differ) (default exact)
  --kernels WHICH         auto (fastest wasm build this engine runs) or reference (default auto)
  -i, --input NAME=FILE   an input from a .npy file (NAME= may be left out for a one-input model);
                          inputs not given are seeded random values of the declared shape
  --dim NAME=N            size of a symbolic dimension for the random inputs (default 1 on the first
                          axis, 64 elsewhere)
  --warmup N              runs discarded first (default 1)
  --number N              runs per measurement before growth (default 1)
  --repeat N              measurements (default 10)
  --min-repeat-ms MS      minimum duration of one measurement (default 0)
  --profile               time every node too and print the operators and nodes that took
                          the most time per run (self time, warm-up runs left out)
  --json                  print one JSON object (medianMs, p90Ms, minMs, runsMs, number,
                          peakRssBytes, kernels, ...; with --profile also profile)
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
  /** The precision option the session ran with. */
  precision: "exact" | "fast";
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
  /** Peak resident set size of the process during the timed runs, in bytes. */
  peakRssBytes: number;
  /** How `peakRssBytes` was measured: the kernel's `VmHWM` (Linux) or the largest sample after each measurement. */
  peakRssSource: "VmHWM" | "sampled";
  /** Names of the fast kernels that ran, sorted; `["reference-scalar"]` when only reference kernels ran. */
  kernels: string[];
  /** Each input: `file PATH` or `random DTYPE [shape]`. */
  inputs: Record<string, string>;
  /** The kernel dispatch table of the session: every row, chosen or why declined / unused. */
  dispatch: DispatchRow[];
  /** With `--profile`: per-run self time of each operator type and of the slowest nodes, slowest first. */
  profile?: BenchProfile;
}

/** Per-run times from `bitloop bench --profile` (timing each node adds a little to the run times above). */
export interface BenchProfile {
  /** Runs the times are averaged over (the measured ones). */
  runs: number;
  /** Per operator type (` (fast)` appended for fast kernels): mean self time per run, calls per run. */
  ops: Array<{ op: string; ms: number; calls: number; nodes: number }>;
  /** The slowest nodes (at most 20): mean self time per run. */
  nodes: Array<{ node: string; op: string; fast: boolean; ms: number }>;
}

async function run(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseOrUsage("bench", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        memory: { type: "string", default: "normal" },
        precision: { type: "string", default: "exact" },
        kernels: { type: "string", default: "auto" },
        input: { type: "string", short: "i", multiple: true, default: [] },
        dim: { type: "string", multiple: true, default: [] },
        warmup: { type: "string", default: "1" },
        number: { type: "string", default: "1" },
        repeat: { type: "string", default: "10" },
        "min-repeat-ms": { type: "string", default: "0" },
        profile: { type: "boolean" },
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
  const precision = oneOf("--precision", values.precision, ["exact", "fast"] as const);
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
  const session = await InferenceSession.create(model, {
    memory,
    precision,
    kernels: kernelsOption,
    profile: values.profile === true,
  });
  for (let i = 0; i < warmup; i++) session.runSync(feeds);
  session.profile?.reset(); // warm-up runs are left out of the profile
  const peak = new PeakRss();
  const result = await timeEvaluator(() => session.runSync(feeds), {
    warmup: 0,
    number,
    repeat,
    minRepeatMs,
    onMeasure: () => peak.sample(),
  });
  const report: BenchReport = {
    model: path,
    memory,
    precision,
    kernelsOption,
    kernelBackend: session.kernelBackend,
    medianMs: result.medianMs,
    p90Ms: result.p90Ms,
    minMs: result.minMs,
    runsMs: result.runsMs,
    number: result.number,
    warmup,
    repeat,
    peakRssBytes: peak.bytes,
    peakRssSource: peak.source,
    kernels: session.kernels.length > 0 ? session.kernels : ["reference-scalar"],
    inputs,
    dispatch: session.dispatch,
    ...(session.profile ? { profile: benchProfile(session.profile) } : {}),
  };
  if (values.json) {
    io.stdout(JSON.stringify(report));
    return;
  }
  const ms = (v: number) => `${v.toFixed(v < 10 ? 3 : 1)} ms`;
  const rows = [
    ["model", path],
    ["memory", `${memory}, precision ${precision}, kernels ${kernelsOption} (${report.kernelBackend})`],
    ...Object.entries(inputs).map(([name, how]) => [`input ${name}`, how]),
    ["runs", `${warmup} warm-up + ${repeat} × ${result.number}`],
    ["median", ms(result.medianMs)],
    ["p90", ms(result.p90Ms)],
    ["min", ms(result.minMs)],
    ["peak RSS", `${formatBytes(report.peakRssBytes)} (during the timed runs)`],
    ["kernels", report.kernels.join(", ")],
  ];
  for (const line of [...table(rows), ...dispatchText(report.dispatch)]) io.stdout(line);
  if (report.profile) { for (const line of profileLines(report.profile)) io.stdout(line); }
}

function benchProfile(profile: NodeProfile): BenchProfile {
  const runs = Math.max(1, profile.runs);
  return {
    runs: profile.runs,
    ops: profile.byOp().map((o) => ({ op: o.op, ms: o.totalMs / runs, calls: o.calls / runs, nodes: o.nodes })),
    nodes: profile.byNode().slice(0, 20).map((n) => ({ node: n.node, op: n.op, fast: n.fast, ms: n.totalMs / runs })),
  };
}

// The top operators and nodes as text tables, with each one's share of the profiled time.
function profileLines(p: BenchProfile): string[] {
  const total = p.ops.reduce((s, o) => s + o.ms, 0) || 1;
  const share = (ms: number) => `${(100 * ms / total).toFixed(1)}%`;
  const ms = (v: number) => v.toFixed(3);
  return [
    "",
    `profile: self time per run (mean of ${p.runs} runs), ${ms(total)} ms in nodes`,
    ...table([
      ["op", "ms/run", "share", "calls/run", "nodes"],
      ...p.ops.slice(0, 15).map((o) => [o.op, ms(o.ms), share(o.ms), String(o.calls), String(o.nodes)]),
    ], [false, true, true, true, true]),
    "",
    ...table([
      ["node", "op", "ms/run", "share"],
      ...p.nodes.slice(0, 10).map((n) => [n.node, n.fast ? `${n.op} (fast)` : n.op, ms(n.ms), share(n.ms)]),
    ], [false, false, true, true]),
  ];
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
