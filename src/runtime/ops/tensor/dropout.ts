/**
 * Dropout at inference: the output is the input. The optional mask matches onnxruntime: from opset 12 it
 * is all true; before that onnxruntime fills it with zeros (of the input's type before opset 10, bool
 * from 10). A `training_mode` input that is true is rejected.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

/** ONNX Dropout, inference only. */
export const dropout: OpDefinition = {
  op: "Dropout",
  inputs: [1, 3],
  outputs: [1, 2],
  attributes: { ratio: { kind: "float" }, seed: { kind: "int" } },
  run([x, , trainingMode], _attrs, ctx) {
    if (trainingMode && trainingMode.size > 0 && (trainingMode.data as Uint8Array)[0] !== 0) {
      throw new RangeError("Dropout with training_mode=true is not supported (bitloop runs inference only)");
    }
    if (ctx.node.outputs.length < 2 || !ctx.node.outputs[1]) return [x!];
    const maskType = ctx.opset < 10 ? x!.type : "bool";
    const mask = allocate(maskType, x!.size);
    if (ctx.opset >= 12) (mask as Uint8Array).fill(1);
    return [x!, new Tensor(maskType, mask, [...x!.dims])];
  },
};
