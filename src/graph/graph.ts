/**
 * The graph IR: a model is a graph of nodes over named values, with constant tensors (weights) and
 * optional subgraphs (If/Loop bodies). It is the one shape every format reads into and writes from.
 * @module
 */
import type { DType } from "./dtype.ts";
import type { QuantizedTensor } from "./quantized_tensor.ts";
import type { Tensor } from "./tensor.ts";

/** One dimension: a size, a symbolic name (e.g. `"batch"`), or `null` when unknown. */
export type Dim = number | string | null;

/** The declared type of a graph input, output or intermediate value. */
export interface ValueInfo {
  /** Value name, unique in its graph. */
  name: string;
  /** Element type, when known. */
  dtype: DType | undefined;
  /** Shape, when known; dims may be symbolic. */
  shape: Dim[] | undefined;
}

/** A node attribute, tagged with its ONNX kind so it round-trips exactly. */
export type Attribute =
  | { kind: "float"; value: number }
  | { kind: "int"; value: number }
  | { kind: "string"; value: string }
  | { kind: "tensor"; value: Tensor }
  | { kind: "graph"; value: Graph }
  | { kind: "floats"; value: number[] }
  | { kind: "ints"; value: number[] }
  | { kind: "strings"; value: string[] };

/** The kinds an attribute can have. */
export type AttributeKind = Attribute["kind"];

/** One operator application. An empty input name marks an omitted optional input. */
export interface Node {
  /** Node name; may be empty in the source file, in which case importers name it after its first output. */
  name: string;
  /** Operator type, e.g. `"Conv"`. */
  op: string;
  /** Operator domain; `""` is the default ONNX domain. */
  domain: string;
  /** Input value names, in order; `""` for an omitted optional input. */
  inputs: string[];
  /** Output value names, in order. */
  outputs: string[];
  /** Attributes by name. */
  attributes: Record<string, Attribute>;
}

/** A graph: the main graph of a model or a subgraph held by a node attribute. */
export interface Graph {
  /** Graph name. */
  name: string;
  /** Values fed from outside (initializers are not listed here). */
  inputs: ValueInfo[];
  /** Values the graph returns. */
  outputs: ValueInfo[];
  /** Constant tensors by value name: weights, folded constants. */
  initializers: Map<string, Tensor>;
  /**
   * Compressed weights by value name, held INSTEAD of a float initializer of the same name: a value is
   * in `initializers` or here, never both. Nodes read them like initializers; the reference runtime
   * dequantizes them at load (`src/quant/dequantize_model.ts`). Empty for uncompressed models.
   */
  quantized: Map<string, QuantizedTensor>;
  /** Nodes, in topological order once a model is loaded. */
  nodes: Node[];
  /** Known types of intermediate values (from the source file or shape inference). */
  valueInfo: Map<string, ValueInfo>;
}

/** A whole model: its main graph plus what describes it. */
export interface Model {
  /** The main graph. */
  graph: Graph;
  /** Operator set version by domain (`""` = default ONNX domain). */
  opsets: Record<string, number>;
  /** ONNX IR version of the source, kept for export. */
  irVersion: number;
  /** Tool that produced the source model. */
  producer: { name: string; version: string };
  /** Free key/value metadata. */
  metadata: Record<string, string>;
}

/** A new, empty graph. */
export function emptyGraph(name = "main"): Graph {
  return {
    name,
    inputs: [],
    outputs: [],
    initializers: new Map(),
    quantized: new Map(),
    nodes: [],
    valueInfo: new Map(),
  };
}

/** The name to report for a node in messages: its own, else its first output's. */
export function nodeLabel(node: Node): string {
  return node.name || node.outputs[0] || node.op;
}
