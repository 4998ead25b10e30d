/**
 * Conversion of a stored {@link QuantizedTensor} (optionally times a scalar `scale`, a fused `Mul`) into the plain form `packQcw` takes (`QcwWeights`):
 * codes `[n][k]` unsigned, one scale and one offset per group, `w = u·scale + offset` with
 * `offset = −zero·scale` (the integer or float zero point of the record; `2^(bits−1)` when symmetric).
 * Group order already puts one output channel's reduction elements together, so the codes only need
 * unpacking. Widths other than 2, 4 and 8 (3, 5, 6, 7) are kept as 8-bit codes: still one byte per
 * weight in memory, and the qc8w kernel runs them.
 * @module
 */
import { groupLengths } from "../../graph/group_layout.ts";
import { unpack } from "../../graph/pack.ts";
import type { QuantizedTensor, WeightLayoutKind } from "../../graph/quantized_tensor.ts";
import type { QcwWeights } from "../../kernels/ref/qd8_f32_qcw_gemm_ref.ts";

/**
 * The packer's view of `q` when it is a 2-D-operand weight of layout `kind` the kernels can run, or a
 * string saying why not (the caller dequantizes it instead).
 *
 * @example
 * ```ts
 * import { quantize } from "../../quant/quantize.ts";
 * import { Tensor } from "../../graph/tensor.ts";
 * const q = quantize(new Tensor("float32", new Float32Array(64).fill(1), [8, 8]), { kind: "matmul_nk" }, { bits: 4 });
 * const w = qcwFromQuantized(q, "matmul_nk");
 * if (typeof w === "string" || w.n !== 8 || w.k !== 8) throw new Error("convert");
 * ```
 */
export function qcwFromQuantized(
  q: QuantizedTensor,
  kind: WeightLayoutKind,
  bias?: Float32Array,
  scale = 1,
): QcwWeights | string {
  const g = q.layout;
  if (g.kind !== kind) return `stored for a ${g.kind} reader, not ${kind}`;
  if (g.channelsPerOuter !== g.channels) return `batched weight [${q.dims}]`;
  if (q.bits < 2 || q.bits > 8) return `${q.bits}-bit codes`;
  const n = g.channels;
  const k = g.rows * g.inner;
  const blockLen = g.blockRows * g.inner;
  const blockSize = g.blocksPerChannel === 1 ? 0 : blockLen;
  if (blockSize % 8 !== 0) return `block of ${blockLen} weights is not a multiple of 8`;
  if (!q.symmetric && !q.zeros) return "asymmetric record without zero points";
  const codes = unpack(q.data, q.bits, n * k, q.packing === "group" ? groupLengths(g) : undefined);
  const half = 2 ** (q.bits - 1);
  const scales = scale === 1 ? q.scales : q.scales.map((s) => s * scale);
  const offsets = new Float32Array(scales.length);
  for (let i = 0; i < offsets.length; i++) offsets[i] = -(q.zeros ? q.zeros[i]! : half) * scales[i]!;
  const bits = q.bits === 2 || q.bits === 4 || q.bits === 8 ? q.bits : 8;
  return { n, k, bits, codes, scales, offsets, blockSize, ...(bias ? { bias } : {}) };
}
