// fp32 NCHW 2-D MaxPool and AveragePool without dilation (kernels/src/f32_pool.rs): the bits of the TypeScript
// fast path (src/runtime/fast/f32_pool_ops.ts) on every build. One block of kernel memory per call holds the
// input and, after it, the output; a conv chain runs the same kernels on its image in kernel memory.
import type { KernelModule } from "./kernel_module.ts";

/** The shape of a 2-D pooling call: `planes` planes of `h × w` pooled to `oh × ow`. */
export interface Pool2dGeometry {
  /** Batch × channels. */
  planes: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Output height (the caller's ceil mode and padding already applied). */
  oh: number;
  /** Output width. */
  ow: number;
  /** Window height. */
  kh: number;
  /** Window width. */
  kw: number;
  /** Vertical stride. */
  sh: number;
  /** Horizontal stride. */
  sw: number;
  /** Leading (top) padding. */
  ph: number;
  /** Leading (left) padding. */
  pw: number;
  /** Trailing (bottom) padding: only `count_include_pad` reads it. @default 0 */
  padEndH?: number;
  /** Trailing (right) padding: only `count_include_pad` reads it. @default 0 */
  padEndW?: number;
}

/** Which pooling, and for AveragePool whether padded taps count in the divisor. */
export type Pool2dKind = { op: "max" } | { op: "average"; includePad: boolean };

const FIELDS = ["planes", "h", "w", "oh", "ow", "kh", "kw", "sh", "sw", "ph", "pw", "padEndH", "padEndW"] as const;

function describe(g: Pool2dGeometry): string {
  return FIELDS.map((f) => `${f}=${g[f] ?? 0}`).join(", ");
}

/**
 * Pools `x` (`planes · h · w` floats, NCHW) into `out` (a new array when omitted) with the wasm kernel
 * `name` of `module`. Throws `RangeError` when the lengths do not match the geometry and `KernelError` when
 * the kernel rejects it (a zero size, kernel or stride).
 */
export function pool2dF32(
  module: KernelModule,
  name: string,
  kind: Pool2dKind,
  x: Float32Array,
  g: Pool2dGeometry,
  out?: Float32Array,
): Float32Array {
  for (const f of FIELDS) {
    const v = g[f] ?? 0;
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`pool2dF32 (${name}): ${f} must be a non-negative integer, got ${v} (${describe(g)})`);
    }
  }
  const inputs = g.planes * g.h * g.w, outputs = g.planes * g.oh * g.ow;
  if (x.length !== inputs) {
    throw new RangeError(
      `pool2dF32 (${name}): x has ${x.length} elements, the geometry needs ${inputs} (${describe(g)})`,
    );
  }
  const y = out ?? new Float32Array(outputs);
  if (y.length !== outputs) {
    throw new RangeError(`pool2dF32 (${name}): out has ${y.length} elements, expected ${outputs} (${describe(g)})`);
  }
  return throughKernelMemory(module, x, y, (px, py) => runPool2d(module, name, kind, g, px, py));
}

/**
 * Copies `x` into one block of kernel memory, runs `kernel(px, py)` (input at `px`, output right after it)
 * and copies the output into `y`, which it returns; the block is freed whatever happens.
 */
function throughKernelMemory(
  module: KernelModule,
  x: Float32Array,
  y: Float32Array,
  kernel: (px: number, py: number) => void,
): Float32Array {
  const heap = module.heap;
  const px = heap.alloc(4 * (x.length + y.length));
  try {
    heap.f32(px, x.length).set(x);
    const py = px + 4 * x.length;
    kernel(px, py);
    y.set(heap.f32(py, y.length));
  } finally {
    heap.free(px);
  }
  return y;
}

/** Runs the pooling kernel `name` on kernel memory: `g.planes` planes at `px` pooled into `py`. */
export function runPool2d(
  module: KernelModule,
  name: string,
  kind: Pool2dKind,
  g: Pool2dGeometry,
  px: number,
  py: number,
) {
  const e = module.exports;
  const status = kind.op === "max"
    ? e.bl_f32_maxpool2d(g.planes, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, px, py)
    : e.bl_f32_avgpool2d(
      g.planes,
      g.h,
      g.w,
      g.oh,
      g.ow,
      g.kh,
      g.kw,
      g.sh,
      g.sw,
      g.ph,
      g.pw,
      g.padEndH ?? 0,
      g.padEndW ?? 0,
      kind.includePad ? 1 : 0,
      px,
      py,
    );
  module.check(status, name, () => describe(g));
}

/**
 * GlobalAveragePool of `x` (`planes` planes of `x.length / planes` floats) into `out` (a new array of `planes`
 * when omitted) with the wasm kernel `name` of `module`: the TypeScript fast path's bits (float64 sums in order).
 */
export function globalAveragePoolF32(
  module: KernelModule,
  name: string,
  x: Float32Array,
  planes: number,
  out?: Float32Array,
): Float32Array {
  const plane = planes > 0 ? x.length / planes : 0;
  if (!Number.isInteger(planes) || planes <= 0 || !Number.isInteger(plane) || plane <= 0) {
    throw new RangeError(`globalAveragePoolF32 (${name}): ${x.length} elements are not ${planes} non-empty planes`);
  }
  const y = out ?? new Float32Array(planes);
  if (y.length !== planes) {
    throw new RangeError(`globalAveragePoolF32 (${name}): out has ${y.length} elements, expected ${planes}`);
  }
  return throughKernelMemory(module, x, y, (px, py) => runGlobalAveragePool(module, name, planes, plane, px, py));
}

/** Runs the GlobalAveragePool kernel `name` on kernel memory: `planes` planes of `plane` floats at `px`, means to `py`. */
export function runGlobalAveragePool(
  module: KernelModule,
  name: string,
  planes: number,
  plane: number,
  px: number,
  py: number,
): void {
  module.check(module.exports.bl_f32_global_avgpool(planes, plane, px, py), name, () => `${planes}×${plane}`);
}
