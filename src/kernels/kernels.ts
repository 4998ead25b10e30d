/**
 * {@link Kernels}: the typed face of one loaded kernel build. Every method copies its operands into the
 * instance's memory, calls the export, copies the result out and frees what it allocated (in `finally`).
 * Weights are packed once into handles ({@link PackedF32Gemm}, {@link PackedQcw}, {@link PreparedConv2d})
 * that live until `dispose()`. Each call records the kernel name it ran ({@link Kernels.ran}).
 * @module
 */
import {
  conv2dF32,
  type Conv2dF32Options,
  type Conv2dResult,
  prepareConv2dF32,
  type PrepareConv2dOptions,
  PreparedConv2d,
} from "./_conv2d.ts";
import {
  type Conv2dChainEntry,
  type Conv2dChainF32Options,
  type Conv2dChainGate,
  type Conv2dChainGateConv,
  type Conv2dChainGemv,
  Conv2dChainPlan,
  type Conv2dChainPool,
  type Conv2dChainResult,
  type Conv2dChainShape,
  type Conv2dChainStep,
  runConv2dChainF32,
} from "./_conv2d_chain.ts";
import { configureGemmLoads } from "./_gemm_a_loads.ts";
import { gemmF32, type GemmF32Options, PackedF32Gemm, packF32Gemm, type PackF32GemmOptions } from "./_f32_gemm.ts";
import {
  PackedQcw,
  packQcw,
  qd8F32QcwGemm,
  type Qd8GemmOptions,
  quantizeRowsInt8,
  type QuantizeRowsOptions,
} from "./_qd8_gemm.ts";
import type { KernelModule, WasmVariant } from "./kernel_module.ts";
import { maxExpSumRowsF32, softmaxRowsF32 } from "./_softmax.ts";
import { globalAveragePoolF32, pool2dF32, type Pool2dGeometry, type Pool2dKind } from "./_pool.ts";
import { qd8Conv2d, type Qd8Conv2dOptions } from "./_qd8_conv2d.ts";
import { type NativeKernels, type NativeQcw, packNativeQcw } from "./native.ts";
import type { QcwWeights } from "./ref/qd8_f32_qcw_gemm_ref.ts";
import type { QuantizedRows } from "./ref/quantize_rows_ref.ts";

export { Conv2dChainPlan, PackedF32Gemm, PackedQcw, PreparedConv2d };
export { winogradChannelsPay } from "./_winograd.ts";
export type {
  Conv2dChainEntry,
  Conv2dChainF32Options,
  Conv2dChainGate,
  Conv2dChainGateConv,
  Conv2dChainGemv,
  Conv2dChainPool,
  Conv2dChainResult,
  Conv2dChainShape,
  Conv2dChainStep,
  Conv2dF32Options,
  Conv2dResult,
  GemmF32Options,
  PackF32GemmOptions,
  Pool2dGeometry,
  Pool2dKind,
  PrepareConv2dOptions,
  Qd8Conv2dOptions,
  Qd8GemmOptions,
  QuantizeRowsOptions,
};

/** Kernel memory a native-only {@link PackedQcw} handle owns (its weights live in the native layout). */
const NATIVE_PLACEHOLDER_BYTES = 64;

/** The kernel names of a build, in the naming grammar `<types>-<op>-<tile>-<variant>`. */
export interface KernelNames {
  /** e.g. `f32-gemm-4x8-relaxed`. */
  f32Gemm: string;
  /** e.g. `f32-qd8-quantize-rows-relaxed`. */
  qd8Quantize: string;
  /** e.g. `qd8-f32-qc8w-gemm-2x8c4-relaxed`. */
  qc8w: string;
  /** e.g. `qd8-f32-qc4w-gemm-4x8c4-relaxed`. */
  qc4w: string;
  /** e.g. `qd8-f32-qc2w-gemm-4x8c4-relaxed`. */
  qc2w: string;
  /** e.g. `f32-conv2d-im2col-4x8-relaxed`. */
  conv2d: string;
  /** e.g. `f32-dwconv2d-chw-relaxed` (3×3 and 5×5 undilated convs take a 16-wide fast path). */
  dwconv2d: string;
  /** e.g. `f32-conv2d-winograd-2x2-simd128`: Winograd F(2×2, 3×3) for group-1 3×3 stride-1 convs. */
  conv2dWinograd: string;
  /** e.g. `f32-qd8-im2row-relaxed`: patch rows of a low-memory conv, quantized in the same call. */
  qd8Im2row: string;
  /** e.g. `f32-softmax-rows-relaxed`: Softmax (and LogSoftmax's row sums) over contiguous rows. */
  softmax: string;
  /** e.g. `f32-maxpool2d-chw-relaxed`: 2-D MaxPool, the TypeScript fast path's bits. */
  maxPool2d: string;
  /** e.g. `f32-avgpool2d-chw-relaxed`: 2-D AveragePool, the TypeScript fast path's bits. */
  averagePool2d: string;
  /** e.g. `f32-global-avgpool-chw-relaxed`: GlobalAveragePool, the TypeScript fast path's bits. */
  globalAveragePool: string;
}

/** Options of the {@link Kernels} constructor. */
export interface KernelsOptions {
  /** The native variant serving the qd8-f32-qcXw GEMM (dispatch.ts picks it). @default none: wasm serves all */
  native?: NativeKernels | undefined;
  /** Dispatch-table rows above the chosen ones and why each declined. @default [] */
  declined?: ReadonlyArray<{ name: string; reason: string }>;
}

/** Builds the names from the tiles the module reports (and the native variant's, for the int8 GEMM). */
export function kernelNames(module: KernelModule, native?: NativeKernels): KernelNames {
  const v = module.variant;
  const [fm, fn] = module.tile(0);
  const q = (bits: 2 | 4 | 8): string => {
    if (native !== undefined) return native.name(bits);
    const [m, n] = module.tile(bits);
    return `qd8-f32-qc${bits}w-gemm-${m}x${n}c4-${v}`;
  };
  return {
    f32Gemm: `f32-gemm-${fm}x${fn}-${v}`,
    qd8Quantize: `f32-qd8-quantize-rows-${v}`,
    qc8w: q(8),
    qc4w: q(4),
    qc2w: q(2),
    conv2d: `f32-conv2d-im2col-${fm}x${fn}-${v}`,
    dwconv2d: `f32-dwconv2d-chw-${v}`,
    conv2dWinograd: `f32-conv2d-winograd-2x2-${v}`,
    qd8Im2row: `f32-qd8-im2row-${v}`,
    softmax: `f32-softmax-rows-${v}`,
    maxPool2d: `f32-maxpool2d-chw-${v}`,
    averagePool2d: `f32-avgpool2d-chw-${v}`,
    globalAveragePool: `f32-global-avgpool-chw-${v}`,
  };
}

/**
 * One kernel build, ready to call. Get one from `loadKernels()` (dispatch.ts).
 *
 * @example
 * ```ts
 * import { loadKernels } from "./dispatch.ts";
 * const kernels = await loadKernels();
 * using w = kernels.packF32Gemm(new Float32Array([1, 2, 3, 4]), { k: 2, n: 2 });
 * const c = kernels.gemmF32(new Float32Array([1, 1]), w); // [1+3, 2+4]
 * if (c[0] !== 4 || c[1] !== 6) throw new Error("gemm");
 * ```
 */
export class Kernels {
  /** The instance the calls run in. */
  readonly module: KernelModule;
  /** Kernel names of this build. */
  readonly names: KernelNames;
  /** The native aarch64 variant serving the int8 GEMM, if the dispatch table chose one. */
  readonly native: NativeKernels | undefined;
  /** Dispatch-table rows above the chosen ones and why each declined. */
  readonly declined: ReadonlyArray<{ name: string; reason: string }>;
  readonly #ran = new Set<string>();
  readonly #nativeWeights = new WeakMap<PackedQcw, NativeQcw>();

  constructor(module: KernelModule, options: KernelsOptions = {}) {
    this.module = module;
    this.native = options.native;
    this.declined = options.declined ?? [];
    this.names = kernelNames(module, options.native);
    // The fp32 GEMM tiles' A loads, chosen once per module for this engine and build.
    configureGemmLoads(module);
  }

  /** Dispatch-table rows in use: the native one (if any), then the wasm one, e.g. `["native-i8mm", "wasm-relaxed"]`. */
  get backends(): string[] {
    const wasm = `wasm-${this.module.variant}`;
    return this.native === undefined ? [wasm] : [`native-${this.native.variant}`, wasm];
  }

  /** Which build: `relaxed`, `simd128` or `scalar`. */
  get variant(): WasmVariant {
    return this.module.variant;
  }

  /** Adds `label` to the names {@link ran} reports (what ran besides kernels, e.g. a count of layers). */
  note(label: string): void {
    this.#ran.add(label);
  }

  /** Names of the kernels that have run so far, sorted (for `info` and `bench`). */
  ran(): string[] {
    return [...this.#ran].sort();
  }

  /** Packs fp32 B (`k × n`, or `n × k` with `layout: "nk"`) and an optional column bias. */
  packF32Gemm(b: Float32Array, options: PackF32GemmOptions): PackedF32Gemm {
    return packF32Gemm(this.module, b, options);
  }

  /** `C = act(A·B + bias)`: `a` is `m × k` row-major, C is `m × n`. */
  gemmF32(a: Float32Array, weights: PackedF32Gemm, options?: GemmF32Options): Float32Array {
    this.#ran.add(this.names.f32Gemm);
    return gemmF32(this.module, this.names.f32Gemm, a, weights, options);
  }

  /** Quantizes `m × k` rows to int8 with one scale (and zero point) per row. */
  quantizeRowsInt8(x: Float32Array, options: QuantizeRowsOptions): QuantizedRows {
    this.#ran.add(this.names.qd8Quantize);
    return quantizeRowsInt8(this.module, this.names.qd8Quantize, x, options);
  }

  /**
   * Packs 2/4/8-bit weight codes with per-channel or per-block scales and offsets. When a native variant
   * serves the int8 GEMM and takes these weights, they are held once, in the native layout, and the
   * returned handle owns only a placeholder block of kernel memory (no wasm copy).
   */
  packQcw(weights: QcwWeights): PackedQcw {
    if (this.native !== undefined) {
      const nw = packNativeQcw(weights);
      if (this.native.accepts(nw)) {
        const handle = new PackedQcw(this.module, weights, NATIVE_PLACEHOLDER_BYTES);
        this.#nativeWeights.set(handle, nw);
        return handle;
      }
    }
    return packQcw(this.module, weights);
  }

  /** `C = act(dequant(quant(A))·W + bias)` with int8 dot products and int32 accumulation. */
  qd8F32QcwGemm(a: Float32Array | QuantizedRows, weights: PackedQcw, options?: Qd8GemmOptions): Float32Array {
    const name = weights.bits === 8 ? this.names.qc8w : weights.bits === 4 ? this.names.qc4w : this.names.qc2w;
    const nw = this.#nativeWeights.get(weights);
    if (this.native !== undefined && nw !== undefined) {
      weights.assertOwner(this.module, "qd8F32QcwGemm: weights");
      const rows = a instanceof Float32Array
        ? this.quantizeRowsInt8(a, { k: weights.k, asymmetric: options?.asymmetric ?? false })
        : a;
      this.#ran.add(name);
      return this.native.gemm(rows, nw, options?.activation, options?.out);
    }
    // Weights the native kernels cannot take run in wasm, under the wasm build's name.
    const key = weights.bits === 8 ? "qc8w" : weights.bits === 4 ? "qc4w" : "qc2w";
    const wasmName = this.native === undefined ? name : kernelNames(this.module)[key];
    this.#ran.add(wasmName);
    if (a instanceof Float32Array) this.#ran.add(this.names.qd8Quantize);
    return qd8F32QcwGemm(this.module, wasmName, a, weights, options);
  }

  /**
   * Group-1 NCHW convolution on packed quantized weights (`k = channels·kh·kw`, codes `[oc][c][kh][kw]`):
   * patch rows quantized to int8 per row, the qd8 GEMM, the result written back as NCHW; all in kernel
   * memory. When the native variant takes these weights, it runs through {@link qd8F32QcwGemm} instead.
   */
  qd8Conv2d(x: Float32Array, weights: PackedQcw, options: Qd8Conv2dOptions): { data: Float32Array; dims: number[] } {
    const key = weights.bits === 8 ? "qc8w" : weights.bits === 4 ? "qc4w" : "qc2w";
    const wasmName = kernelNames(this.module)[key];
    this.#ran.add(wasmName);
    this.#ran.add(this.names.qd8Im2row);
    return qd8Conv2d(this.module, wasmName, x, weights, options);
  }

  /** True when {@link qd8F32QcwGemm} would run `weights` on the native library. */
  nativeTakes(weights: PackedQcw): boolean {
    const nw = this.#nativeWeights.get(weights);
    return this.native !== undefined && nw !== undefined && this.native.accepts(nw);
  }

  /** Copies conv weights `[oc][c/group][kh][kw]` (and bias) into kernel memory. */
  prepareConv2dF32(weights: Float32Array, options: PrepareConv2dOptions): PreparedConv2d {
    return prepareConv2dF32(this.module, weights, options);
  }

  /**
   * Softmax over each contiguous row of `n` floats, with the bits of the TypeScript fast path
   * (`src/runtime/fast/exp_f64.ts`: the same double-precision exp, max and sum order) on every build.
   */
  softmaxRowsF32(x: Float32Array, n: number, out?: Float32Array): Float32Array {
    this.#ran.add(this.names.softmax);
    return softmaxRowsF32(this.module, this.names.softmax, x, n, out);
  }

  /** Each contiguous row's float64 max and sum of `exp(x − max)`, as `[max0, sum0, max1, sum1, …]` (LogSoftmax). */
  maxExpSumRowsF32(x: Float32Array, n: number): Float64Array {
    this.#ran.add(this.names.softmax);
    return maxExpSumRowsF32(this.module, this.names.softmax, x, n);
  }

  /**
   * 2-D MaxPool or AveragePool of NCHW float32 planes (no dilation), with the bits of the TypeScript fast
   * path (`src/runtime/fast/f32_pool_ops.ts`, equal to the reference kernels) on every build.
   */
  pool2dF32(kind: Pool2dKind, x: Float32Array, geometry: Pool2dGeometry, out?: Float32Array): Float32Array {
    const name = kind.op === "max" ? this.names.maxPool2d : this.names.averagePool2d;
    this.#ran.add(name);
    return pool2dF32(this.module, name, kind, x, geometry, out);
  }

  /**
   * GlobalAveragePool of `planes` float32 planes (`x.length / planes` floats each), with the bits of the
   * TypeScript fast path (float64 sums in order, equal to the reference kernels) on every build.
   */
  globalAveragePoolF32(x: Float32Array, planes: number, out?: Float32Array): Float32Array {
    this.#ran.add(this.names.globalAveragePool);
    return globalAveragePoolF32(this.module, this.names.globalAveragePool, x, planes, out);
  }

  /**
   * NCHW convolution: depthwise kernel when `group == c == oc`, Winograd F(2×2, 3×3) for stride-1
   * undilated 3×3 convs prepared with Winograd weights where the crossover rule says it pays, im2col +
   * GEMM otherwise.
   */
  conv2dF32(x: Float32Array, conv: PreparedConv2d, options: Conv2dF32Options): Conv2dResult {
    const names = [this.names.conv2d, this.names.dwconv2d, this.names.conv2dWinograd] as const;
    const result = conv2dF32(this.module, names, x, conv, options);
    this.#ran.add(result.kernel);
    return result;
  }

  /**
   * Convolutions back to back, each reading the previous one's output, with the intermediates kept in
   * kernel memory (the input copied in once, only the last output copied out); each step runs the kernel
   * {@link conv2dF32} would, so the result has the bits of the steps run one by one. Plans and runs once;
   * a caller running the same chain on the same input size again plans it once
   * ({@link planConv2dChainF32}) and runs the plan ({@link runConv2dChainF32}).
   */
  conv2dChainF32(
    x: Float32Array,
    entries: readonly Conv2dChainEntry[],
    options: Conv2dChainF32Options,
  ): Conv2dChainResult {
    using chain = this.planConv2dChainF32(entries, options);
    return this.runConv2dChainF32(chain, x, options);
  }

  /**
   * Resolves a chain for one input size: each step's geometry and kernel, its descriptor written once into
   * kernel memory. Throws RangeError on a chain or size no kernel takes. Dispose the plan when done.
   */
  planConv2dChainF32(entries: readonly Conv2dChainEntry[], shape: Conv2dChainShape): Conv2dChainPlan {
    const names = [this.names.conv2d, this.names.dwconv2d, this.names.conv2dWinograd] as const;
    return new Conv2dChainPlan(this.module, names, entries, shape);
  }

  /** Runs a planned chain on `x` (the plan's batch of NCHW images), as {@link conv2dChainF32}. */
  runConv2dChainF32(
    chain: Conv2dChainPlan,
    x: Float32Array,
    options: Pick<Conv2dChainF32Options, "out" | "inputScale" | "residual"> = {},
  ): Conv2dChainResult {
    const result = runConv2dChainF32(this.module, chain, x, options);
    for (const kernel of result.kernels) this.#ran.add(kernel);
    for (const e of chain.entries) {
      if (typeof e === "number") continue;
      if ("pool" in e) {
        this.#ran.add(e.pool.op === "max" ? this.names.maxPool2d : this.names.averagePool2d);
        continue;
      }
      // A gate and a final GlobalAveragePool both take the plane means.
      this.#ran.add(this.names.globalAveragePool);
      if (!("fc" in e)) continue;
      for (const fc of e.fc) {
        if (!("gemv" in fc)) continue;
        const bits = fc.gemv.packed.bits;
        this.#ran.add(bits === 8 ? this.names.qc8w : bits === 4 ? this.names.qc4w : this.names.qc2w);
        this.#ran.add(this.names.qd8Quantize);
      }
    }
    return result;
  }
}
