// fp32 Softmax rows (kernels/src/f32_softmax.rs): the same double-precision operations in the same order as
// the TypeScript fast path (src/runtime/fast/exp_f64.ts), so every build gives its bits. One block of kernel
// memory per call holds the rows (normalized in place) and the row's exponentials.
import type { KernelModule } from "./kernel_module.ts";

function checkRows(what: string, x: Float32Array, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${what}: row length must be a positive integer, got ${n}`);
  const rows = x.length / n;
  if (!Number.isInteger(rows) || rows === 0) {
    throw new RangeError(`${what}: ${x.length} elements are not a positive whole number of rows of ${n}`);
  }
  return rows;
}

/** Bytes of `floats` float32 values rounded up to a multiple of 8 (where the doubles after them start). */
function doubleAligned(floats: number): number {
  return Math.ceil(floats / 2) * 8;
}

/** Softmax over each contiguous row of `n` floats of `x`, written to `out` (a new array when omitted). */
export function softmaxRowsF32(
  module: KernelModule,
  name: string,
  x: Float32Array,
  n: number,
  out?: Float32Array,
): Float32Array {
  const rows = checkRows("softmaxRowsF32", x, n);
  const y = out ?? new Float32Array(x.length);
  if (y.length !== x.length) {
    throw new RangeError(`softmaxRowsF32: out has ${y.length} elements, expected ${x.length}`);
  }
  const heap = module.heap;
  const px = heap.alloc(doubleAligned(x.length) + n * 8);
  try {
    heap.f32(px, x.length).set(x);
    const status = module.exports.bl_f32_softmax_rows(rows, n, px, px, px + doubleAligned(x.length));
    module.check(status, name, () => `rows=${rows}, n=${n}`);
    y.set(heap.f32(px, x.length));
  } finally {
    heap.free(px);
  }
  return y;
}

/**
 * Each contiguous row's float64 max and the float64 sum of `exp(x − max)` in index order, as
 * `[max0, sum0, max1, sum1, …]`: LogSoftmax's row statistics (the log is taken by the caller).
 */
export function maxExpSumRowsF32(module: KernelModule, name: string, x: Float32Array, n: number): Float64Array {
  const rows = checkRows("maxExpSumRowsF32", x, n);
  const heap = module.heap;
  const scratch = doubleAligned(x.length);
  const stats = scratch + n * 8;
  const px = heap.alloc(stats + rows * 16);
  try {
    heap.f32(px, x.length).set(x);
    const status = module.exports.bl_f32_max_exp_sum_rows(rows, n, px, px + scratch, px + stats);
    module.check(status, name, () => `rows=${rows}, n=${n}`);
    return new Float64Array(module.exports.memory.buffer, px + stats, 2 * rows).slice();
  } finally {
    heap.free(px);
  }
}
