/**
 * Fast paths for float32 `Add`, `Sub`, `Mul` and `Div` between a tensor `[..., m, n]` and an operand
 * repeated along it, either order: a row `[n]` (or `[1, …, n]`: LayerNorm's gamma and beta, a classifier
 * bias) or a column `[..., m, 1]` (LayerNorm's per-row mean and deviation). These are the forms the
 * decomposed LayerNorm of PP-OCR rec's SVTR neck and its CTC head take that `f32_elementwise_ops.ts`
 * (equal shapes, scalars, per-plane operands) leaves to the reference. Each loop computes the same
 * double-precision operation on the same two float32 values and rounds it once to float32, exactly as the
 * reference kernel's broadcast loop does, so results are bit-identical; other forms run the reference.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { OpDefinition } from "../op.ts";
import { BINARY, type BinaryCode, binaryVS, binaryVV } from "./_binary_rows.ts";

/** How `small` repeats along `big`: "row" (`[1, …, n]`), "column" (`[..., m, 1]`), or undefined. */
function repeatForm(big: readonly number[], small: readonly number[]): "row" | "column" | undefined {
  const rank = big.length, n = big[rank - 1];
  if (rank < 2 || n === undefined || n < 2 || small.length > rank || small.length === 0) return undefined;
  if (small[small.length - 1] === n && small.every((d, i) => i === small.length - 1 || d === 1)) return "row";
  if (small.length === rank && small[rank - 1] === 1 && small.every((d, i) => i === rank - 1 || d === big[i])) {
    return "column";
  }
  return undefined;
}

/** `a ∘ b` when one operand repeats along the other as a row or a column, or undefined. */
function binaryRepeatF32(op: BinaryCode, a: Tensor, b: Tensor): Tensor | undefined {
  if (a.type !== "float32" || b.type !== "float32" || a.size === 0) return undefined;
  const bSmall = a.size >= b.size;
  const [big, small] = bSmall ? [a, b] : [b, a];
  const form = repeatForm(big.dims, small.dims);
  if (!form) return undefined;
  const x = big.data as Float32Array, s = small.data as Float32Array;
  const n = big.dims[big.dims.length - 1]!, rows = x.length / n;
  const o = allocateForOverwrite("float32", x.length) as Float32Array;
  for (let r = 0, base = 0; r < rows; r++, base += n) {
    if (form === "column") binaryVS(op, o, x, s[r]!, !bSmall, base, base + n);
    else if (bSmall) binaryVV(op, o, base, x, base, s, 0, n);
    else binaryVV(op, o, base, s, 0, x, base, n);
  }
  return new Tensor("float32", o, big.dims);
}

/**
 * Wraps `def` (the reference kernel, or a fast op that falls back to it) for an `Add`, `Sub`, `Mul` or
 * `Div` node so row- and column-repeated float32 operands take the fast loops; undefined for other ops.
 *
 * @example
 * ```ts
 * import { OPS } from "../registry.ts";
 * import { Attrs } from "../op.ts";
 * import { Tensor } from "../../graph/tensor.ts";
 * import { f32RowBroadcastOp } from "./f32_row_broadcast_ops.ts";
 * const node = { op: "Add", name: "a", inputs: ["x", "b"], outputs: ["y"], attributes: {}, domain: "" };
 * const op = f32RowBroadcastOp(node, OPS.get("Add")!)!;
 * const x = new Tensor("float32", new Float32Array([1, 2, 3, 4]), [2, 2]);
 * const bias = new Tensor("float32", new Float32Array([10, 20]), [2]);
 * const [y] = op.run([x, bias], new Attrs({}), { node, opset: 13, runSubgraph: () => [] });
 * if ((y!.data as Float32Array)[3] !== 24) throw new Error("add");
 * ```
 */
export function f32RowBroadcastOp(node: Node, def: OpDefinition): OpDefinition | undefined {
  if (!(node.op in BINARY) || node.inputs.length !== 2) return undefined;
  const code = BINARY[node.op as keyof typeof BINARY];
  return {
    ...def,
    run: (inputs, attrs, ctx) => {
      const [a, b] = inputs;
      const fast = a && b ? binaryRepeatF32(code, a, b) : undefined;
      return fast ? [fast] : def.run(inputs, attrs, ctx);
    },
  };
}
