/**
 * Loading one build of the wasm kernels (`kernels/dist/bitloop_kernels_<variant>.wasm`): the module is
 * compiled once per variant and cached; each {@link KernelModule} is an instance with its own memory and
 * {@link WasmHeap}. The raw exports are typed in {@link KernelExports}; pointers are byte offsets into
 * the instance's memory and are read with `>>> 0`.
 * @module
 */
import { KernelError } from "./kernel_error.ts";
import { WasmHeap } from "./wasm_heap.ts";

/** The three wasm builds, best first. */
export type WasmVariant = "relaxed" | "simd128" | "scalar";

/** Every wasm variant, best first. */
export const WASM_VARIANTS: readonly WasmVariant[] = ["relaxed", "simd128", "scalar"];

/** What `bl_variant()` returns for each build. */
export const WASM_VARIANT_CODES: Readonly<Record<WasmVariant, number>> = { scalar: 0, simd128: 1, relaxed: 2 };

/** The export ABI these bindings expect (`bl_abi_version()`). */
export const KERNEL_ABI_VERSION = 4;

/** The raw exports of a kernel module (see kernels/src/exports.rs for each one's contract). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  bl_abi_version(): number;
  bl_variant(): number;
  bl_tile(kernel: number): number;
  bl_f32_gemm_packed_bytes(n: number, k: number): number;
  bl_f32_gemm_pack(
    n: number,
    k: number,
    b: number,
    strideK: number,
    strideN: number,
    bias: number,
    out: number,
  ): number;
  bl_f32_gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    packed: number,
    rowBias: number,
    c: number,
    ldc: number,
    act: number,
    p0: number,
    p1: number,
  ): number;
  bl_qd8_quantize_rows(
    m: number,
    k: number,
    x: number,
    ldx: number,
    asymmetric: number,
    q: number,
    ldq: number,
    scale: number,
    zp: number,
  ): number;
  bl_qcw_packed_bytes(n: number, k: number, bits: number, blockSize: number): number;
  bl_qcw_pack(
    n: number,
    k: number,
    bits: number,
    blockSize: number,
    codes: number,
    strideN: number,
    strideK: number,
    scales: number,
    offsets: number,
    bias: number,
    out: number,
  ): number;
  bl_qd8_f32_qcw_gemm(
    m: number,
    n: number,
    k: number,
    bits: number,
    blockSize: number,
    a: number,
    lda: number,
    aScale: number,
    aZp: number,
    packed: number,
    c: number,
    ldc: number,
    act: number,
    p0: number,
    p1: number,
    scratch: number,
    scratchBytes: number,
  ): number;
  bl_f32_conv2d_scratch_min(desc: number): number;
  bl_f32_conv2d(
    desc: number,
    x: number,
    weights: number,
    bias: number,
    out: number,
    act: number,
    p0: number,
    p1: number,
    scratch: number,
    scratchBytes: number,
  ): number;
  bl_qd8_conv_rows(
    desc: number,
    x: number,
    first: number,
    count: number,
    asymmetric: number,
    scratch: number,
    scratchBytes: number,
    q: number,
    ldq: number,
    scale: number,
    zp: number,
  ): number;
  bl_f32_scatter_columns(y: number, rows: number, cols: number, out: number, ld: number): number;
  bl_f32_col2im_disjoint(cols: number, out: number, oc: number, kh: number, kw: number, ih: number, iw: number): number;
  bl_f32_conv2d_winograd_scratch_min(desc: number): number;
  bl_f32_winograd_weights_bytes(oc: number, ic: number): number;
  bl_f32_winograd_transform_weights(oc: number, ic: number, weights: number, out: number): number;
  bl_f32_gemm_set_vector_loads(on: number): number;
  bl_f32_scale_planes(x: number, planes: number, plane: number, s: number): number;
  bl_f32_add_into(dst: number, src: number, n: number): number;
  bl_f32_global_avgpool(planes: number, plane: number, x: number, y: number): number;
  bl_f32_conv2d_winograd(
    desc: number,
    x: number,
    weights: number,
    bias: number,
    out: number,
    act: number,
    p0: number,
    p1: number,
    scratch: number,
    scratchBytes: number,
  ): number;
  bl_f32_softmax_rows(rows: number, n: number, x: number, y: number, scratch: number): number;
  bl_f32_max_exp_sum_rows(rows: number, n: number, x: number, scratch: number, maxSum: number): number;
  bl_f32_maxpool2d(
    planes: number,
    h: number,
    w: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    x: number,
    y: number,
  ): number;
  bl_f32_avgpool2d(
    planes: number,
    h: number,
    w: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    peh: number,
    pew: number,
    includePad: number,
    x: number,
    y: number,
  ): number;
  bl_f32_dwconv2d_scratch(desc: number): number;
  bl_f32_dwconv2d(
    desc: number,
    x: number,
    weights: number,
    bias: number,
    out: number,
    act: number,
    p0: number,
    p1: number,
    scratch: number,
    scratchBytes: number,
  ): number;
}

/** Where module bytes come from when not given: the committed file beside this source tree. */
export function kernelWasmUrl(variant: WasmVariant): URL {
  return new URL(`../../kernels/dist/bitloop_kernels_${variant}.wasm`, import.meta.url);
}

const compiled = new Map<WasmVariant, Promise<WebAssembly.Module>>();

async function fetchBytes(variant: WasmVariant): Promise<ArrayBuffer> {
  const url = kernelWasmUrl(variant);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new Error(`Cannot read kernel module ${url.href}: ${String(cause)}`, { cause });
  }
  if (!response.ok) throw new Error(`Cannot read kernel module ${url.href}: HTTP ${response.status}`);
  return await response.arrayBuffer();
}

/**
 * Compiles a variant once per process (later calls share the promise). `bytes` overrides the committed
 * file (tests pass freshly built modules this way); an override is compiled but not cached.
 */
export function compileKernelModule(variant: WasmVariant, bytes?: BufferSource): Promise<WebAssembly.Module> {
  if (bytes !== undefined) return WebAssembly.compile(bytes);
  let promise = compiled.get(variant);
  if (promise === undefined) {
    promise = fetchBytes(variant).then((b) => WebAssembly.compile(b));
    promise.catch(() => compiled.delete(variant));
    compiled.set(variant, promise);
  }
  return promise;
}

/** One instantiated kernel build: exports, allocator and register tiles. */
export class KernelModule {
  /** Which build. */
  readonly variant: WasmVariant;
  /** Raw exports. */
  readonly exports: KernelExports;
  /** Allocator over the instance's memory. */
  readonly heap: WasmHeap;

  constructor(variant: WasmVariant, instance: WebAssembly.Instance) {
    this.variant = variant;
    this.exports = instance.exports as unknown as KernelExports;
    const abi = this.exports.bl_abi_version();
    if (abi !== KERNEL_ABI_VERSION) {
      throw new Error(`Kernel module "${variant}" has ABI ${abi}, these bindings expect ${KERNEL_ABI_VERSION}`);
    }
    const code = this.exports.bl_variant();
    if (code !== WASM_VARIANT_CODES[variant]) {
      throw new Error(`Kernel module loaded as "${variant}" reports variant code ${code}`);
    }
    this.heap = new WasmHeap(this.exports.memory, (this.exports.__heap_base.value as number) >>> 0);
  }

  /** Register tile `[mr, nr]` of a kernel: 0 = f32 GEMM, 2/4/8 = qd8-f32-qcXw GEMM at that bit width. */
  tile(kernel: 0 | 2 | 4 | 8): [number, number] {
    const t = this.exports.bl_tile(kernel) >>> 0;
    return [t >>> 8, t & 0xff];
  }

  /** Throws {@link KernelError} unless `status` is 0. */
  check(status: number, kernel: string, context: () => string): void {
    if (status !== 0) throw new KernelError(kernel, status, context());
  }
}

/** Compiles (once) and instantiates a variant. The module imports nothing. */
export async function loadKernelModule(variant: WasmVariant, bytes?: BufferSource): Promise<KernelModule> {
  const module = await compileKernelModule(variant, bytes);
  const instance = await WebAssembly.instantiate(module, {});
  return new KernelModule(variant, instance);
}
