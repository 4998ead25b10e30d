/**
 * The routes that run models: infer (one run, tensors in and out), bench and eval (NDJSON streams,
 * one job per model at a time). Each may ask for a memory mode (`memory`: the infer JSON body or form
 * field, the bench request or options part, the eval options); the request runs on a worker that loaded
 * the model in that mode.
 * @module
 */
import type { Context, Hono } from "hono";
import type { EvalRequest, InferResponse } from "../src/client/protocol.ts";
import { tensorFromWire, tensorsToFormData, tensorToWire } from "../src/client/wire_tensors.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import { AgentError } from "./agent_error.ts";
import type { AgentState } from "./agent_options.ts";
import { benchJob, feedsFor, planBench } from "./bench_job.ts";
import { type EvalDataset, evalJob, planEval } from "./eval_job.ts";
import type { JobContext } from "./job_context.ts";
import { type MemoryMode, memoryMode } from "./memory_mode.ts";
import { ndjsonResponse } from "./job_stream.ts";
import type { ModelLease } from "./model_pool.ts";
import type { ModelRunner } from "./model_runner.ts";
import { type ParsedBody, parseJsonField, readBody } from "./request_body.ts";
import { checkId } from "./store.ts";

/** Adds infer, bench and eval to `app`. */
export function addRunRoutes(app: Hono, state: AgentState): void {
  const { models, locks, limiter } = state;

  app.post("/v1/models/:id/infer", async (c) => {
    const id = checkId(c.req.param("id"));
    const release = await limiter.acquire();
    try {
      const body = await readBody(c.req.raw, state.maxBodyBytes);
      const feeds = body.kind === "form" ? body.tensors : wireTensors("inputs", jsonField(body.value, "inputs") ?? {});
      const memory = memoryMode(
        body.kind === "form" ? body.fields.memory : jsonField(body.value, "memory"),
        "Infer request",
      );
      const lease = await models.acquire(id, memory);
      try {
        const { outputs, elapsedMs: runMs } = await lease.runner.run(feeds, {
          timeoutMs: state.jobTimeoutMs,
          transfer: true, // decoded from this request's body, used by nothing else
          what: "infer",
        });
        const timing = { "Server-Timing": `run;dur=${runMs.toFixed(3)}` };
        if ((c.req.header("Accept") ?? "").includes("multipart/form-data")) {
          return new Response(tensorsToFormData(outputs), { headers: timing });
        }
        const reply: InferResponse = {
          outputs: Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, tensorToWire(t)])),
          runMs,
        };
        return c.json(reply, 200, timing);
      } finally {
        lease.release();
      }
    } finally {
      release();
    }
  });

  app.post(
    "/v1/models/:id/bench",
    (c) =>
      job(
        c,
        "bench",
        state.maxBodyBytes,
        (body) => memoryMode(optionsOf(body).memory, "Bench option"),
        (id, body, runner) => {
          const signature = runner.signature;
          const plan = body.kind === "json" ? planBench(signature, body.value) : {
            ...planBench(signature, parseJsonField("options", body.fields.options) ?? {}),
            ...feedsFor(signature, body.tensors),
          };
          return (ctx) => benchJob(id, runner, plan, ctx);
        },
      ),
  );

  app.post(
    "/v1/models/:id/eval",
    (c) =>
      job(
        c,
        "eval",
        state.maxDatasetBytes,
        (body) => memoryMode(evalOptionsOf(body).memory, "Eval option"),
        (id, body, runner) => {
          const plan = planEval(
            runner.signature,
            body.kind === "json" ? datasetFromJson(body.value) : datasetFromForm(body),
          );
          return (ctx) => evalJob(id, runner, plan, ctx);
        },
      ),
  );

  // Takes the model's job lock and a lease on its worker (in the body's memory mode) for the whole stream;
  // both end with it.
  async function job(
    c: Context,
    kind: string,
    limit: number,
    memoryOf: (body: ParsedBody) => MemoryMode,
    prepare: (
      id: string,
      body: ParsedBody,
      runner: ModelRunner,
    ) => (ctx: JobContext) => AsyncGenerator<object>,
  ): Promise<Response> {
    const id = checkId(c.req.param("id") ?? "");
    const unlock = locks.acquire(id, kind);
    let lease: ModelLease | undefined;
    const release = (): void => {
      lease?.release();
      unlock();
    };
    try {
      const body = await readBody(c.req.raw, limit);
      lease = await models.acquire(id, memoryOf(body));
      const start = prepare(id, body, lease.runner);
      const controller = new AbortController();
      state.jobs.add(controller);
      const ctx: JobContext = { now: state.now, deadline: state.now() + state.jobTimeoutMs, signal: controller.signal };
      return ndjsonResponse(tracked(id, start(ctx)), controller, () => {
        state.jobs.delete(controller);
        release();
      });
    } catch (error) {
      release();
      throw error;
    }
  }

  // Passes the job's events through, noting progress lines for the busy answer's Retry-After.
  async function* tracked(id: string, events: AsyncGenerator<object>): AsyncGenerator<object> {
    let total = 0;
    for await (const event of events) {
      const e = event as { type?: string; total?: number; done?: number; phase?: string };
      if (e.type === "start" && typeof e.total === "number") total = e.total;
      if (e.type === "progress" && typeof e.done === "number" && total > 0) {
        const before = e.phase === "measure" ? total - (e.total ?? 0) : 0; // bench: warm-ups come first
        locks.progress(id, (before + e.done) / total);
      }
      yield event;
    }
  }
}

// The bench options: the JSON body, or the form's options part.
function optionsOf(body: ParsedBody): Record<string, unknown> {
  const options = body.kind === "json" ? body.value : parseJsonField("options", body.fields.options) ?? {};
  return isObject(options) ? options : {}; // planBench reports a non-object
}

// The eval options: the JSON body's options, or the form's options part.
function evalOptionsOf(body: ParsedBody): Record<string, unknown> {
  const options = body.kind === "json"
    ? isObject(body.value) ? body.value.options : undefined
    : parseJsonField("options", body.fields.options);
  return isObject(options) ? options : {}; // planEval reports a non-object
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonField(value: unknown, key: string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AgentError("bad_request", "The JSON body must be an object");
  }
  return (value as Record<string, unknown>)[key];
}

/** Decodes a JSON map of wire tensors, failing with `bad_request`. */
function wireTensors(field: string, value: unknown): Record<string, Tensor> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AgentError("bad_request", `"${field}" must map names to tensors`);
  }
  const out: Record<string, Tensor> = {};
  for (const [name, w] of Object.entries(value)) {
    try {
      out[name] = tensorFromWire(name, w);
    } catch (cause) {
      throw new AgentError("bad_request", `${field}: ${(cause as Error).message}`, { cause });
    }
  }
  return out;
}

function datasetFromJson(value: unknown): EvalDataset {
  const labels = jsonField(value, "labels") as EvalRequest["labels"] | number[] | undefined;
  return {
    inputs: wireTensors("inputs", jsonField(value, "inputs") ?? {}),
    expected: wireTensors("expected", jsonField(value, "expected") ?? {}),
    labels: labels === undefined ? undefined : wireTensors("labels", {
      labels: Array.isArray(labels) ? { dtype: "int64", dims: [labels.length], data: labels } : labels,
    })
      .labels,
    options: jsonField(value, "options"),
  };
}

function datasetFromForm(body: { tensors: Record<string, Tensor>; fields: Record<string, string> }): EvalDataset {
  const data: EvalDataset = {
    inputs: {},
    expected: {},
    labels: undefined,
    options: parseJsonField("options", body.fields.options),
  };
  for (const [name, t] of Object.entries(body.tensors)) {
    if (name.startsWith("input.")) data.inputs[name.slice(6)] = t;
    else if (name.startsWith("expected.")) data.expected[name.slice(9)] = t;
    else if (name === "labels") data.labels = t;
    else {throw new AgentError(
        "bad_request",
        `Unexpected part "${name}": eval parts are input.<name>, expected.<name>, labels, options`,
      );}
  }
  return data;
}
