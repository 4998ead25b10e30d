/**
 * The messages between the agent and a model worker (`model_worker.ts`), and how tensors cross the
 * boundary: as plain `{ type, data, dims }` records whose `ArrayBuffer`s are transferred, not copied.
 *
 * Conversation (one request at a time; the agent never sends a second before the first is answered):
 * 1. agent → worker `load` (model bytes, optional `.weight` bytes, memory mode) → `loaded` (the model's
 *    signature) or `failed`.
 * 2. agent → worker `run` (feeds, `count`) → `ran` (total time of the `count` runs measured inside the
 *    worker, the kernels the session has run so far, and the last run's outputs when asked) or `failed`.
 * @module
 */
import type { ValueInfo } from "../src/graph/graph.ts";
import { Tensor } from "../src/graph/tensor.ts";
import type { NamedTensors } from "../src/runtime/session.ts";
import type { ErrorCode } from "./agent_error.ts";
import type { MemoryMode } from "./memory_mode.ts";

/** What the agent needs to know about a loaded model to plan jobs, without the model itself. */
export interface ModelSignature {
  /** Names of the inputs to feed. */
  inputNames: string[];
  /** Names of the outputs a run returns. */
  outputNames: string[];
  /** Declared inputs. */
  inputs: readonly ValueInfo[];
  /** Declared outputs. */
  outputs: readonly ValueInfo[];
}

/** A tensor as it crosses the worker boundary (structured clone drops the `Tensor` prototype). */
export interface TensorRecord {
  /** Element type. */
  type: Tensor["type"];
  /** Elements. */
  data: Tensor["data"];
  /** Shape. */
  dims: number[];
}

/** Messages the agent sends to a model worker. */
export type ToWorker =
  | { type: "load"; id: string; model: Uint8Array; weight: Uint8Array | undefined; memory: MemoryMode }
  | { type: "run"; seq: number; feeds: Record<string, TensorRecord>; count: number; keepOutputs: boolean };

/** Messages a model worker sends back. */
export type FromWorker =
  | { type: "loaded"; signature: ModelSignature }
  | {
    type: "ran";
    seq: number;
    elapsedMs: number;
    /** The session's `kernels`: names of the kernels run so far, sorted (`["reference-scalar"]` if none). */
    kernels: string[];
    outputs: Record<string, TensorRecord> | undefined;
  }
  | { type: "failed"; seq: number | undefined; code: ErrorCode; message: string };

/**
 * Turns tensors into records plus the list of buffers to transfer (each once). With `copy`, every numeric
 * tensor is first copied into a buffer of its own, so transferring it cannot detach memory the sender
 * still uses (a model's weights, another tensor sharing the buffer).
 *
 * @example
 * ```ts
 * const t = new Tensor("float32", new Float32Array([1, 2]), [2]);
 * const { records, transfer } = packTensors({ t }, { copy: true });
 * if (transfer.length !== 1 || records.t!.dims[0] !== 2) throw new Error("one buffer");
 * ```
 */
export function packTensors(
  tensors: NamedTensors,
  options: { copy: boolean },
): { records: Record<string, TensorRecord>; transfer: ArrayBuffer[] } {
  const records: Record<string, TensorRecord> = {};
  const transfer = new Set<ArrayBuffer>();
  for (const [name, t] of Object.entries(tensors)) {
    let data = t.data;
    if (!Array.isArray(data)) {
      if (options.copy) data = data.slice() as Tensor["data"];
      const buffer = (data as Exclude<Tensor["data"], string[]>).buffer;
      if (buffer instanceof ArrayBuffer) transfer.add(buffer);
    }
    records[name] = { type: t.type, data, dims: [...t.dims] };
  }
  return { records, transfer: [...transfer] };
}

/** Rebuilds tensors from records (checking each shape against its data). */
export function unpackTensors(records: Record<string, TensorRecord>): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, r] of Object.entries(records)) out[name] = new Tensor(r.type, r.data, r.dims);
  return out;
}
