/**
 * Agreement of two classifiers' outputs `[rows, classes]` (e.g. the PP-OCR direction classifier's
 * `[N, 2]` softmax): argmax agreement between candidate and reference, and the accuracy of each against
 * labels.
 * @module
 */
import type { Tensor } from "../graph/tensor.ts";
import { argmaxRows, fractionEqual, tensorValues } from "./metrics.ts";

/** Agreement figures of two classifier outputs. */
export interface ClassAgreement {
  /** Rows (samples) compared. */
  rows: number;
  /** Fraction of rows whose argmax is equal. */
  agreement: number;
  /** The reference's argmax per row. */
  referenceClasses: Int32Array;
  /** The candidate's argmax per row. */
  candidateClasses: Int32Array;
  /** Reference argmax against the labels (when labels are given). */
  referenceAccuracy: number | undefined;
  /** Candidate argmax against the labels (when labels are given). */
  candidateAccuracy: number | undefined;
}

/**
 * Compares classifier outputs whose last axis is the classes (all other axes are rows). Throws
 * `RangeError` when the shapes differ or the label count is not the row count.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const ref = new Tensor("float32", Float32Array.of(0.9, 0.1, 0.2, 0.8), [2, 2]);
 * const cand = new Tensor("float32", Float32Array.of(0.7, 0.3, 0.6, 0.4), [2, 2]);
 * const a = classAgreement(ref, cand, [0, 1]);
 * if (a.agreement !== 0.5 || a.referenceAccuracy !== 1 || a.candidateAccuracy !== 0.5) throw new Error();
 * ```
 */
export function classAgreement(reference: Tensor, candidate: Tensor, labels?: ArrayLike<number>): ClassAgreement {
  if (reference.dims.join() !== candidate.dims.join()) {
    throw new RangeError(`Cannot compare a [${candidate.dims}] classifier output with a [${reference.dims}] reference`);
  }
  const classes = reference.dims[reference.dims.length - 1];
  if (reference.dims.length < 1 || !classes) {
    throw new RangeError(`A classifier output needs a last axis of classes, got [${reference.dims}]`);
  }
  const referenceClasses = argmaxRows(tensorValues(reference), classes);
  const candidateClasses = argmaxRows(tensorValues(candidate), classes);
  if (labels && labels.length !== referenceClasses.length) {
    throw new RangeError(`Got ${labels.length} labels for ${referenceClasses.length} classifier rows`);
  }
  return {
    rows: referenceClasses.length,
    agreement: fractionEqual(referenceClasses, candidateClasses),
    referenceClasses,
    candidateClasses,
    referenceAccuracy: labels ? fractionEqual(referenceClasses, labels) : undefined,
    candidateAccuracy: labels ? fractionEqual(candidateClasses, labels) : undefined,
  };
}
