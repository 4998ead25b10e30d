/**
 * Trilu: keeps the upper (default) or lower triangle of the last two axes, shifted by diagonal `k`;
 * everything else becomes zero (false, "" for strings).
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { copyElements } from "./_copy.ts";
import { intScalar } from "./_int_list.ts";

/** ONNX Trilu (opset 14). */
export const trilu: OpDefinition = {
  op: "Trilu",
  inputs: [1, 2],
  outputs: [1, 1],
  attributes: { upper: { kind: "int", values: [0, 1] } },
  run([x, kInput], attrs) {
    const dims = x!.dims;
    if (dims.length < 2) throw new RangeError(`Trilu needs at least 2 dimensions, got [${dims.join(", ")}]`);
    const k = kInput ? intScalar(kInput, "Trilu k") : 0;
    const upper = attrs.int("upper", 1) === 1;
    const rows = dims[dims.length - 2]!;
    const cols = dims[dims.length - 1]!;
    const out = allocate(x!.type, x!.size);
    const matrices = rows * cols === 0 ? 0 : x!.size / (rows * cols);
    for (let m = 0; m < matrices; m++) {
      for (let i = 0; i < rows; i++) {
        // Upper keeps columns j ≥ i + k; lower keeps j ≤ i + k.
        const from = upper ? Math.min(Math.max(i + k, 0), cols) : 0;
        const to = upper ? cols : Math.min(Math.max(i + k + 1, 0), cols);
        const row = (m * rows + i) * cols;
        copyElements(out, row + from, x!.data, row + from, to - from);
      }
    }
    return [new Tensor(x!.type, out, [...dims])];
  },
};
