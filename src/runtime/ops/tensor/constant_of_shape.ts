/**
 * ConstantOfShape: a tensor of the given shape filled with `value` (a one-element tensor attribute;
 * float32 0 by default).
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import type { Slots } from "./_copy.ts";
import { intList } from "./_int_list.ts";

/** ONNX ConstantOfShape (opset 9+). */
export const constantOfShape: OpDefinition = {
  op: "ConstantOfShape",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { value: { kind: "tensor" } },
  run([shapeInput], attrs) {
    if (shapeInput!.type !== "int64") {
      throw new TypeError(`ConstantOfShape input must be int64, got ${shapeInput!.type}`);
    }
    const dims = intList(shapeInput, "ConstantOfShape shape");
    if (dims.some((d) => d < 0)) {
      throw new RangeError(`ConstantOfShape shape [${dims.join(", ")}] has a negative dimension`);
    }
    const value = attrs.tensor("value");
    if (value && value.size !== 1) {
      throw new RangeError(`ConstantOfShape value must hold one element, got ${value.size}`);
    }
    const type = value?.type ?? "float32";
    const out = allocate(type, shapeSize(dims));
    if (value) {
      const v = (value.data as Slots)[0];
      const o = out as Slots;
      for (let i = 0; i < out.length; i++) o[i] = v;
    }
    return [new Tensor(type, out, dims)];
  },
};
