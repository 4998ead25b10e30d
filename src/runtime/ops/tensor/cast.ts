/**
 * Cast: converts a tensor to the element type named by `to` (an ONNX `TensorProto.DataType` code).
 * @module
 */
import { dtypeFromOnnx } from "../../../graph/dtype.ts";
import type { OpDefinition } from "../../op.ts";
import { castTensor } from "./cast_tensor.ts";

/** ONNX type codes bitloop has no storage for, by name, for messages. */
const UNSTORED: Record<number, string> = {
  14: "complex64",
  15: "complex128",
  16: "bfloat16",
  17: "float8e4m3fn",
  18: "float8e4m3fnuz",
  19: "float8e5m2",
  20: "float8e5m2fnuz",
  21: "uint4",
  22: "int4",
  23: "float4e2m1",
};

/** Why a Cast/CastLike node cannot run, or undefined. */
export function castTargetProblem(to: number | undefined): string | undefined {
  if (to === undefined) return "the to attribute is required";
  if (dtypeFromOnnx(to) !== undefined) return undefined;
  return `casting to ${UNSTORED[to] ?? `type code ${to}`} is not supported`;
}

/**
 * ONNX Cast (opsets 6–21). `saturate` (opset 19) only applies to float8 targets, which bitloop does not
 * store, so a node that sets it is rejected at load, as onnxruntime rejects it for other targets.
 */
export const cast: OpDefinition = {
  op: "Cast",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { to: { kind: "int" }, saturate: { kind: "int", values: [0, 1] } },
  check(node) {
    if ("saturate" in node.attributes) return "saturate only applies to float8 targets, which bitloop does not support";
    const to = node.attributes["to"];
    return castTargetProblem(to?.kind === "int" ? to.value : undefined);
  },
  run([x], attrs) {
    const to = dtypeFromOnnx(attrs.int("to", 0));
    if (to === undefined) throw new TypeError(castTargetProblem(attrs.int("to", 0)));
    return [castTensor(x!, to)];
  },
};
