/**
 * SpaceToDepth: the inverse of DepthToSpace in DCR mode — each `blocksize × blocksize` spatial tile
 * becomes channels, ordered [block_y, block_x, C].
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { stridedCopy } from "./_copy.ts";
import { blockDims } from "./depth_to_space.ts";

/** ONNX SpaceToDepth. */
export const spaceToDepth: OpDefinition = {
  op: "SpaceToDepth",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { blocksize: { kind: "int" } },
  check: (node) => ("blocksize" in node.attributes ? undefined : "the blocksize attribute is required"),
  run([x], attrs) {
    const b = attrs.int("blocksize", 0);
    const [n, c, h, w] = blockDims(x!, b, "SpaceToDepth");
    if (h % b !== 0 || w % b !== 0) throw new RangeError(`SpaceToDepth: ${h}×${w} does not divide by blocksize ${b}`);
    // Input as [n, c, h/b, by, w/b, bx]; output order [n, by, bx, c, h/b, w/b].
    const [sN, sC, sH, sBy, sW, sBx] = stridesOf([n, c, h / b, b, w / b, b]) as number[];
    const out = allocate(x!.type, x!.size);
    stridedCopy(x!.data, 0, [n, b, b, c, h / b, w / b], [sN!, sBy!, sBx!, sC!, sH!, sW!], out);
    return [new Tensor(x!.type, out, [n, c * b * b, h / b, w / b])];
  },
};
