/**
 * DepthToSpace: moves blocks of channels into `blocksize × blocksize` spatial tiles (NCHW). Mode `DCR`
 * (default) takes the depth as [block_y, block_x, C'], `CRD` (opset 11) as [C', block_y, block_x].
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { stridedCopy } from "./_copy.ts";

/** Validated [N, C, H, W] of a DepthToSpace/SpaceToDepth input. */
export function blockDims(x: Tensor, blocksize: number, op: string): [number, number, number, number] {
  if (x.dims.length !== 4) throw new RangeError(`${op} needs a 4-D NCHW input, got [${x.dims.join(", ")}]`);
  if (!(blocksize >= 1)) throw new RangeError(`${op} blocksize must be at least 1, got ${blocksize}`);
  return x.dims as [number, number, number, number];
}

/** ONNX DepthToSpace. */
export const depthToSpace: OpDefinition = {
  op: "DepthToSpace",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { blocksize: { kind: "int" }, mode: { kind: "string", values: ["DCR", "CRD"] } },
  check: (node) => ("blocksize" in node.attributes ? undefined : "the blocksize attribute is required"),
  run([x], attrs) {
    const b = attrs.int("blocksize", 0);
    const [n, c, h, w] = blockDims(x!, b, "DepthToSpace");
    if (c % (b * b) !== 0) throw new RangeError(`DepthToSpace: ${c} channels do not divide by blocksize² = ${b * b}`);
    const c2 = c / (b * b);
    // View the input as 6-D, then read it in output order [n, c2, h, by, w, bx].
    const crd = attrs.string("mode", "DCR") === "CRD";
    const six = crd ? [n, c2, b, b, h, w] : [n, b, b, c2, h, w];
    const [sN, s1, s2, s3, sH, sW] = stridesOf(six) as [number, number, number, number, number, number];
    const [sC, sBy, sBx] = crd ? [s1, s2, s3] : [s3, s1, s2];
    const out = allocate(x!.type, x!.size);
    stridedCopy(x!.data, 0, [n, c2, h, b, w, b], [sN, sC, sH, sBy, sW, sBx], out);
    return [new Tensor(x!.type, out, [n, c2, h * b, w * b])];
  },
};
