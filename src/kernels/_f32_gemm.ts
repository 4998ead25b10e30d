// fp32 GEMM bindings: packing B once into kernel memory (subnormal weights stored as zero), then
// C = act(A·B + bias) per call.
import { type Activation, encodeActivation } from "./activation.ts";
import type { KernelModule } from "./kernel_module.ts";
import { flushSubnormals } from "./_flush_subnormals.ts";
import { OwnedBlock } from "./_owned_block.ts";

/** How to read B for {@link packF32Gemm}. */
export interface PackF32GemmOptions {
  /** Reduction length (rows of B in `"kn"` layout). */
  k: number;
  /** Output columns. */
  n: number;
  /** `"kn"`: `B[k][n]` (ONNX MatMul); `"nk"`: `B[n][k]` (Gemm with transB, conv weights). @default "kn" */
  layout?: "kn" | "nk";
  /** Per-column bias, fused into the epilogue. */
  bias?: Float32Array;
}

/** Packed fp32 B (with its column bias) in a kernel instance's memory. Free with dispose(). */
export class PackedF32Gemm extends OwnedBlock {
  /** Output columns. */
  readonly n: number;
  /** Reduction length. */
  readonly k: number;

  constructor(module: KernelModule, n: number, k: number, bytes: number) {
    super(module, bytes);
    this.n = n;
    this.k = k;
  }
}

/** Options of {@link gemmF32}. */
export interface GemmF32Options {
  /** Fused activation. @default "none" */
  activation?: Activation;
  /** Per-row bias (`m` values), added with the column bias. */
  rowBias?: Float32Array;
  /** Where to write C (`m × n`); a new array when omitted. */
  out?: Float32Array;
}

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer, got ${v}`);
}

/** Packs B into `module`'s memory; subnormal values are stored as zero (see `_flush_subnormals.ts`). */
export function packF32Gemm(module: KernelModule, b: Float32Array, options: PackF32GemmOptions): PackedF32Gemm {
  const { k, n } = options;
  positiveInt(k, "packF32Gemm: k");
  positiveInt(n, "packF32Gemm: n");
  if (b.length !== k * n) throw new RangeError(`packF32Gemm: B has ${b.length} elements, expected k·n = ${k * n}`);
  if (options.bias !== undefined && options.bias.length !== n) {
    throw new RangeError(`packF32Gemm: bias has ${options.bias.length} elements, expected n = ${n}`);
  }
  const ex = module.exports;
  const bytes = ex.bl_f32_gemm_packed_bytes(n, k) >>> 0;
  if (bytes === 0) throw new RangeError(`packF32Gemm: ${k}×${n} is too large for the kernels`);
  const packed = new PackedF32Gemm(module, n, k, bytes);
  const heap = module.heap;
  const pb = heap.alloc(b.byteLength);
  const pbias = options.bias === undefined ? 0 : heap.alloc(options.bias.byteLength);
  try {
    const copy = heap.f32(pb, b.length);
    copy.set(b);
    flushSubnormals(copy);
    if (options.bias !== undefined) heap.f32(pbias, n).set(options.bias);
    const [sk, sn] = options.layout === "nk" ? [1, k] : [n, 1];
    const status = ex.bl_f32_gemm_pack(n, k, pb, sk, sn, pbias, packed.ptr);
    module.check(status, "f32-gemm-pack", () => `n=${n}, k=${k}`);
  } catch (e) {
    packed.dispose();
    throw e;
  } finally {
    heap.free(pb);
    if (pbias !== 0) heap.free(pbias);
  }
  return packed;
}

/** `C = act(A·B + bias)` for `A` of `m × k` (m = a.length / k). */
export function gemmF32(
  module: KernelModule,
  name: string,
  a: Float32Array,
  weights: PackedF32Gemm,
  options: GemmF32Options = {},
): Float32Array {
  weights.assertOwner(module, "gemmF32: weights");
  const { n, k } = weights;
  const m = a.length / k;
  if (!Number.isInteger(m) || m === 0) {
    throw new RangeError(`gemmF32: A has ${a.length} elements, not a positive multiple of k = ${k}`);
  }
  const out = options.out ?? new Float32Array(m * n);
  if (out.length !== m * n) throw new RangeError(`gemmF32: out has ${out.length} elements, expected m·n = ${m * n}`);
  if (options.rowBias !== undefined && options.rowBias.length !== m) {
    throw new RangeError(`gemmF32: rowBias has ${options.rowBias.length} elements, expected m = ${m}`);
  }
  const act = encodeActivation(options.activation);
  const heap = module.heap;
  const pa = heap.alloc(a.byteLength);
  const pc = heap.alloc(out.byteLength);
  const prb = options.rowBias === undefined ? 0 : heap.alloc(m * 4);
  try {
    heap.f32(pa, a.length).set(a);
    if (options.rowBias !== undefined) heap.f32(prb, m).set(options.rowBias);
    const status = module.exports.bl_f32_gemm(m, n, k, pa, k, weights.ptr, prb, pc, n, act.code, act.p0, act.p1);
    module.check(status, name, () => `m=${m}, n=${n}, k=${k}`);
    out.set(heap.f32(pc, out.length));
  } finally {
    heap.free(pa);
    heap.free(pc);
    if (prb !== 0) heap.free(prb);
  }
  return out;
}
