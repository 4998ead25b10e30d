// Seeded pseudo-random numbers for reproducible tests (mulberry32): same seed, same sequence, everywhere.
import { shapeSize, Tensor } from "../src/graph/tensor.ts";

/**
 * A seeded generator of floats uniform in [0, 1) (mulberry32, 32-bit state).
 *
 * @example
 * ```ts
 * const next = seededRandom(42);
 * const a = next(), b = next();
 * if (seededRandom(42)() !== a || a === b) throw new Error("not reproducible");
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A float32 tensor of shape `dims` with elements uniform in [lo, hi), reproducible from `seed`.
 *
 * @example
 * ```ts
 * const x = randomTensor([1, 3, 48, 192], 1, -1, 1);
 * if (x.type !== "float32" || x.size !== 3 * 48 * 192) throw new Error("shape");
 * ```
 */
export function randomTensor(dims: readonly number[], seed: number, lo = -1, hi = 1): Tensor {
  const next = seededRandom(seed);
  const data = new Float32Array(shapeSize(dims));
  const span = hi - lo;
  for (let i = 0; i < data.length; i++) data[i] = lo + span * next();
  return new Tensor("float32", data, [...dims]);
}
