/**
 * The options of {@link createApp} and the state its routes share.
 * @module
 */
import { JobLocks, RunLimiter } from "./limits.ts";
import { ModelPool } from "./model_pool.ts";
import type { ModelStore } from "./store.ts";

/** Options for `createApp`. */
export interface AgentOptions {
  /** The opened model store (`await ModelStore.open(dir)`). */
  store: ModelStore;
  /**
   * Bearer token every route but `/v1/health` requires. Without one, nothing is checked: only for
   * an agent bound to loopback (`runAgent` refuses anything else).
   */
  token?: string;
  /**
   * Largest infer or bench body (JSON or `.npy` parts), in bytes.
   * @default 64 MiB
   */
  maxBodyBytes?: number;
  /**
   * Largest eval dataset body, in bytes.
   * @default 256 MiB
   */
  maxDatasetBytes?: number;
  /**
   * Hard time limit of one infer, bench or eval job (and of loading a model), in milliseconds: a run
   * still going at the limit is stopped by terminating its model's worker, and the job fails with
   * `job_timeout`.
   * @default 600000
   */
  jobTimeoutMs?: number;
  /**
   * Models loaded at once, each in its own worker; the least recently used idle one is closed to make
   * room, and when all are in use a request for another model gets `503 overloaded`.
   * @default 4
   */
  maxLoadedModels?: number;
  /**
   * Agent RSS (workers included) past which running models are stopped with `507 out_of_memory`.
   * @default 80 % of the machine's memory
   */
  maxRssBytes?: number;
  /**
   * The model worker script, for tests.
   * @default device-agent/model_worker.ts
   */
  workerUrl?: URL;
  /**
   * Infer requests admitted at once (each may hold a body of up to `maxBodyBytes`).
   * @default 2
   */
  maxActiveRuns?: number;
  /**
   * Infer requests that may wait for a slot; more get `503 overloaded` with Retry-After.
   * @default 64
   */
  maxQueuedRuns?: number;
  /**
   * When aborted the agent refuses new requests (503) and stops running jobs.
   * @default never
   */
  signal?: AbortSignal;
  /**
   * Monotonic clock in milliseconds, for tests.
   * @default performance.now
   */
  now?: () => number;
  /**
   * Where internal errors (500) are logged with their stack.
   * @default console.error
   */
  log?: (line: string) => void;
}

/** What the routes share. */
export interface AgentState {
  /** The store. */
  store: ModelStore;
  /** Loaded models, one worker each. */
  models: ModelPool;
  /** One job per model. */
  locks: JobLocks;
  /** Admission of infer requests. */
  limiter: RunLimiter;
  /** Controllers of running jobs (aborted at shutdown). */
  jobs: Set<AbortController>;
  /** Resolved limits. */
  maxBodyBytes: number;
  /** Resolved limits. */
  maxDatasetBytes: number;
  /** Resolved limits. */
  jobTimeoutMs: number;
  /** The clock. */
  now: () => number;
  /** Shutdown signal. */
  signal: AbortSignal | undefined;
  /** Internal-error log. */
  log: (line: string) => void;
}

/** Validates the options and builds the shared state. Throws `RangeError` for bad limits. */
export function agentState(options: AgentOptions): AgentState {
  const positive = (name: string, v: number): number => {
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new RangeError(`Agent option ${name} must be a positive number, got ${v}`);
    }
    return v;
  };
  const jobTimeoutMs = positive("jobTimeoutMs", options.jobTimeoutMs ?? 600_000);
  const models = new ModelPool(options.store, {
    maxWorkers: positive("maxLoadedModels", options.maxLoadedModels ?? 4),
    loadTimeoutMs: jobTimeoutMs,
    ...(options.maxRssBytes === undefined ? {} : { maxRssBytes: positive("maxRssBytes", options.maxRssBytes) }),
    ...(options.workerUrl === undefined ? {} : { workerUrl: options.workerUrl }),
  });
  return {
    store: options.store,
    models,
    locks: new JobLocks(options.now),
    limiter: new RunLimiter(positive("maxActiveRuns", options.maxActiveRuns ?? 2), options.maxQueuedRuns ?? 64),
    jobs: new Set(),
    maxBodyBytes: positive("maxBodyBytes", options.maxBodyBytes ?? 64 * 1024 ** 2),
    maxDatasetBytes: positive("maxDatasetBytes", options.maxDatasetBytes ?? 256 * 1024 ** 2),
    jobTimeoutMs,
    now: options.now ?? (() => performance.now()),
    signal: options.signal,
    log: options.log ?? ((line) => console.error(line)),
  };
}
