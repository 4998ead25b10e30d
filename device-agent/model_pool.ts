/**
 * Loaded models: one {@link ModelRunner} (one Web Worker) per stored model and memory mode (a model
 * loaded in `"low"` mode and in `"normal"` mode are different sessions), started on first use and shared
 * by the requests on that model in that mode. Memory stays bounded:
 *
 * 1. At most `maxWorkers` workers live at once; to start another, the least recently used idle one is
 *    closed, and when every worker is in use the request gets `503 overloaded` with Retry-After.
 * 2. While any model is in use a watchdog samples the agent process's RSS (workers run inside the
 *    process, so it counts them); past `maxRssBytes` it stops the workers that are loading or running
 *    with `507 out_of_memory`, before the operating system's OOM killer would take the whole agent.
 *
 * A request holds a {@link ModelLease} while it uses a model (a bench or eval for its whole job), so an
 * in-use worker is never closed under it. A runner that was stopped (time limit, crash, memory) is
 * dropped, and the next request starts a new worker.
 * @module
 */
import os from "node:os";
import process from "node:process";
import { AgentError } from "./agent_error.ts";
import type { MemoryMode } from "./memory_mode.ts";
import { ModelRunner } from "./model_runner.ts";
import type { ModelStore } from "./store.ts";

/** Options for {@link ModelPool}. */
export interface ModelPoolOptions {
  /**
   * Workers (loaded models) alive at once.
   * @default 4
   */
  maxWorkers?: number;
  /**
   * Hard time limit of loading one model, in milliseconds.
   * @default 600000
   */
  loadTimeoutMs?: number;
  /**
   * Agent RSS beyond which running models are stopped with `out_of_memory`, in bytes.
   * @default 80 % of the machine's memory
   */
  maxRssBytes?: number;
  /**
   * How often the watchdog samples RSS while a model is in use, in milliseconds.
   * @default 50
   */
  watchIntervalMs?: number;
  /**
   * The process's RSS, for tests.
   * @default process.memoryUsage().rss
   */
  rssBytes?: () => number;
  /**
   * The worker script, for tests.
   * @default the runner's model_worker.ts
   */
  workerUrl?: URL;
}

/** A model in use; call {@link release} exactly once when done (twice is harmless). */
export interface ModelLease {
  /** The loaded model. */
  runner: ModelRunner;
  /** Gives the model back. */
  release: () => void;
}

interface Entry {
  key: string;
  id: string;
  memory: MemoryMode;
  runner: ModelRunner | undefined;
  ready: Promise<ModelRunner>;
  leases: number;
  stale: boolean;
}

const MIB = 1024 * 1024;

/** The agent's loaded models, one worker each. */
export class ModelPool {
  readonly #store: ModelStore;
  readonly #max: number;
  readonly #loadTimeoutMs: number;
  readonly #maxRss: number;
  readonly #intervalMs: number;
  readonly #rss: () => number;
  readonly #workerUrl: URL | undefined;
  readonly #entries = new Map<string, Entry>(); // by keyOf(id, memory), least recently used first
  readonly #runners = new Set<ModelRunner>(); // every live worker, evicted ones still in use included
  #leases = 0;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #closing = false;

  constructor(store: ModelStore, options: ModelPoolOptions = {}) {
    this.#store = store;
    this.#max = options.maxWorkers ?? 4;
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 600_000;
    this.#maxRss = options.maxRssBytes ?? Math.floor(os.totalmem() * 0.8);
    this.#intervalMs = options.watchIntervalMs ?? 50;
    this.#rss = options.rssBytes ?? (() => process.memoryUsage().rss);
    this.#workerUrl = options.workerUrl;
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new RangeError(`maxWorkers must be ≥ 1, got ${this.#max}`);
    if (!(this.#maxRss > 0)) throw new RangeError(`maxRssBytes must be positive, got ${this.#maxRss}`);
  }

  /**
   * Leases a stored model loaded in `memory` mode, starting its worker and loading it if needed. Throws
   * `AgentError`: `model_not_found`, `model_load_failed` / `unsupported_op` (422), `overloaded` (503,
   * every worker in use), `job_timeout` or `out_of_memory` while loading, `shutting_down`.
   */
  async acquire(id: string, memory: MemoryMode = "normal"): Promise<ModelLease> {
    if (this.#closing) throw new AgentError("shutting_down", "The agent is shutting down", { retryAfter: 5 });
    const key = keyOf(id, memory);
    let entry = this.#entries.get(key);
    if (entry && entry.runner && !entry.runner.alive) {
      this.#entries.delete(key);
      entry = undefined;
    }
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    } else {
      this.#makeRoom();
      entry = this.#start(id, memory);
      this.#entries.set(key, entry);
    }
    entry.leases++;
    this.#leases++;
    this.#watch();
    const held = entry;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      held.leases--;
      this.#leases--;
      if (held.leases === 0 && (held.stale || this.#closing)) {
        held.runner?.stop(new AgentError("shutting_down", `Model ${id} was closed`));
        if (this.#entries.get(key) === held) this.#entries.delete(key);
      }
      this.#watch();
    };
    try {
      return { runner: await held.ready, release };
    } catch (error) {
      if (this.#entries.get(key) === held) this.#entries.delete(key);
      release();
      throw error;
    }
  }

  /**
   * Closes a model's workers, in every memory mode (after a delete or a new sidecar): now if idle, else
   * once their last lease ends.
   */
  evict(id: string): void {
    for (const entry of [...this.#entries.values()]) {
      if (entry.id !== id) continue;
      this.#entries.delete(entry.key);
      if (entry.leases === 0) entry.runner?.stop(new AgentError("shutting_down", `Model ${id} was evicted`));
      else entry.stale = true;
    }
  }

  /** Ids of the models with a live worker (or one loading) in any memory mode, each once. */
  loaded(): string[] {
    const live = [...this.#entries.values()].filter((e) => !e.runner || e.runner.alive);
    return [...new Set(live.map((e) => e.id))];
  }

  /** Refuses new leases and closes every worker as soon as it is idle (graceful shutdown). */
  closeWhenIdle(): void {
    this.#closing = true;
    for (const entry of [...this.#entries.values()]) {
      if (entry.leases === 0) {
        entry.runner?.stop(new AgentError("shutting_down", "The agent is shutting down"));
        this.#entries.delete(entry.key);
      }
    }
  }

  #start(id: string, memory: MemoryMode): Entry {
    const key = keyOf(id, memory);
    const entry = { key, id, memory, runner: undefined, leases: 0, stale: false } as Omit<Entry, "ready"> as Entry;
    entry.ready = (async () => {
      const model = await this.#store.read(id, "model");
      if (!model) throw new AgentError("model_not_found", `No model ${id} is stored`);
      const weight = await this.#store.read(id, "weight");
      const runner = new ModelRunner(id, {
        ...(this.#workerUrl ? { workerUrl: this.#workerUrl } : {}),
        memory,
        onStop: (stopped) => {
          this.#runners.delete(stopped);
          if (this.#entries.get(key)?.runner === stopped) this.#entries.delete(key);
        },
      });
      this.#runners.add(runner);
      entry.runner = runner;
      if (this.#closing || entry.stale) runner.stop(new AgentError("shutting_down", `Model ${id} was closed`));
      await runner.load(model, weight, this.#loadTimeoutMs);
      return runner;
    })();
    return entry;
  }

  // Closes least recently used idle workers until one more fits; refuses when all are in use.
  #makeRoom(): void {
    while (this.#entries.size >= this.#max) {
      const idle = [...this.#entries.values()].find((e) => e.leases === 0);
      if (!idle) {
        throw new AgentError(
          "overloaded",
          `All ${this.#max} model workers are in use (models ${
            [...this.#entries.values()].map((e) => `${e.id.slice(0, 12)}${e.memory === "low" ? " (low)" : ""}`)
              .join(", ")
          }); retry`,
          { retryAfter: 1 },
        );
      }
      this.#entries.delete(idle.key);
      idle.runner?.stop(new AgentError("shutting_down", `Model ${idle.id} was closed to make room`));
    }
  }

  // The RSS watchdog runs while any lease is held.
  #watch(): void {
    if (this.#leases > 0 && this.#watchdog === undefined) {
      this.#watchdog = setInterval(() => this.#checkMemory(), this.#intervalMs);
    } else if (this.#leases === 0 && this.#watchdog !== undefined) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }

  #checkMemory(): void {
    const rss = this.#rss();
    if (rss <= this.#maxRss) return;
    for (const runner of [...this.#runners]) {
      if (!runner.busy) continue;
      runner.stop(
        new AgentError(
          "out_of_memory",
          `The agent's memory (RSS ${(rss / MIB).toFixed(0)} MiB) passed its limit of ${
            (this.#maxRss / MIB).toFixed(0)
          } MiB while model ${runner.id} was in use; its worker was stopped`,
        ),
      );
    }
  }
}

// One worker per (model, memory mode).
function keyOf(id: string, memory: MemoryMode): string {
  return `${memory}:${id}`;
}
