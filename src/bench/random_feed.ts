/**
 * Seeded random inputs for a model's declared inputs, so a benchmark needs no data: floats uniform in
 * [-1, 1), integers in 0..9, booleans 0/1. Symbolic dimensions take the size given for their name, else 1
 * on the first axis (the batch) and {@link DEFAULT_SYMBOLIC_DIM} elsewhere, the same sizes `validate`
 * picks. Shared by `bitloop bench` and the device agent's bench job.
 *
 * @example
 * ```ts
 * import { randomFeed } from "./random_feed.ts";
 * const t = randomFeed({ name: "x", dtype: "float32", shape: ["batch", 3] }, { dims: { batch: 2 } });
 * if (t.dims.join() !== "2,3") throw new Error("shape");
 * ```
 * @module
 */
import { InputError } from "../errors.ts";
import { allocate, isBigIntDType } from "../graph/dtype.ts";
import { float32ToFloat16Bits } from "../graph/float16.ts";
import type { ValueInfo } from "../graph/graph.ts";
import { shapeSize, Tensor } from "../graph/tensor.ts";

/**
 * Size of a symbolic dimension nobody named, past the first axis: big enough for the pooling windows and
 * strides of image models (1×1 images fail PP-OCR's MaxPool), small enough to stay quick.
 */
export const DEFAULT_SYMBOLIC_DIM = 64;

/** Options for {@link randomFeed}. */
export interface RandomFeedOptions {
  /** Seed of the generator (mulberry32); the same seed gives the same tensor. @default 1 */
  seed?: number;
  /**
   * Sizes of symbolic dimensions by name; unnamed, unknown or unlisted ones become 1 on the first axis and
   * {@link DEFAULT_SYMBOLIC_DIM} elsewhere. @default {}
   */
  dims?: Readonly<Record<string, number>>;
}

/**
 * A tensor of seeded random values matching `info`'s declared dtype and shape. Throws `InputError` when
 * the input has no numeric declared type (it must then be given).
 *
 * @example
 * ```ts
 * const a = randomFeed({ name: "x", dtype: "float32", shape: [4] }, { seed: 7 });
 * const b = randomFeed({ name: "x", dtype: "float32", shape: [4] }, { seed: 7 });
 * if (a.data[0] !== b.data[0]) throw new Error("seeded");
 * ```
 */
export function randomFeed(info: ValueInfo, options: RandomFeedOptions = {}): Tensor {
  if (info.dtype === undefined || info.dtype === "string") {
    throw new InputError(info.name, `Input "${info.name}" has no numeric declared type: give it as a tensor`);
  }
  const named = options.dims ?? {};
  const dims = (info.shape ?? []).map((d, axis) =>
    typeof d === "number" && d >= 0
      ? d
      : (typeof d === "string" ? named[d] : undefined) ?? (axis === 0 ? 1 : DEFAULT_SYMBOLIC_DIM)
  );
  const n = shapeSize(dims);
  const data = allocate(info.dtype, n);
  let state = (options.seed ?? 1) >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const type = info.dtype;
  for (let i = 0; i < n; i++) {
    const u = next();
    if (isBigIntDType(type)) (data as BigInt64Array)[i] = BigInt(Math.floor(u * 10));
    else if (type === "float32" || type === "float64") (data as Float32Array)[i] = u * 2 - 1;
    else if (type === "float16") (data as Uint16Array)[i] = float32ToFloat16Bits(u * 2 - 1);
    else if (type === "bool") (data as Uint8Array)[i] = u < 0.5 ? 0 : 1;
    else (data as Int32Array)[i] = Math.floor(u * 10);
  }
  return new Tensor(type, data, dims);
}
