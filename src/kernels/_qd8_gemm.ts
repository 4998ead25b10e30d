// Dynamic-quant bindings: int8 row quantization, packing of 2/4/8-bit weights, and the qd8-f32-qcXw GEMM.
import { type Activation, encodeActivation } from "./activation.ts";
import type { KernelModule } from "./kernel_module.ts";
import { OwnedBlock } from "./_owned_block.ts";
import type { QuantizedRows } from "./ref/quantize_rows_ref.ts";
import { qcwBlocks, qcwOffsets, type QcwWeights } from "./ref/qd8_f32_qcw_gemm_ref.ts";

/** Options of {@link quantizeRowsInt8}. */
export interface QuantizeRowsOptions {
  /** Values per row. */
  k: number;
  /** Asymmetric (min/max mapped onto -128..127 with a zero point) instead of symmetric. @default false */
  asymmetric?: boolean;
}

/** Options of {@link qd8F32QcwGemm}. */
export interface Qd8GemmOptions {
  /** Quantize float activations asymmetrically (ignored when `a` is already quantized). @default false */
  asymmetric?: boolean;
  /** Fused activation. @default "none" */
  activation?: Activation;
  /** Where to write C (`m × n`); a new array when omitted. */
  out?: Float32Array;
}

/** Packed quantized weights in a kernel instance's memory. Free with dispose(). */
export class PackedQcw extends OwnedBlock {
  /** Output columns. */
  readonly n: number;
  /** Reduction length. */
  readonly k: number;
  /** Bit width. */
  readonly bits: 2 | 4 | 8;
  /** Block size (0 = per channel). */
  readonly blockSize: number;

  constructor(module: KernelModule, w: QcwWeights, bytes: number) {
    super(module, bytes);
    this.n = w.n;
    this.k = w.k;
    this.bits = w.bits;
    this.blockSize = w.blockSize ?? 0;
  }
}

/** Row length of int8 activations: `k` padded to a multiple of 8 (the GEMM's `lda`). */
export const pad8 = (k: number): number => Math.ceil(k / 8) * 8;

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer, got ${v}`);
}

/** Quantizes rows of `x` to int8 in the kernel. */
export function quantizeRowsInt8(
  module: KernelModule,
  name: string,
  x: Float32Array,
  options: QuantizeRowsOptions,
): QuantizedRows {
  const { k } = options;
  positiveInt(k, "quantizeRowsInt8: k");
  const m = x.length / k;
  if (!Number.isInteger(m) || m === 0) {
    throw new RangeError(`quantizeRowsInt8: x has ${x.length} elements, not a positive multiple of k = ${k}`);
  }
  const heap = module.heap;
  const px = heap.alloc(x.byteLength);
  const pq = heap.alloc(m * k);
  const ps = heap.alloc(m * 4);
  const pz = heap.alloc(m * 4);
  try {
    heap.f32(px, x.length).set(x);
    const status = module.exports.bl_qd8_quantize_rows(m, k, px, k, options.asymmetric ? 1 : 0, pq, k, ps, pz);
    module.check(status, name, () => `m=${m}, k=${k}`);
    return {
      m,
      k,
      q: heap.i8(pq, m * k).slice(),
      scale: heap.f32(ps, m).slice(),
      zeroPoint: heap.i32(pz, m).slice(),
    };
  } finally {
    for (const p of [px, pq, ps, pz]) heap.free(p);
  }
}

/** Checks a weight spec up front; RangeError naming the field. */
function checkWeights(w: QcwWeights): number {
  positiveInt(w.n, "packQcw: n");
  positiveInt(w.k, "packQcw: k");
  if (w.bits !== 2 && w.bits !== 4 && w.bits !== 8) {
    throw new RangeError(`packQcw: bits must be 2, 4 or 8, got ${w.bits}`);
  }
  const bs = w.blockSize ?? 0;
  if (!Number.isInteger(bs) || bs < 0 || bs % 8 !== 0) {
    throw new RangeError(`packQcw: blockSize must be 0 or a positive multiple of 8, got ${bs}`);
  }
  const nb = qcwBlocks(w.k, bs);
  if (w.codes.length !== w.n * w.k) {
    throw new RangeError(`packQcw: codes has ${w.codes.length} elements, expected n·k = ${w.n * w.k}`);
  }
  if (w.scales.length !== w.n * nb) {
    throw new RangeError(`packQcw: scales has ${w.scales.length} elements, expected n·blocks = ${w.n * nb}`);
  }
  if (w.offsets !== undefined && w.offsets.length !== w.n * nb) {
    throw new RangeError(`packQcw: offsets has ${w.offsets.length} elements, expected n·blocks = ${w.n * nb}`);
  }
  if (w.bias !== undefined && w.bias.length !== w.n) {
    throw new RangeError(`packQcw: bias has ${w.bias.length} elements, expected n = ${w.n}`);
  }
  return nb;
}

/** Packs quantized weights into `module`'s memory. */
export function packQcw(module: KernelModule, w: QcwWeights): PackedQcw {
  const nb = checkWeights(w);
  const bs = w.blockSize ?? 0;
  const ex = module.exports;
  const bytes = ex.bl_qcw_packed_bytes(w.n, w.k, w.bits, bs) >>> 0;
  if (bytes === 0) throw new RangeError(`packQcw: ${w.n}×${w.k} at block size ${bs} is too large for the kernels`);
  const packed = new PackedQcw(module, w, bytes);
  const heap = module.heap;
  const offsets = qcwOffsets(w);
  const pc = heap.alloc(w.codes.length);
  const ps = heap.alloc(w.n * nb * 4);
  const po = heap.alloc(w.n * nb * 4);
  const pb = w.bias === undefined ? 0 : heap.alloc(w.n * 4);
  try {
    heap.u8(pc, w.codes.length).set(w.codes);
    heap.f32(ps, w.n * nb).set(w.scales);
    heap.f32(po, w.n * nb).set(offsets);
    if (w.bias !== undefined) heap.f32(pb, w.n).set(w.bias);
    const status = ex.bl_qcw_pack(w.n, w.k, w.bits, bs, pc, w.k, 1, ps, po, pb, packed.ptr);
    module.check(status, `qc${w.bits}w-pack`, () => `n=${w.n}, k=${w.k}, bits=${w.bits}, blockSize=${bs}`);
  } catch (e) {
    packed.dispose();
    throw e;
  } finally {
    for (const p of [pc, ps, po]) heap.free(p);
    if (pb !== 0) heap.free(pb);
  }
  return packed;
}

/** `C = act(dequant(quant(A))·W + bias)`; `a` is float rows (quantized here) or already-quantized rows. */
export function qd8F32QcwGemm(
  module: KernelModule,
  name: string,
  a: Float32Array | QuantizedRows,
  w: PackedQcw,
  options: Qd8GemmOptions = {},
): Float32Array {
  w.assertOwner(module, "qd8F32QcwGemm: weights");
  const { n, k, bits, blockSize } = w;
  const m = a instanceof Float32Array ? a.length / k : a.m;
  if (!Number.isInteger(m) || m === 0 || (!(a instanceof Float32Array) && a.k !== k)) {
    const got = a instanceof Float32Array ? `${a.length} elements` : `${a.m} rows of ${a.k}`;
    throw new RangeError(`qd8F32QcwGemm: A has ${got}, expected rows of k = ${k}`);
  }
  const out = options.out ?? new Float32Array(m * n);
  if (out.length !== m * n) throw new RangeError(`qd8F32QcwGemm: out has ${out.length} elements, expected ${m * n}`);
  const act = encodeActivation(options.activation);
  const ex = module.exports;
  const heap = module.heap;
  const lda = pad8(k);
  const scratchBytes = m * qcwBlocks(k, blockSize) * 4;
  const pq = heap.alloc(m * lda);
  const ps = heap.alloc(m * 4);
  const pz = heap.alloc(m * 4);
  const pcout = heap.alloc(m * n * 4);
  const pscr = heap.alloc(scratchBytes);
  const px = a instanceof Float32Array ? heap.alloc(a.byteLength) : 0;
  try {
    if (a instanceof Float32Array) {
      heap.f32(px, a.length).set(a);
      const status = ex.bl_qd8_quantize_rows(m, k, px, k, options.asymmetric ? 1 : 0, pq, lda, ps, pz);
      module.check(status, name, () => `quantize m=${m}, k=${k}`);
    } else {
      const q = heap.i8(pq, m * lda);
      if (lda === k) q.set(a.q);
      else {
        q.fill(0);
        for (let i = 0; i < m; i++) q.set(a.q.subarray(i * k, (i + 1) * k), i * lda);
      }
      heap.f32(ps, m).set(a.scale);
      heap.i32(pz, m).set(a.zeroPoint);
    }
    const status = ex.bl_qd8_f32_qcw_gemm(
      m,
      n,
      k,
      bits,
      blockSize,
      pq,
      lda,
      ps,
      pz,
      w.ptr,
      pcout,
      n,
      act.code,
      act.p0,
      act.p1,
      pscr,
      scratchBytes,
    );
    module.check(status, name, () => `m=${m}, n=${n}, k=${k}, bits=${bits}, blockSize=${blockSize}`);
    out.set(heap.f32(pcout, m * n));
  } finally {
    for (const p of [pq, ps, pz, pcout, pscr]) heap.free(p);
    if (px !== 0) heap.free(px);
  }
  return out;
}
