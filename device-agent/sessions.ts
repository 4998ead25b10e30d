/**
 * Loaded models: one {@link InferenceSession} per stored model, created on first use from the store
 * (the `.weight` sidecar answers the model's external-file reads), shared by concurrent requests and
 * evicted least-recently-used beyond a limit. A model that fails to load is reported, never cached.
 * @module
 */
import { UnsupportedOpError } from "../src/errors.ts";
import type { Graph } from "../src/graph/graph.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import { AgentError } from "./agent_error.ts";
import type { ModelStore } from "./store.ts";

/** Options for {@link SessionCache}. */
export interface SessionCacheOptions {
  /**
   * Sessions kept in memory at once.
   * @default 4
   */
  maxLoaded?: number;
}

/** The kernel family the reference runtime uses for every op. */
export const REFERENCE_KERNEL = "reference-scalar";

/** Least-recently-used cache of sessions over a {@link ModelStore}. */
export class SessionCache {
  readonly #store: ModelStore;
  readonly #max: number;
  readonly #sessions = new Map<string, Promise<InferenceSession>>();

  constructor(store: ModelStore, options: SessionCacheOptions = {}) {
    this.#store = store;
    this.#max = options.maxLoaded ?? 4;
    if (!(this.#max >= 1)) throw new RangeError(`maxLoaded must be at least 1, got ${this.#max}`);
  }

  /**
   * The session of a stored model, loading it if needed. Throws `AgentError` `model_not_found`, or
   * `model_load_failed` / `unsupported_op` (422) when the model cannot be loaded.
   */
  async get(id: string): Promise<InferenceSession> {
    let pending = this.#sessions.get(id);
    if (pending) {
      this.#sessions.delete(id);
      this.#sessions.set(id, pending); // most recently used last
    } else {
      pending = this.#load(id);
      this.#sessions.set(id, pending);
      while (this.#sessions.size > this.#max) this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    try {
      return await pending;
    } catch (error) {
      if (this.#sessions.get(id) === pending) this.#sessions.delete(id);
      throw error;
    }
  }

  /** Drops a model's session (after a delete or a new sidecar). */
  evict(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ids with a session in memory (or loading). */
  loaded(): string[] {
    return [...this.#sessions.keys()];
  }

  async #load(id: string): Promise<InferenceSession> {
    const bytes = await this.#store.read(id, "model");
    if (!bytes) throw new AgentError("model_not_found", `No model ${id} is stored`);
    const weight = await this.#store.read(id, "weight");
    const readFile = (path: string): Promise<Uint8Array> => {
      if (weight) return Promise.resolve(weight);
      const name = path.slice(path.lastIndexOf("/") + 1);
      return Promise.reject(
        new Error(`the model reads the external file "${name}" but no .weight sidecar was uploaded for it`),
      );
    };
    try {
      return await InferenceSession.create(bytes, { readFile, baseDir: "." });
    } catch (error) {
      if (error instanceof UnsupportedOpError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new AgentError("model_load_failed", `Model ${id} failed to load: ${reason}`, { cause: error });
    }
  }
}

/** The kernel used for each op type of a session's graph (subgraphs included). */
export function kernelsOf(session: InferenceSession): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (graph: Graph): void => {
    for (const node of graph.nodes) {
      out[node.op] = REFERENCE_KERNEL;
      for (const attr of Object.values(node.attributes)) if (attr.kind === "graph") visit(attr.value);
    }
  };
  visit(session.model.graph);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
