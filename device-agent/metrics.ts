/**
 * Accuracy metrics of model outputs against expected values, accumulated sample by sample in float64:
 * cosine similarity, SQNR, max and mean absolute error, and arg-max (top-1) agreement.
 * @module
 */
import type { OutputMetrics } from "../src/client/protocol.ts";
import { float16ToFloat32Array } from "../src/graph/float16.ts";
import { type Tensor, toNumbers } from "../src/graph/tensor.ts";

/** The elements of a numeric tensor as float64 values (float16 decoded). */
export function asFloat64(t: Tensor): Float64Array {
  if (t.type === "float16") return Float64Array.from(float16ToFloat32Array(t.data as Uint16Array));
  if (t.type === "float32" || t.type === "float64") return Float64Array.from(t.data as Float32Array);
  return Float64Array.from(toNumbers(t));
}

/** Index of the largest value (the first on ties); -1 when empty. */
export function argMax(values: ArrayLike<number>): number {
  let best = -1;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > max || best < 0) {
      max = values[i]!;
      best = i;
    }
  }
  return best;
}

/** Sums over samples for one output; {@link result} turns them into {@link OutputMetrics}. */
export class OutputAccumulator {
  #dot = 0;
  #outSq = 0;
  #refSq = 0;
  #errSq = 0;
  #absSum = 0;
  #maxAbs = 0;
  #count = 0;
  #samples = 0;
  #top1 = 0;
  #minCos = 1;

  /** Adds one sample: `out` and `ref` must have the same number of elements. */
  add(out: ArrayLike<number>, ref: ArrayLike<number>): void {
    let dot = 0;
    let oo = 0;
    let rr = 0;
    for (let i = 0; i < out.length; i++) {
      const o = out[i]!;
      const r = ref[i]!;
      const e = Math.abs(o - r);
      dot += o * r;
      oo += o * o;
      rr += r * r;
      this.#errSq += e * e;
      this.#absSum += e;
      if (e > this.#maxAbs || Number.isNaN(e)) this.#maxAbs = e;
    }
    this.#dot += dot;
    this.#outSq += oo;
    this.#refSq += rr;
    this.#count += out.length;
    this.#samples++;
    this.#minCos = Math.min(this.#minCos, cosine(dot, oo, rr));
    if (argMax(out) === argMax(ref)) this.#top1++;
  }

  /** The metrics so far. */
  result(): OutputMetrics {
    const sqnr = this.#errSq === 0 ? Infinity : 10 * Math.log10(this.#refSq / this.#errSq);
    return {
      cosine: cosine(this.#dot, this.#outSq, this.#refSq),
      minSampleCosine: this.#minCos,
      sqnrDb: Number.isFinite(sqnr) ? sqnr : null,
      maxAbsError: this.#maxAbs,
      meanAbsError: this.#count === 0 ? 0 : this.#absSum / this.#count,
      top1Agreement: this.#samples === 0 ? 0 : this.#top1 / this.#samples,
    };
  }
}

// Two all-zero vectors count as identical; one zero vector against a non-zero one as orthogonal.
function cosine(dot: number, aa: number, bb: number): number {
  if (aa === 0 && bb === 0) return 1;
  if (aa === 0 || bb === 0) return 0;
  return dot / Math.sqrt(aa * bb);
}
