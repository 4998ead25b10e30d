/**
 * The bench job, after TVM's `time_evaluator`: warm-up runs are discarded, then `repeat` measurements
 * of `number` runs each; when a measurement lasts less than `minRepeatMs`, `number` grows and the
 * measurement is taken again. The runs happen in the model's worker, which times each measurement
 * itself (message passing is not measured); the worker is stopped if a measurement runs past the job's
 * deadline, and the cancel signal is checked between runs.
 *
 * The model runs in the memory mode the request asks for (`memory`, the route leases a worker loaded in
 * it); `kernels` in the result names the kernels its session actually ran (`session.kernels`).
 *
 * `peakRssBytes` is the largest resident set size of the whole agent process (the workers run inside
 * it) sampled from the main thread every 20 ms during the job and after every measurement.
 * @module
 */
import type { BenchEvent, BenchRequest } from "../src/client/protocol.ts";
import { tensorFromWire } from "../src/client/wire_tensors.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import type { NamedTensors } from "../src/runtime/session.ts";
import { AgentError } from "./agent_error.ts";
import { memoryMode } from "./memory_mode.ts";
import { MAX_NUMBER, nextNumber, summarize } from "../src/bench/latency_stats.ts";
import { randomFeed } from "../src/bench/random_feed.ts";
import { breathe, checkpoint, type JobContext, remainingMs, watchPeakRss } from "./job_context.ts";
import type { ModelRunner } from "./model_runner.ts";
import type { ModelSignature } from "./worker_messages.ts";

/** Validated bench settings with the feeds to run. */
export interface BenchPlan {
  /** Discarded runs. */
  warmup: number;
  /** Runs per measurement, before `minRepeatMs` growth. */
  number: number;
  /** Measurements. */
  repeat: number;
  /** Minimum duration of one measurement. */
  minRepeatMs: number;
  /** Inputs for every run. */
  feeds: NamedTensors;
  /** Inputs made up from their declared shapes (named in a failure's message). */
  guessed: string[];
}

/**
 * Checks a bench request against the model and builds the feeds (given ones decoded, missing ones
 * random). Throws `AgentError` (`bad_request`, `input_mismatch`).
 */
export function planBench(session: ModelSignature, body: unknown): BenchPlan {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AgentError("bad_request", "The bench request must be a JSON object");
  }
  const req = body as Record<keyof BenchRequest, unknown>;
  const int = (key: keyof BenchRequest, fallback: number, min: number, max: number): number => {
    const v = req[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new AgentError(
        "bad_request",
        `Bench option "${key}" must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  memoryMode(req.memory, "Bench option"); // the route loaded the model in this mode already
  const minRepeatMs = req.minRepeatMs ?? 0;
  if (typeof minRepeatMs !== "number" || !(minRepeatMs >= 0 && minRepeatMs <= 600_000)) {
    throw new AgentError(
      "bad_request",
      `Bench option "minRepeatMs" must be a number in 0..600000, got ${JSON.stringify(minRepeatMs)}`,
    );
  }
  const given = req.inputs ?? {};
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new AgentError("bad_request", 'Bench option "inputs" must map input names to tensors');
  }
  return {
    warmup: int("warmup", 1, 0, 10_000),
    number: int("number", 1, 1, MAX_NUMBER),
    repeat: int("repeat", 10, 1, 100_000),
    minRepeatMs,
    ...feedsFor(session, given as Record<string, unknown>),
  };
}

/**
 * Decoded `given` tensors plus seeded random ones for the inputs not given; `guessed` names the random
 * ones whose declared shape had symbolic dimensions.
 */
export function feedsFor(
  session: ModelSignature,
  given: Record<string, unknown> | Record<string, Tensor>,
): { feeds: NamedTensors; guessed: string[] } {
  const feeds: NamedTensors = {};
  const guessed: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (!session.inputNames.includes(name)) {
      throw new AgentError(
        "input_mismatch",
        `Unknown input "${name}"; the model takes: ${session.inputNames.join(", ")}`,
      );
    }
    feeds[name] = isTensor(value) ? value : wire(name, value);
  }
  session.inputs.forEach((info, i) => {
    if (feeds[info.name]) return;
    feeds[info.name] = randomFeed(info, { seed: i + 1 });
    if (!info.shape || info.shape.some((d) => typeof d !== "number")) {
      guessed.push(`${info.name} [${feeds[info.name]!.dims.join(", ")}]`);
    }
  });
  return { feeds, guessed };
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === "object" && v !== null && "data" in v && "type" in v && "dims" in v;
}

function wire(name: string, value: unknown): Tensor {
  try {
    return tensorFromWire(name, value);
  } catch (cause) {
    throw new AgentError("bad_request", cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** Runs a planned bench, yielding the start line, progress lines and the result line. */
export async function* benchJob(
  id: string,
  runner: ModelRunner,
  plan: BenchPlan,
  ctx: JobContext,
): AsyncGenerator<BenchEvent> {
  yield { type: "start", model: id, total: plan.warmup + plan.repeat };
  const rss = watchPeakRss(20);
  let first = true;
  let kernels: string[] = [];
  const run = async (count: number, what: string): Promise<number> => {
    const options = { count, what, timeoutMs: remainingMs(ctx), signal: ctx.signal, keepOutputs: false };
    let elapsedMs: number;
    try {
      ({ elapsedMs, kernels } = await runner.run(plan.feeds, options));
    } catch (error) {
      throw first ? withGuessHint(error, plan.guessed) : error;
    } finally {
      first = false;
    }
    checkpoint(ctx, what);
    return elapsedMs;
  };
  try {
    for (let i = 0; i < plan.warmup; i++) {
      await run(1, `warm-up run ${i + 1}`);
      yield { type: "progress", phase: "warmup", done: i + 1, total: plan.warmup };
      await breathe();
    }
    let number = plan.number;
    const runsMs: number[] = [];
    for (let r = 0; r < plan.repeat; r++) {
      let elapsed: number;
      while (true) {
        elapsed = await run(number, `measurement ${r + 1}`);
        const grown = nextNumber(number, elapsed, plan.minRepeatMs);
        if (grown === undefined) break;
        number = grown;
        await breathe();
      }
      rss.sample();
      runsMs.push(elapsed / number);
      yield { type: "progress", phase: "measure", done: r + 1, total: plan.repeat, lastMs: elapsed / number };
      await breathe();
    }
    yield { type: "result", ...summarize(runsMs), runsMs, number, peakRssBytes: rss.peak(), kernels };
  } finally {
    rss.stop();
  }
}

// A model's own failure on the first run, when some inputs were made up, names them.
function withGuessHint(error: unknown, guessed: string[]): unknown {
  const own = error instanceof AgentError && ["run_failed", "input_mismatch", "internal"].includes(error.code);
  if (guessed.length === 0 || !own) return error;
  return new AgentError(
    "run_failed",
    `${error.message} (inputs not given were made up with symbolic dimensions 1 on the first axis and 64 elsewhere: ${
      guessed.join(", ")
    }; send "inputs")`,
    { cause: error },
  );
}
