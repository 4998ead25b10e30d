/**
 * Which node inputs are quantizable weights, and in which operand layout (`group_layout.ts`). The
 * compress command walks a graph, asks this for every constant float input, and quantizes the ones
 * that have a layout.
 * @module
 */
import type { Node } from "../graph/graph.ts";
import type { WeightLayout } from "../graph/group_layout.ts";

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a?.kind === "int" ? a.value : fallback;
}

/**
 * The layout of input `index` of `node` when that input is a weight bitloop quantizes (given it is a
 * constant float tensor of rank ≥ 2), else `undefined`:
 * Conv input 1 → `conv`; ConvTranspose input 1 → `conv_transpose` with its `group`; Gemm input 1 →
 * `matmul_nk` if `transB` else `matmul_kn`, input 0 → `matmul_kn` if `transA` else `matmul_nk`;
 * MatMul input 1 → `matmul_kn`, input 0 → `matmul_nk`; LSTM/GRU/RNN inputs 1 (W) and 2 (R) → `rnn`;
 * Gather input 0 (the table) → `gather` when `axis` is 0.
 *
 * @example
 * ```ts
 * const node = { name: "fc", op: "Gemm", domain: "", inputs: ["x", "w"], outputs: ["y"],
 *   attributes: { transB: { kind: "int" as const, value: 1 } } };
 * if (weightLayoutOf(node, 1)?.kind !== "matmul_nk") throw new Error("Gemm B with transB is [N, K]");
 * ```
 */
export function weightLayoutOf(node: Node, index: number): WeightLayout | undefined {
  if (node.domain !== "" && node.domain !== "ai.onnx") return undefined;
  switch (node.op) {
    case "Conv":
      return index === 1 ? { kind: "conv" } : undefined;
    case "ConvTranspose":
      return index === 1 ? { kind: "conv_transpose", group: intAttr(node, "group", 1) } : undefined;
    case "Gemm":
      if (index === 1) return { kind: intAttr(node, "transB", 0) ? "matmul_nk" : "matmul_kn" };
      if (index === 0) return { kind: intAttr(node, "transA", 0) ? "matmul_kn" : "matmul_nk" };
      return undefined;
    case "MatMul":
      return index === 1 ? { kind: "matmul_kn" } : index === 0 ? { kind: "matmul_nk" } : undefined;
    case "LSTM":
    case "GRU":
    case "RNN":
      return index === 1 || index === 2 ? { kind: "rnn" } : undefined;
    case "Gather":
      return index === 0 && intAttr(node, "axis", 0) === 0 ? { kind: "gather" } : undefined;
    default:
      return undefined;
  }
}
