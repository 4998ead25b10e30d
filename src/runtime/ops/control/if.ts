/**
 * If: runs `then_branch` or `else_branch` (subgraphs that see the enclosing scope) depending on a
 * boolean condition, and returns that branch's outputs.
 * @module
 */
import type { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

/** The truth value of a condition tensor: a bool (or numeric) scalar or one-element tensor. */
export function truthOf(cond: Tensor, name: string): boolean {
  if (cond.size !== 1) {
    throw new RangeError(`${name} must hold exactly one element, got shape [${cond.dims.join(", ")}]`);
  }
  if (cond.type === "string") throw new TypeError(`${name} must be bool, got string`);
  const v = (cond.data as ArrayLike<number | bigint>)[0]!;
  return typeof v === "bigint" ? v !== 0n : v !== 0;
}

/** ONNX If (opsets 1–21, tensor outputs). */
export const ifOp: OpDefinition = {
  op: "If",
  inputs: [1, 1],
  outputs: [1, Infinity],
  attributes: { then_branch: { kind: "graph" }, else_branch: { kind: "graph" } },
  check(node) {
    const a = node.attributes;
    if (a.then_branch?.kind !== "graph" || a.else_branch?.kind !== "graph") {
      return "needs both then_branch and else_branch graph attributes";
    }
    const n = node.outputs.length;
    for (const branch of [a.then_branch.value, a.else_branch.value]) {
      if (branch.outputs.length !== n) {
        return `branch "${branch.name}" has ${branch.outputs.length} outputs; the node has ${n}`;
      }
    }
    return undefined;
  },
  run([cond], attrs, ctx) {
    const branch = attrs.graph(truthOf(cond!, "If condition") ? "then_branch" : "else_branch");
    return ctx.runSubgraph(branch, new Map());
  },
};
