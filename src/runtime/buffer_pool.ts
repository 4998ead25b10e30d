/**
 * Reuse of intermediate tensor buffers across the nodes of a run and across runs. While a graph runs,
 * the executor installs {@link BufferPool.source} as `allocate`'s {@link ArraySource}: every numeric array
 * of at least {@link MIN_POOLED_BYTES} an op allocates is handed out (recycled, zero-filled, or new) and
 * remembered as minted in this run. The executor counts the live values holding each minted buffer
 * ({@link BufferPool.retain}); when the last one is dropped after its last reader
 * ({@link BufferPool.release}), the buffer goes back to the pool for the next allocation of the same
 * dtype and length. Only buffers minted in the current run are ever recycled: feeds, initializers and
 * the outputs of earlier runs (which belong to the caller) are never touched; the outputs of this run are
 * never released, so {@link BufferPool.endRun} just forgets them. Pooled buffers a whole run did not reuse
 * are dropped at its end, so the pool holds at most what one run needs. A recycled buffer is zero-filled
 * unless the op asked for it with `allocateForOverwrite` (it writes every element itself).
 *
 * Without this, every run leaves its intermediates as garbage the engine collects late (V8 lets external
 * array memory grow by tens of MiB between collections), and the run's peak RSS measures that garbage.
 * @module
 */
import type { ArraySource, DType, TensorData } from "../graph/dtype.ts";
import type { Tensor } from "../graph/tensor.ts";

type PooledArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** Arrays smaller than this (shape tensors, scalars) are left to the engine. */
export const MIN_POOLED_BYTES = 4096;

/**
 * For tests: when `poison` is a number, every pooled array handed out for overwrite, new or recycled, is
 * first filled with it (integer arrays with `0x5a5a5a5a` cut to their width), so a test can show that the
 * ops which ask for such arrays really write every element.
 */
export const overwriteCheck: { poison: number | undefined } = { poison: undefined };

const MAKERS: Partial<Record<DType, { bytes: number; make: (n: number) => PooledArray }>> = {
  float32: { bytes: 4, make: (n) => new Float32Array(n) },
  float64: { bytes: 8, make: (n) => new Float64Array(n) },
  float16: { bytes: 2, make: (n) => new Uint16Array(n) },
  int8: { bytes: 1, make: (n) => new Int8Array(n) },
  uint8: { bytes: 1, make: (n) => new Uint8Array(n) },
  bool: { bytes: 1, make: (n) => new Uint8Array(n) },
  int16: { bytes: 2, make: (n) => new Int16Array(n) },
  uint16: { bytes: 2, make: (n) => new Uint16Array(n) },
  int32: { bytes: 4, make: (n) => new Int32Array(n) },
  uint32: { bytes: 4, make: (n) => new Uint32Array(n) },
};

interface Minted {
  key: string;
  array: PooledArray;
  bytes: number;
  refs: number;
}

/**
 * A recycling allocator for one graph's intermediate values (one per session graph; runs are
 * synchronous, so one run uses it at a time).
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const pool = new BufferPool();
 * const a = pool.source("float32", 2048) as Float32Array;
 * const t = new Tensor("float32", a, [2048]);
 * pool.retain(t);
 * a[0] = 5;
 * pool.release(t); // last holder gone: back to the pool
 * const b = pool.source("float32", 2048) as Float32Array;
 * if (b !== a || b[0] !== 0) throw new Error("recycled and zero-filled");
 * ```
 */
export class BufferPool {
  readonly #free = new Map<string, PooledArray[]>();
  readonly #minted = new Map<ArrayBufferLike, Minted>();
  /** Pooled arrays carried over from the previous run and not reused since. */
  #stale = new Set<PooledArray>();
  #pooledBytes = 0;

  /** The {@link ArraySource} to install while a run of the graph goes on. */
  readonly source: ArraySource = (dtype, n, overwrite) => this.#take(dtype, n, overwrite === true);

  /** Bytes held in the pool (not handed out). */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  #take(dtype: DType, n: number, overwrite: boolean): TensorData | undefined {
    const maker = MAKERS[dtype];
    if (maker === undefined || n * maker.bytes < MIN_POOLED_BYTES) return undefined;
    const key = `${dtype}:${n}`;
    let array = this.#free.get(key)?.pop();
    if (array === undefined) array = maker.make(n);
    else {
      if (!overwrite) array.fill(0);
      this.#stale.delete(array);
      this.#pooledBytes -= array.byteLength;
    }
    const poison = overwriteCheck.poison;
    if (overwrite && poison !== undefined) {
      array.fill(array instanceof Float32Array || array instanceof Float64Array ? poison : 0x5a5a5a5a);
    }
    this.#minted.set(array.buffer, { key, array, bytes: array.byteLength, refs: 0 });
    return array;
  }

  #entry(t: Tensor): Minted | undefined {
    return Array.isArray(t.data) ? undefined : this.#minted.get(t.data.buffer);
  }

  /** Counts one more live value holding `t`'s buffer (no-op unless the buffer was minted in this run). */
  retain(t: Tensor): void {
    const e = this.#entry(t);
    if (e !== undefined) e.refs++;
  }

  /** Drops one live value holding `t`'s buffer; the buffer returns to the pool when no value holds it. */
  release(t: Tensor): void {
    const e = this.#entry(t);
    if (e === undefined || --e.refs > 0) return;
    this.#minted.delete(e.array.buffer);
    const list = this.#free.get(e.key);
    if (list === undefined) this.#free.set(e.key, [e.array]);
    else list.push(e.array);
    this.#pooledBytes += e.bytes;
  }

  /**
   * Ends a run: forgets the buffers still held (the run's outputs, now the caller's, and values of
   * subgraph runs) and drops pooled arrays this run never reused.
   */
  endRun(): void {
    this.#minted.clear();
    for (const [key, list] of this.#free) {
      const kept = list.filter((a) => !this.#stale.has(a));
      for (const a of list) if (this.#stale.has(a)) this.#pooledBytes -= a.byteLength;
      if (kept.length === 0) this.#free.delete(key);
      else this.#free.set(key, kept);
    }
    this.#stale = new Set([...this.#free.values()].flat());
  }
}
