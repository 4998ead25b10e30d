/**
 * The bench job, after TVM's `time_evaluator`: warm-up runs are discarded, then `repeat` measurements
 * of `number` runs each; when a measurement lasts less than `minRepeatMs`, `number` grows and the
 * measurement is taken again. Every run checks the job's deadline and cancel signal.
 * @module
 */
import type { BenchEvent, BenchRequest } from "../src/client/protocol.ts";
import { tensorFromWire } from "../src/client/wire_tensors.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import type { InferenceSession, NamedTensors } from "../src/runtime/session.ts";
import { AgentError } from "./agent_error.ts";
import { breathe, checkpoint, type JobContext, rssBytes, summarize } from "./job_context.ts";
import { randomFeed } from "./random_feeds.ts";
import { kernelsOf } from "./sessions.ts";

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
  /** Inputs made up with symbolic dimensions set to 1 (named in a failure's message). */
  guessed: string[];
}

const MAX_NUMBER = 1_000_000;

/**
 * Checks a bench request against the model and builds the feeds (given ones decoded, missing ones
 * random). Throws `AgentError` (`bad_request`, `unsupported_option`, `input_mismatch`).
 */
export function planBench(session: InferenceSession, body: unknown): BenchPlan {
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
  const memory = req.memory ?? "normal";
  if (memory !== "normal" && memory !== "low") {
    throw new AgentError(
      "bad_request",
      `Bench option "memory" must be "normal" or "low", got ${JSON.stringify(memory)}`,
    );
  }
  if (memory === "low") {
    throw new AgentError("unsupported_option", 'Memory mode "low" is not available in this runtime yet; use "normal"');
  }
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
  session: InferenceSession,
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
    feeds[info.name] = randomFeed(info, i + 1);
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
  session: InferenceSession,
  plan: BenchPlan,
  ctx: JobContext,
): AsyncGenerator<BenchEvent> {
  yield { type: "start", model: id, total: plan.warmup + plan.repeat };
  let peak = rssBytes();
  let first = true;
  const run = (): void => {
    if (!first) return void session.runSync(plan.feeds);
    first = false;
    try {
      session.runSync(plan.feeds);
    } catch (error) {
      if (plan.guessed.length === 0) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new AgentError(
        "run_failed",
        `${reason} (inputs not given were made up with symbolic dimensions as 1: ${
          plan.guessed.join(", ")
        }; send "inputs")`,
        { cause: error },
      );
    }
  };
  for (let i = 0; i < plan.warmup; i++) {
    run();
    checkpoint(ctx, `warm-up run ${i + 1}`);
    yield { type: "progress", phase: "warmup", done: i + 1, total: plan.warmup };
    await breathe();
  }
  let number = plan.number;
  const runsMs: number[] = [];
  for (let r = 0; r < plan.repeat; r++) {
    let elapsed: number;
    while (true) {
      const t0 = ctx.now();
      for (let k = 0; k < number; k++) {
        run();
        checkpoint(ctx, `measurement ${r + 1}`);
      }
      elapsed = ctx.now() - t0;
      if (elapsed >= plan.minRepeatMs || number >= MAX_NUMBER) break;
      const perRun = Math.max(elapsed / number, 1e-3);
      number = Math.min(MAX_NUMBER, Math.max(Math.ceil(number * 1.618), Math.ceil(plan.minRepeatMs / perRun)));
      await breathe();
    }
    peak = Math.max(peak, rssBytes());
    runsMs.push(elapsed / number);
    yield { type: "progress", phase: "measure", done: r + 1, total: plan.repeat, lastMs: elapsed / number };
    await breathe();
  }
  yield { type: "result", ...summarize(runsMs), runsMs, number, peakRssBytes: peak, kernels: kernelsOf(session) };
}
