/**
 * Builds elementwise unary op definitions from a table row: the op's accepted dtypes, its attributes
 * and a row kernel that maps a whole array in one tight loop (attributes are read once, before the
 * loop). Used by the plain unary ops (unary.ts) and the activations with attributes (activation.ts).
 * @module
 */
import { allocateForOverwrite, type DType, isBigIntDType } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { AttributeSpec, Attrs, OpDefinition } from "../../op.ts";
import { type BigArray, type NumArray, required, requireDType } from "./_dtypes.ts";

/** Maps `x[0..n)` into `o[0..n)`; `attrs` holds the node's attributes. */
export type UnaryRow = (o: NumArray, x: NumArray, n: number, attrs: Attrs) => void;

/** One table row of a unary op. */
export interface UnarySpec {
  /** ONNX op type. */
  op: string;
  /** Accepted input dtypes; the output has the same type unless `bool` is set. */
  types: readonly DType[];
  /** The output is bool (IsNaN, IsInf). */
  bool?: boolean;
  /** Attributes the op understands. */
  attributes?: Readonly<Record<string, AttributeSpec>>;
  /** The kernel for number-element dtypes. */
  row: UnaryRow;
  /** The scalar rule for int64 elements, when the op accepts int64. */
  big?: (x: bigint) => bigint;
  /** The first default-domain opset that defines the op, when later than 1. */
  since?: number;
}

/**
 * The op definition for a unary table row.
 *
 * @example
 * ```ts
 * const neg = unaryDefinition({
 *   op: "Neg",
 *   types: ["float32"],
 *   row: (o, x, n) => {
 *     for (let i = 0; i < n; i++) o[i] = -x[i]!;
 *   },
 * });
 * if (neg.op !== "Neg") throw new Error("op");
 * ```
 */
export function unaryDefinition(spec: UnarySpec): OpDefinition {
  const { op, types, row, big, since } = spec;
  return {
    op,
    inputs: [1, 1],
    outputs: [1, 1],
    attributes: spec.attributes ?? {},
    check: (
      _node,
      opset,
    ) => (since && opset < since ? `${op} needs opset ${since} or later (model: ${opset})` : undefined),
    run: ([input], attrs) => {
      const x = required(op, input, 0);
      requireDType(op, "input X", x, types);
      const type = spec.bool ? "bool" : x.type;
      const out = allocateForOverwrite(type, x.size);
      if (isBigIntDType(x.type)) {
        if (!big) throw new TypeError(`${op}: type ${x.type} is not supported`);
        const src = x.data as BigArray, dst = out as BigArray;
        for (let i = 0; i < src.length; i++) dst[i] = big(src[i]!);
      } else {
        row(out as NumArray, x.data as NumArray, x.size, attrs);
      }
      return [new Tensor(type, out, x.dims)];
    },
  };
}
