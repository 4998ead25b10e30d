/**
 * Dequantization: a {@link QuantizedTensor} back to float32 weights in their original layout, each
 * element `fround((u − zero) · scale)` of its group. The reference runtime may call it per tensor at
 * load time; packed execution is the fast runtime's job.
 * @module
 */
import { Tensor } from "../graph/tensor.ts";
import { groupCount, groupLengths } from "../graph/group_layout.ts";
import { writeGroup } from "./group_layout.ts";
import { unpack } from "../graph/pack.ts";
import type { QuantizedTensor } from "../graph/quantized_tensor.ts";

/**
 * The float32 tensor a quantized tensor stands for. Throws `RangeError` when its arrays do not match
 * its layout (a corrupt record).
 *
 * @example
 * ```ts
 * import { quantize } from "./quantize.ts";
 * import { Tensor } from "../graph/tensor.ts";
 * const w = new Tensor("float32", new Float32Array([-1, 0, 1, 2]), [1, 4]);
 * const r = dequantize(quantize(w, { kind: "matmul_nk" }, { bits: 8 }));
 * if (Math.abs((r.data as Float32Array)[3]! - 2) > 0.01) throw new Error("close");
 * ```
 */
export function dequantize(q: QuantizedTensor): Tensor {
  const g = q.layout;
  const count = groupCount(g);
  const size = q.dims.reduce((a, b) => a * b, 1);
  if (q.scales.length !== count || (q.zeros && q.zeros.length !== count) || (!q.zeros && !q.symmetric)) {
    throw new RangeError(
      `Quantized tensor [${q.dims}] needs ${count} scales${q.symmetric ? "" : " and zero points"}, ` +
        `got ${q.scales.length} and ${q.zeros?.length ?? 0}`,
    );
  }
  const codes = unpack(q.data, q.bits, size, q.packing === "group" ? groupLengths(g) : undefined);
  const out = new Float32Array(size);
  const values = new Float32Array(g.blockRows * g.inner);
  const half = 1 << (q.bits - 1);
  let offset = 0;
  for (let c = 0, k = 0; c < g.channels; c++) {
    for (let b = 0; b < g.blocksPerChannel; b++, k++) {
      const n = Math.min(g.blockRows, g.rows - b * g.blockRows) * g.inner;
      const s = q.scales[k]!;
      const z = q.zeros ? q.zeros[k]! : half;
      for (let i = 0; i < n; i++) values[i] = (codes[offset + i]! - z) * s;
      writeGroup(g, out, c, b, values);
      offset += n;
    }
  }
  return new Tensor("float32", out, q.dims);
}
