/**
 * The eval job: runs every sample of an uploaded dataset and compares the outputs with the expected
 * outputs (cosine, SQNR, errors, top-1 agreement) and/or integer labels (top-1 accuracy).
 *
 * Dataset layout: samples are stacked along a new leading axis. Input `x` of a model whose feed has
 * shape `[1, 3, 48, 192]` comes as a tensor `[N, 1, 3, 48, 192]`; expected output `y` as `[N, ...y's
 * shape]`; labels as an integer tensor `[N]` (compared with the arg-max of `labelOutput`).
 * @module
 */
import type { EvalEvent, EvalOptions } from "../src/client/protocol.ts";
import { isBigIntDType } from "../src/graph/dtype.ts";
import { shapeSize, Tensor, toNumbers } from "../src/graph/tensor.ts";
import { AgentError } from "./agent_error.ts";
import { summarize } from "../src/bench/latency_stats.ts";
import { breathe, checkpoint, type JobContext, remainingMs } from "./job_context.ts";
import { argMax, asFloat64, OutputAccumulator } from "./metrics.ts";
import type { ModelRunner } from "./model_runner.ts";
import type { ModelSignature } from "./worker_messages.ts";

/** An uploaded dataset, decoded. */
export interface EvalDataset {
  /** Input name → samples stacked on axis 0. */
  inputs: Record<string, Tensor>;
  /** Output name → expected values stacked on axis 0. */
  expected: Record<string, Tensor>;
  /** Class labels `[N]`. */
  labels: Tensor | undefined;
  /** Options as sent (checked by {@link planEval}). */
  options: unknown;
}

/** A checked dataset, ready to run. */
export interface EvalPlan extends Omit<EvalDataset, "labels" | "options"> {
  /** Number of samples. */
  samples: number;
  /** Labels as numbers, when given. */
  labels: number[] | undefined;
  /** The output labels refer to. */
  labelOutput: string;
}

/** Checks a dataset against the model. Throws `AgentError` (`bad_request`, `input_mismatch`). */
export function planEval(session: ModelSignature, data: EvalDataset): EvalPlan {
  const options = (data.options ?? {}) as EvalOptions;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new AgentError("bad_request", "Eval options must be an object");
  }
  const labelOutput = options.labelOutput ?? session.outputNames[0]!;
  if (!session.outputNames.includes(labelOutput)) {
    throw new AgentError(
      "input_mismatch",
      `labelOutput "${labelOutput}" is not an output; the model has: ${session.outputNames.join(", ")}`,
    );
  }
  let samples: number | undefined;
  const count = (what: string, t: Tensor): void => {
    const n = t.dims[0];
    if (n === undefined || n === 0) {
      throw new AgentError(
        "input_mismatch",
        `${what} must have samples stacked on axis 0, got shape [${t.dims.join(", ")}]`,
      );
    }
    if (samples !== undefined && n !== samples) {
      throw new AgentError("input_mismatch", `${what} holds ${n} samples but other dataset tensors hold ${samples}`);
    }
    samples = n;
  };
  for (const name of session.inputNames) {
    const t = data.inputs[name];
    if (!t) {
      throw new AgentError(
        "input_mismatch",
        `The dataset lacks input "${name}"; the model takes: ${session.inputNames.join(", ")}`,
      );
    }
    count(`Input "${name}"`, t);
  }
  for (const name of Object.keys(data.inputs)) {
    if (!session.inputNames.includes(name)) {
      throw new AgentError(
        "input_mismatch",
        `Unknown input "${name}"; the model takes: ${session.inputNames.join(", ")}`,
      );
    }
  }
  for (const [name, t] of Object.entries(data.expected)) {
    if (!session.outputNames.includes(name)) {
      throw new AgentError(
        "input_mismatch",
        `Expected values for unknown output "${name}"; the model has: ${session.outputNames.join(", ")}`,
      );
    }
    count(`Expected output "${name}"`, t);
  }
  let labels: number[] | undefined;
  if (data.labels) {
    const t = data.labels;
    if (t.dims.length !== 1 || !(isBigIntDType(t.type) || /^u?int/.test(t.type))) {
      throw new AgentError(
        "input_mismatch",
        `Labels must be a 1-D integer tensor, got ${t.type} [${t.dims.join(", ")}]`,
      );
    }
    count("Labels", t);
    labels = toNumbers(t);
  }
  if (Object.keys(data.expected).length === 0 && !labels) {
    throw new AgentError("bad_request", "An eval needs expected outputs, labels, or both");
  }
  return { inputs: data.inputs, expected: data.expected, labels, labelOutput, samples: samples! };
}

/** Sample `i` of a tensor stacked on axis 0. */
export function sampleOf(t: Tensor, i: number): Tensor {
  const dims = t.dims.slice(1);
  const n = shapeSize(dims);
  return new Tensor(t.type, t.data.slice(i * n, (i + 1) * n) as Tensor["data"], dims);
}

/**
 * Runs a planned eval in the model's worker, yielding the start line, a progress line per sample and the
 * result line. Latency is measured inside the worker.
 */
export async function* evalJob(
  id: string,
  runner: ModelRunner,
  plan: EvalPlan,
  ctx: JobContext,
): AsyncGenerator<EvalEvent> {
  yield { type: "start", model: id, total: plan.samples };
  const accumulators = new Map(Object.keys(plan.expected).map((name) => [name, new OutputAccumulator()]));
  const latencies: number[] = [];
  let correct = 0;
  for (let i = 0; i < plan.samples; i++) {
    const feeds = Object.fromEntries(Object.entries(plan.inputs).map(([name, t]) => [name, sampleOf(t, i)]));
    const what = `sample ${i + 1}`;
    const { outputs, elapsedMs } = await runner.run(feeds, {
      what,
      timeoutMs: remainingMs(ctx),
      signal: ctx.signal,
      transfer: true, // sampleOf copies: the slices are the job's own
    });
    latencies.push(elapsedMs);
    checkpoint(ctx, what);
    for (const [name, acc] of accumulators) {
      const out = asFloat64(outputs[name]!);
      const ref = asFloat64(sampleOf(plan.expected[name]!, i));
      if (out.length !== ref.length) {
        throw new AgentError(
          "input_mismatch",
          `Expected output "${name}" has ${ref.length} values per sample, the model gives ${out.length}`,
        );
      }
      acc.add(out, ref);
    }
    if (plan.labels && argMax(asFloat64(outputs[plan.labelOutput]!)) === plan.labels[i]) correct++;
    yield { type: "progress", done: i + 1, total: plan.samples };
    await breathe();
  }
  yield {
    type: "result",
    samples: plan.samples,
    outputs: Object.fromEntries([...accumulators].map(([name, acc]) => [name, acc.result()])),
    accuracy: plan.labels ? { output: plan.labelOutput, top1: correct / plan.samples, correct } : null,
    latency: summarize(latencies),
  };
}
