/**
 * The agent's side of one model worker (`model_worker.ts`): loads the model in a Web Worker, sends it
 * runs one at a time (later ones wait in order), and enforces a HARD time limit on every load and run by
 * terminating the worker, so a model that loops forever cannot hold the agent. A worker that dies (an
 * uncaught error, a JavaScriptCore or V8 failure it survives) is reported as a typed error; a stopped
 * runner stays dead and the {@link ModelPool} starts a new worker on the next request.
 *
 * Errors (all {@link AgentError}): `job_timeout` (the worker was stopped, or the run gave up waiting
 * for it), `worker_crashed`, `out_of_memory`, the model's own codes from the worker (`input_mismatch`,
 * `run_failed`, `model_load_failed`, `unsupported_op`), `overloaded` with Retry-After for runs that were
 * waiting behind a run whose worker was stopped.
 *
 * What a worker cannot contain: workers are threads of the agent's process. A tensor that cannot be
 * allocated is a `RangeError` inside the worker, answered as `out_of_memory`, and the pool's RSS watchdog
 * stops runs that push the process past its memory limit; but exhausting the JavaScript heap itself (not
 * tensor buffers) is fatal to the whole process on Deno (V8 aborts), as it would be without workers.
 * @module
 */
import type { NamedTensors } from "../src/runtime/session.ts";
import { AgentError } from "./agent_error.ts";
import type { MemoryMode } from "./memory_mode.ts";
import { type FromWorker, type ModelSignature, packTensors, type ToWorker, unpackTensors } from "./worker_messages.ts";

/** The worker script every runner starts unless told otherwise. */
export const MODEL_WORKER_URL: URL = new URL("./model_worker.ts", import.meta.url);

/** Options for one run. */
export interface RunOptions {
  /** Hard time limit, counted from the call (waiting for the worker included), in milliseconds. */
  timeoutMs: number;
  /**
   * Back-to-back runs on the same feeds; `elapsedMs` is their total.
   * @default 1
   */
  count?: number;
  /** Stops the run (terminating the worker if the run is under way). */
  signal?: AbortSignal;
  /**
   * Transfer the feeds' buffers to the worker instead of copying them; the caller must not use the feeds
   * afterwards.
   * @default false
   */
  transfer?: boolean;
  /**
   * Return the last run's outputs.
   * @default true
   */
  keepOutputs?: boolean;
  /**
   * What the run is, for error messages (`"measurement 3"`).
   * @default "a run"
   */
  what?: string;
}

/** What a run gives back. */
export interface RunResult {
  /** The last run's outputs (empty when `keepOutputs` was false). */
  outputs: NamedTensors;
  /** Time of the runs measured inside the worker, in milliseconds. */
  elapsedMs: number;
  /** Names of the kernels the model's session has run so far, sorted (`["reference-scalar"]` if none). */
  kernels: string[];
}

/** Options for {@link ModelRunner}. */
export interface ModelRunnerOptions {
  /**
   * The worker script.
   * @default MODEL_WORKER_URL
   */
  workerUrl?: URL;
  /** Called once when the runner stops for good (terminated, crashed, failed to load). */
  onStop?: (runner: ModelRunner) => void;
  /**
   * The session's memory mode (see `InferenceSession.create`).
   * @default "normal"
   */
  memory?: MemoryMode;
}

interface Pending {
  seq: number;
  what: string;
  message: ToWorker;
  transfer: Transferable[];
  resolve: (message: FromWorker) => void;
  reject: (error: AgentError) => void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** One model in one worker. */
export class ModelRunner {
  /** The model's id. */
  readonly id: string;
  /** The memory mode the model is loaded in. */
  readonly memory: MemoryMode;
  readonly #worker: Worker;
  readonly #onStop: ((runner: ModelRunner) => void) | undefined;
  readonly #queue: Pending[] = [];
  #current: Pending | undefined;
  #signature: ModelSignature | undefined;
  #stopped: AgentError | undefined;
  #seq = 0;

  /** Starts the worker; {@link load} must succeed before {@link run}. */
  constructor(id: string, options: ModelRunnerOptions = {}) {
    this.id = id;
    this.memory = options.memory ?? "normal";
    this.#onStop = options.onStop;
    this.#worker = new Worker(options.workerUrl ?? MODEL_WORKER_URL, {
      type: "module",
      name: `model ${id.slice(0, 12)}${this.memory === "low" ? " (low memory)" : ""}`,
    });
    this.#worker.addEventListener("message", (e) => this.#answer((e as MessageEvent<FromWorker>).data));
    this.#worker.addEventListener("error", (e) => {
      e.preventDefault(); // keep the agent alive: Deno rethrows an unhandled worker error in the parent
      this.#crash(crashReason(e as ErrorEvent));
    });
    this.#worker.addEventListener("messageerror", () => this.#crash("a message could not be decoded"));
  }

  /** The loaded model's interface (after {@link load}). */
  get signature(): ModelSignature {
    if (!this.#signature) throw new Error(`Model ${this.id} is not loaded yet`);
    return this.#signature;
  }

  /** False once the worker was stopped, crashed or failed to load. */
  get alive(): boolean {
    return this.#stopped === undefined;
  }

  /** True while a load or run is under way or waiting. */
  get busy(): boolean {
    return this.#current !== undefined || this.#queue.length > 0;
  }

  /**
   * Loads the model in the worker (the buffers are transferred). A failure stops the runner and throws
   * `model_load_failed`, `unsupported_op`, `out_of_memory` or `job_timeout`.
   */
  async load(model: Uint8Array, weight: Uint8Array | undefined, timeoutMs: number): Promise<ModelSignature> {
    const transfer = [model.buffer, ...(weight ? [weight.buffer] : [])].filter((b) => b instanceof ArrayBuffer);
    try {
      const reply = await this.#request({ type: "load", id: this.id, model, weight, memory: this.memory }, transfer, {
        timeoutMs,
        what: "loading",
      });
      if (reply.type !== "loaded") throw new AgentError("internal", `Model ${this.id}: unexpected ${reply.type}`);
      this.#signature = reply.signature;
      return reply.signature;
    } catch (error) {
      this.stop(error instanceof AgentError ? error : new AgentError("model_load_failed", String(error)));
      throw error;
    }
  }

  /** Runs the model `count` times on `feeds` in the worker. */
  async run(feeds: NamedTensors, options: RunOptions): Promise<RunResult> {
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`run count must be a positive integer, got ${count}`);
    }
    const transfer = options.transfer ?? false;
    const { records, transfer: buffers } = packTensors(feeds, { copy: false });
    const keepOutputs = options.keepOutputs ?? true;
    const seq = ++this.#seq;
    const reply = await this.#request(
      { type: "run", seq, feeds: records, count, keepOutputs },
      transfer ? buffers : [],
      { ...options, what: options.what ?? "a run" },
      seq,
    );
    if (reply.type !== "ran") throw new AgentError("internal", `Model ${this.id}: unexpected ${reply.type}`);
    return {
      outputs: reply.outputs ? unpackTensors(reply.outputs) : {},
      elapsedMs: reply.elapsedMs,
      kernels: reply.kernels,
    };
  }

  /**
   * Terminates the worker: the run under way fails with `reason`, waiting runs with `overloaded` (retry:
   * the next request starts a new worker). Safe to call twice.
   */
  stop(reason: AgentError): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#worker.terminate();
    const current = this.#current;
    this.#current = undefined;
    current?.reject(reason);
    for (const waiting of this.#queue.splice(0)) {
      waiting.reject(
        new AgentError(
          "overloaded",
          `Model ${this.id}'s worker was stopped (${reason.code}) while ${waiting.what} waited; retry`,
          {
            retryAfter: 1,
            cause: reason,
          },
        ),
      );
    }
    this.#onStop?.(this);
  }

  #request(
    message: ToWorker,
    transfer: Transferable[],
    options: { timeoutMs: number; what: string; signal?: AbortSignal },
    seq = 0,
  ): Promise<FromWorker> {
    return new Promise<FromWorker>((resolve, reject) => {
      if (this.#stopped) {
        reject(
          new AgentError("overloaded", `Model ${this.id}'s worker was stopped (${this.#stopped.code}); retry`, {
            retryAfter: 1,
            cause: this.#stopped,
          }),
        );
        return;
      }
      const abortError = (): AgentError => {
        const reason = options.signal?.reason;
        return reason instanceof AgentError
          ? reason
          : new AgentError("shutting_down", `${options.what} on model ${this.id} was cancelled`, { cause: reason });
      };
      const lateError = (): AgentError =>
        new AgentError("job_timeout", `The time limit passed before ${options.what} could run on model ${this.id}`);
      if (options.signal?.aborted) return reject(abortError());
      if (!(options.timeoutMs > 0)) return reject(lateError());
      const timer = setTimeout(() => onTimeout(), Math.min(options.timeoutMs, MAX_TIMER_MS));
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const pending: Pending = {
        seq,
        what: options.what,
        message,
        transfer,
        resolve: (m) => {
          cleanup();
          resolve(m);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      // Under way: stop the worker (which rejects the run). Waiting: just give up the place in line.
      const fail = (error: AgentError): void => {
        if (this.#current === pending) return this.stop(error);
        this.#dequeue(pending);
        pending.reject(error);
      };
      const onTimeout = (): void =>
        fail(
          this.#current === pending
            ? new AgentError(
              "job_timeout",
              `Model ${this.id} ran past the time limit during ${options.what}; its worker was stopped`,
            )
            : lateError(),
        );
      const onAbort = (): void => fail(abortError());
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(pending);
      this.#next();
    });
  }

  #next(): void {
    if (this.#current || this.#stopped) return;
    const pending = this.#queue.shift();
    if (!pending) return;
    this.#current = pending;
    try {
      this.#worker.postMessage(pending.message, pending.transfer);
    } catch (cause) {
      this.#current = undefined;
      pending.reject(
        new AgentError("bad_request", `Cannot send ${pending.what} to model ${this.id}: ${String(cause)}`, { cause }),
      );
      this.#next();
    }
  }

  #dequeue(pending: Pending): void {
    const i = this.#queue.indexOf(pending);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  #answer(message: FromWorker): void {
    const current = this.#current;
    if (!current || (message.type !== "loaded" && message.seq !== undefined && message.seq !== current.seq)) return;
    this.#current = undefined;
    if (message.type === "failed") current.reject(new AgentError(message.code, message.message));
    else current.resolve(message);
    this.#next();
  }

  #crash(reason: string): void {
    const what = this.#current?.what;
    const error = this.#signature === undefined
      ? new AgentError("model_load_failed", `Model ${this.id} crashed its worker while loading: ${reason}`)
      : new AgentError(
        "worker_crashed",
        `Model ${this.id} crashed its worker${
          what ? ` during ${what}` : ""
        }: ${reason}; a new worker starts on the next request`,
      );
    this.stop(error);
  }
}

// Deno: "Uncaught Error: boom"; Bun: the source excerpt, then "error: boom" and the stack.
function crashReason(event: ErrorEvent): string {
  const text = String(event.message ?? event.error ?? "unknown error");
  return (/(?:^|\n)error: ([^\n]*)/.exec(text)?.[1] ?? text.split("\n")[0] ?? text).trim() || "unknown error";
}
