/**
 * MatMul of two computed float32 operands (attention's `Q·Kᵀ` and `softmax·V` in PP-OCR rec's SVTR neck) on
 * the fp32 GEMM: each batch's B is packed into kernel memory for the call, then multiplied. The registry
 * kernel accumulates in float64 and rounds once; the GEMM accumulates in float32 in increasing k, as for a
 * constant B (within float32 rounding of the reference; on rec's heads 0.25 ms → tens of µs per MatMul).
 * MatMuls with a constant B take `f32GemmOp` (packed once); 1-D operands and other dtypes keep the registry kernel.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import type { OpDefinition } from "../op.ts";
import { broadcastIndex, broadcastShapes } from "../ops/shape_util.ts";

/** The fast op for a MatMul whose B is computed at run time, or undefined for other nodes. */
export function f32MatMulOp(node: Node, def: OpDefinition, kernels: Kernels): OpDefinition | undefined {
  if (node.op !== "MatMul" || node.domain !== "" || node.inputs.length !== 2) return undefined;
  return {
    ...def,
    run: (inputs, attrs, ctx) => {
      const [a, b] = inputs;
      if (!a || !b || a.type !== "float32" || b.type !== "float32" || a.dims.length < 2 || b.dims.length < 2) {
        return def.run(inputs, attrs, ctx);
      }
      const m = a.dims.at(-2)!, k = a.dims.at(-1)!, n = b.dims.at(-1)!;
      const aBatch = a.dims.slice(0, -2), bBatch = b.dims.slice(0, -2);
      let batch: number[];
      try {
        batch = broadcastShapes(aBatch, bBatch);
      } catch {
        return def.run(inputs, attrs, ctx); // the registry kernel says what does not broadcast
      }
      if (b.dims.at(-2) !== k || m * k * n === 0) return def.run(inputs, attrs, ctx);
      const aIndex = broadcastIndex(aBatch, batch), bIndex = broadcastIndex(bBatch, batch);
      const ad = a.data as Float32Array, bd = b.data as Float32Array;
      const out = allocateForOverwrite("float32", aIndex.length * m * n) as Float32Array;
      for (let t = 0; t < aIndex.length; t++) {
        const bt = bd.subarray(bIndex[t]! * k * n, (bIndex[t]! + 1) * k * n);
        using packed = kernels.packF32Gemm(bt, { k, n });
        const at = ad.subarray(aIndex[t]! * m * k, (aIndex[t]! + 1) * m * k);
        kernels.gemmF32(at, packed, { out: out.subarray(t * m * n, (t + 1) * m * n) });
      }
      return [new Tensor("float32", out, [...batch, m, n])];
    },
  };
}
