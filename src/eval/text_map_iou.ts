/**
 * Agreement of two PP-OCR detector outputs: both probability maps are binarized at a threshold (DBNet's
 * text pixels, p > 0.3 by default as in PaddleOCR's `thresh`) and compared by intersection over union.
 * @module
 */
import type { Tensor } from "../graph/tensor.ts";

/** Options for {@link textMapIoU}. */
export interface TextMapIoUOptions {
  /**
   * A pixel is text when its probability is strictly greater than this.
   * @default 0.3
   */
  threshold?: number;
}

/** Overlap of two binarized maps. */
export interface TextMapOverlap {
  /** `intersection / union`; 1 when neither map has a text pixel. */
  iou: number;
  /** Text pixels in both maps. */
  intersection: number;
  /** Text pixels in either map. */
  union: number;
  /** Text pixels in the reference map. */
  referencePixels: number;
  /** Text pixels in the candidate map. */
  candidatePixels: number;
}

/**
 * Intersection over union of the text pixels of two probability maps of the same shape (tensors or
 * arrays). Throws `RangeError` when the sizes differ.
 *
 * @example
 * ```ts
 * const o = textMapIoU([0.9, 0.9, 0.1, 0.5], [0.9, 0.2, 0.1, 0.6]);
 * // text pixels {0, 1, 3} and {0, 3}: intersection 2, union 3
 * if (o.intersection !== 2 || o.union !== 3 || Math.abs(o.iou - 2 / 3) > 1e-12) throw new Error();
 * ```
 */
export function textMapIoU(
  reference: Tensor | ArrayLike<number>,
  candidate: Tensor | ArrayLike<number>,
  options: TextMapIoUOptions = {},
): TextMapOverlap {
  const ref = valuesOf(reference, "reference");
  const cand = valuesOf(candidate, "candidate");
  if ("dims" in reference && "dims" in candidate && reference.dims.join() !== candidate.dims.join()) {
    throw new RangeError(`Cannot compare a [${candidate.dims}] text map with a [${reference.dims}] reference`);
  }
  if (ref.length !== cand.length) {
    throw new RangeError(`Cannot compare a text map of ${cand.length} pixels with a reference of ${ref.length}`);
  }
  const threshold = options.threshold ?? 0.3;
  let intersection = 0, union = 0, referencePixels = 0, candidatePixels = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = ref[i]! > threshold, b = cand[i]! > threshold;
    if (a) referencePixels++;
    if (b) candidatePixels++;
    if (a && b) intersection++;
    if (a || b) union++;
  }
  return { iou: union === 0 ? 1 : intersection / union, intersection, union, referencePixels, candidatePixels };
}

function valuesOf(map: Tensor | ArrayLike<number>, role: string): ArrayLike<number> {
  if (!("dims" in map)) return map;
  if (map.type !== "float32" && map.type !== "float64") {
    throw new TypeError(`The ${role} text map must be float32 or float64, got ${map.type}`);
  }
  return map.data as Float32Array | Float64Array;
}
