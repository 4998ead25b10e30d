/**
 * TopK: the `k` largest (or smallest) elements along an axis and their int64 indices. Equal values come
 * in index order and NaN ranks first, as in onnxruntime. With `sorted=0` ONNX leaves the order open;
 * bitloop returns the sorted order anyway.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { float16ToFloat32Array } from "../../../graph/float16.ts";
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import type { Slots } from "./_copy.ts";
import { intScalar } from "./_int_list.ts";

/** ONNX TopK (k attribute before opset 10, input from 10; largest/sorted from 11). */
export const topK: OpDefinition = {
  op: "TopK",
  inputs: [1, 2],
  outputs: [2, 2],
  attributes: {
    axis: { kind: "int" },
    k: { kind: "int" },
    largest: { kind: "int", values: [0, 1] },
    sorted: { kind: "int", values: [0, 1] },
  },
  check(node, opset) {
    if (opset < 10 && !("k" in node.attributes)) return "the k attribute is required before opset 10";
    if (opset >= 10 && "k" in node.attributes) return "the k attribute was replaced by an input in opset 10";
    if (opset >= 10 && node.inputs.length < 2) return "the K input is required from opset 10";
    return undefined;
  },
  run([x, kInput], attrs, ctx) {
    const dims = x!.dims;
    if (x!.type === "string" || x!.type === "bool") throw new TypeError(`TopK does not take ${x!.type} tensors`);
    const axis = normalizeAxis(attrs.int("axis", -1), dims.length);
    const k = ctx.opset < 10 ? attrs.int("k", 0) : intScalar(kInput, "TopK K");
    const n = dims[axis]!;
    if (k < 0 || k > n) throw new RangeError(`TopK k=${k} is out of range for an axis of ${n}`);
    const largest = attrs.int("largest", 1) === 1;
    const keys = (x!.type === "float16" ? float16ToFloat32Array(x!.data as Uint16Array) : x!.data) as ArrayLike<
      number | bigint
    >;
    const outer = shapeSize(dims.slice(0, axis));
    const inner = shapeSize(dims.slice(axis + 1));
    const outDims = dims.map((d, i) => (i === axis ? k : d));
    const values = allocate(x!.type, shapeSize(outDims)) as Slots;
    const indices = new BigInt64Array(shapeSize(outDims));
    const src = x!.data as Slots;
    const order = Array.from({ length: n }, (_, i) => i);
    let base = 0;
    // Comparator over positions along the axis; `base`/`inner` pick the slice being sorted.
    const compare = (i: number, j: number): number => {
      const a = keys[base + i * inner]!;
      const b = keys[base + j * inner]!;
      const aNaN = a !== a, bNaN = b !== b;
      if (aNaN || bNaN) return aNaN && bNaN ? i - j : aNaN ? -1 : 1;
      if (a !== b) return (largest ? a < b : a > b) ? 1 : -1;
      return i - j;
    };
    // Small k: keep the best k in order by insertion (about n comparisons); otherwise sort everything.
    const insertion = k <= 64 && k * 8 <= n;
    for (let o = 0; o < outer; o++) {
      for (let q = 0; q < inner; q++) {
        base = o * n * inner + q;
        if (insertion) {
          let count = 0;
          for (let i = 0; i < n; i++) {
            if (count === k && (k === 0 || compare(i, order[k - 1]!) >= 0)) continue;
            let p = count < k ? count++ : k - 1;
            while (p > 0 && compare(i, order[p - 1]!) < 0) {
              order[p] = order[p - 1]!;
              p--;
            }
            order[p] = i;
          }
        } else {
          for (let i = 0; i < n; i++) order[i] = i;
          order.sort(compare);
        }
        for (let r = 0; r < k; r++) {
          const at = (o * k + r) * inner + q;
          values[at] = src[base + order[r]! * inner];
          indices[at] = BigInt(order[r]!);
        }
      }
    }
    return [new Tensor(x!.type, values as Tensor["data"], outDims), new Tensor("int64", indices, outDims)];
  },
};
