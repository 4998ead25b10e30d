// Terse builders for the models with subgraphs (If branches, Loop bodies) the control-flow tests run.
import type { DType } from "../../../src/graph/dtype.ts";
import type { Dim, Graph, Model, Node, ValueInfo } from "../../../src/graph/graph.ts";
import type { Tensor } from "../../../src/graph/tensor.ts";

/** A typed value declaration. */
export function vi(name: string, dtype: DType, shape: Dim[]): ValueInfo {
  return { name, dtype, shape };
}

export { node } from "../../_graph.ts";

/** A (sub)graph. */
export function graph(
  name: string,
  inputs: ValueInfo[],
  outputs: ValueInfo[],
  nodes: Node[],
  initializers: Record<string, Tensor> = {},
): Graph {
  return {
    name,
    inputs,
    outputs,
    nodes,
    initializers: new Map(Object.entries(initializers)),
    quantized: new Map(),
    valueInfo: new Map(),
  };
}

/** A model whose main graph takes `feeds` (declared with their dtypes and shapes) and returns `outputs`. */
export function modelOf(
  feeds: Record<string, Tensor>,
  outputs: string[],
  nodes: Node[],
  initializers: Record<string, Tensor> = {},
  opset = 17,
): Model {
  return {
    irVersion: 8,
    opsets: { "": opset },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: graph(
      "main",
      Object.entries(feeds).map(([name, t]) => vi(name, t.type, [...t.dims])),
      outputs.map((name) => ({ name, dtype: undefined, shape: undefined })),
      nodes,
      initializers,
    ),
  };
}
