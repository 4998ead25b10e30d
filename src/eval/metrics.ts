/**
 * Tensor agreement metrics for a candidate output against its reference: cosine similarity, SQNR (dB),
 * max abs error, and top-1 agreement for classifier-shaped outputs (last axis = classes). One pass in
 * float64 over any pair of numeric tensors or arrays; float16 tensors are decoded from their raw bits.
 *
 * NaN rule: a position where both sides are NaN counts as equal and is skipped; a NaN on one side only
 * is an infinite error (max abs error = Infinity, SQNR = −Infinity) and is left out of the cosine.
 * @module
 */
import { float16ToFloat32Array } from "../graph/float16.ts";
import type { Tensor } from "../graph/tensor.ts";

/** Agreement figures of a candidate against its reference. */
export interface ArrayComparison {
  /** Cosine similarity; 1 when both are all zeros, 0 when exactly one is. */
  cosine: number;
  /** `10·log10(Σref² / Σ(ref − cand)²)` in dB; Infinity when equal, −Infinity for a one-sided NaN. */
  sqnrDb: number;
  /** Largest `|ref − cand|`. */
  maxAbsError: number;
  /** Largest `|ref|`, to make {@link ArrayComparison.maxAbsError} relative. */
  maxAbsRef: number;
  /** Number of positions compared. */
  count: number;
}

/**
 * Compares `candidate` with `reference` position by position (sums in float64). Throws `RangeError`
 * when the lengths differ.
 *
 * @example
 * ```ts
 * const c = compareArrays([3, 4], [3, 4.5]);
 * if (c.maxAbsError !== 0.5 || Math.abs(c.sqnrDb - 10 * Math.log10(25 / 0.25)) > 1e-12) throw new Error();
 * ```
 */
export function compareArrays(reference: ArrayLike<number>, candidate: ArrayLike<number>): ArrayComparison {
  if (reference.length !== candidate.length) {
    throw new RangeError(`Cannot compare ${candidate.length} values with ${reference.length} reference values`);
  }
  let dot = 0, nr = 0, nc = 0, noise = 0, maxAbsError = 0, maxAbsRef = 0;
  const n = reference.length;
  for (let i = 0; i < n; i++) {
    const r = reference[i]!, c = candidate[i]!;
    if (r !== r || c !== c) {
      if ((r !== r) !== (c !== c)) maxAbsError = noise = Infinity;
      continue;
    }
    dot += r * c;
    nr += r * r;
    nc += c * c;
    const e = r === c ? 0 : Math.abs(r - c);
    noise += e * e;
    if (e > maxAbsError) maxAbsError = e;
    const a = Math.abs(r);
    if (a > maxAbsRef) maxAbsRef = a;
  }
  return {
    cosine: nr === 0 && nc === 0 ? 1 : nr === 0 || nc === 0 ? 0 : dot / Math.sqrt(nr * nc),
    sqnrDb: noise === 0 ? Infinity : noise === Infinity ? -Infinity : 10 * Math.log10(nr / noise),
    maxAbsError,
    maxAbsRef,
    count: n,
  };
}

/**
 * Cosine similarity of two equally long arrays (see {@link compareArrays} for zeros and NaN).
 *
 * @example
 * ```ts
 * if (cosineSimilarity([1, 0], [0, 2]) !== 0 || cosineSimilarity([1, 2], [2, 4]) !== 1) throw new Error();
 * ```
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return compareArrays(a, b).cosine;
}

/**
 * Signal-to-quantization-noise ratio of `candidate` against `reference`, in dB.
 *
 * @example
 * ```ts
 * if (Math.round(sqnrOf([1, -1, 1, -1], [1.1, -1.1, 1.1, -1.1])) !== 20) throw new Error("noise 1/10 → 20 dB");
 * ```
 */
export function sqnrOf(reference: ArrayLike<number>, candidate: ArrayLike<number>): number {
  return compareArrays(reference, candidate).sqnrDb;
}

/**
 * Largest absolute difference of two equally long arrays.
 *
 * @example
 * ```ts
 * if (maxAbsError([1, 2, 3], [1, 2.5, 2]) !== 1) throw new Error();
 * ```
 */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return compareArrays(a, b).maxAbsError;
}

/**
 * The elements of a numeric tensor as float64 values: bigints converted, float16 decoded from its bits,
 * bool as 0/1. Throws `TypeError` for string tensors.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const v = tensorValues(new Tensor("float16", Uint16Array.of(0x3c00, 0xc000), [2]));
 * if (v[0] !== 1 || v[1] !== -2) throw new Error();
 * ```
 */
export function tensorValues(t: Tensor): Float64Array {
  if (t.type === "string") throw new TypeError("Cannot compare string tensors numerically");
  const source: ArrayLike<number | bigint> = t.type === "float16"
    ? float16ToFloat32Array(t.data as Uint16Array)
    : t.data as ArrayLike<number | bigint>;
  const out = new Float64Array(source.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(source[i]!);
  return out;
}

/** Agreement of two tensors: {@link ArrayComparison} plus top-1 agreement when the output is a classifier's. */
export interface TensorComparison extends ArrayComparison {
  /**
   * Fraction of rows (all axes but the last) whose argmax is the same, when the reference is
   * classifier-shaped ({@link isClassifierShaped}); otherwise undefined.
   */
  top1Agreement: number | undefined;
}

/**
 * Compares a candidate tensor with its reference: cosine, SQNR, max abs error and, for
 * classifier-shaped outputs, top-1 agreement. Throws `RangeError` when the shapes differ.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const ref = new Tensor("float32", Float32Array.of(0.9, 0.1, 0.3, 0.7), [2, 2]);
 * const cand = new Tensor("float32", Float32Array.of(0.6, 0.4, 0.6, 0.4), [2, 2]);
 * if (compareTensors(ref, cand).top1Agreement !== 0.5) throw new Error("one row of two agrees");
 * ```
 */
export function compareTensors(reference: Tensor, candidate: Tensor): TensorComparison {
  if (reference.dims.length !== candidate.dims.length || reference.dims.some((d, i) => d !== candidate.dims[i])) {
    throw new RangeError(`Cannot compare a [${candidate.dims}] tensor with a [${reference.dims}] reference`);
  }
  const ref = tensorValues(reference);
  const cand = tensorValues(candidate);
  const classes = reference.dims[reference.dims.length - 1] ?? 0;
  return {
    ...compareArrays(ref, cand),
    top1Agreement: isClassifierShaped(reference) ? top1Agreement(ref, cand, classes) : undefined,
  };
}

/**
 * The argmax of every row of `values` read as `[rows, classes]` (the first maximum wins; NaN never wins).
 * Throws `RangeError` when the length is not a multiple of `classes`.
 *
 * @example
 * ```ts
 * if (argmaxRows([0, 2, 1, 5, 4, 3], 3).join() !== "1,0") throw new Error();
 * ```
 */
export function argmaxRows(values: ArrayLike<number>, classes: number): Int32Array {
  if (!(classes >= 1) || values.length % classes !== 0) {
    throw new RangeError(`Cannot split ${values.length} values into rows of ${classes} classes`);
  }
  const rows = values.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let best = 0, bestValue = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = values[base + c]!;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

/**
 * Fraction of rows of `[rows, classes]` arrays whose argmax is equal (1 for zero rows).
 *
 * @example
 * ```ts
 * if (top1Agreement([1, 0, 0, 1], [1, 0, 1, 0], 2) !== 0.5) throw new Error();
 * ```
 */
export function top1Agreement(reference: ArrayLike<number>, candidate: ArrayLike<number>, classes: number): number {
  if (reference.length !== candidate.length) {
    throw new RangeError(`Cannot compare ${candidate.length} values with ${reference.length} reference values`);
  }
  return fractionEqual(argmaxRows(reference, classes), argmaxRows(candidate, classes));
}

/**
 * Fraction of positions where two equally long arrays hold the same value (1 when both are empty):
 * decision agreement, or accuracy against labels.
 *
 * @example
 * ```ts
 * if (fractionEqual([1, 0, 1, 1], [1, 1, 1, 1]) !== 0.75) throw new Error();
 * ```
 */
export function fractionEqual(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`Cannot compare ${a.length} values with ${b.length}`);
  if (a.length === 0) return 1;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * True when a tensor looks like a classifier's output, so top-1 agreement means something: a float
 * tensor of rank ≥ 2 whose last axis (the classes) has ≥ 2 entries, and either rank 2 (`[batch,
 * classes]`) or every row a probability distribution (non-negative, summing to 1 ± 1e-3: a softmax
 * over the last axis, e.g. a CTC recognizer's `[batch, steps, classes]`).
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * if (!isClassifierShaped(new Tensor("float32", new Float32Array(10), [1, 10]))) throw new Error("logits");
 * if (isClassifierShaped(new Tensor("float32", new Float32Array(16), [1, 1, 4, 4]))) throw new Error("a map");
 * ```
 */
export function isClassifierShaped(t: Tensor): boolean {
  if (t.type !== "float32" && t.type !== "float64" && t.type !== "float16") return false;
  const classes = t.dims[t.dims.length - 1] ?? 0;
  if (t.dims.length < 2 || classes < 2) return false;
  if (t.dims.length === 2) return true;
  const values = t.type === "float16" ? float16ToFloat32Array(t.data as Uint16Array) : t.data as Float32Array;
  for (let base = 0; base < values.length; base += classes) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = values[base + c]!;
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return values.length > 0;
}
