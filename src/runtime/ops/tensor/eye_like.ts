/**
 * EyeLike: a 2-D tensor shaped like the input with ones on diagonal `k` and zeros elsewhere, of type
 * `dtype` (default: the input's).
 * @module
 */
import { allocate, dtypeFromOnnx } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import type { Slots } from "./_copy.ts";

/** The representation of 1 in each dtype EyeLike produces. */
function one(type: Tensor["type"]): unknown {
  if (type === "int64" || type === "uint64") return 1n;
  if (type === "float16") return 0x3c00;
  if (type === "string") throw new TypeError("EyeLike cannot make a string tensor");
  return 1;
}

/** ONNX EyeLike (opset 9+). */
export const eyeLike: OpDefinition = {
  op: "EyeLike",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { dtype: { kind: "int" }, k: { kind: "int" } },
  check(node) {
    const dtype = node.attributes["dtype"];
    if (dtype?.kind === "int" && (dtypeFromOnnx(dtype.value) ?? "string") === "string") {
      return `dtype ${dtype.value} is not supported`;
    }
    return undefined;
  },
  run([x], attrs) {
    if (x!.dims.length !== 2) throw new RangeError(`EyeLike needs a 2-D input, got [${x!.dims.join(", ")}]`);
    const type = attrs.has("dtype") ? dtypeFromOnnx(attrs.int("dtype", 1))! : x!.type;
    const [rows, cols] = x!.dims as [number, number];
    const k = attrs.int("k", 0);
    const out = allocate(type, rows * cols);
    const value = one(type);
    const o = out as Slots;
    for (let i = Math.max(0, -k); i < rows && i + k < cols; i++) o[i * cols + i + k] = value;
    return [new Tensor(type, out, [rows, cols])];
  },
};
