/**
 * The kernel interface every operator implements. An {@link OpDefinition} says what the op accepts
 * (checked when a model is loaded, so unsupported uses fail early with the node's name) and computes
 * its outputs from input tensors. Fast kernels (wasm, native) plug in behind the same interface.
 * @module
 */
import type { Attribute, AttributeKind, Graph, Node } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";

/** What a node may say about one attribute. */
export interface AttributeSpec {
  /** The attribute's ONNX kind. */
  kind: AttributeKind;
  /** For string or int attributes with a fixed set of supported values: that set. */
  values?: readonly (string | number)[];
}

/** Services a kernel can call while it runs. */
export interface KernelContext {
  /** The node being executed. */
  node: Node;
  /** Opset version of the node's domain. */
  opset: number;
  /** Runs a subgraph (If/Loop body) with `feeds` plus the enclosing scope; returns its outputs in order. */
  runSubgraph(graph: Graph, feeds: Map<string, Tensor>): Tensor[];
}

/** One operator: its contract and its reference implementation. */
export interface OpDefinition {
  /** Operator type, e.g. `"Conv"`. */
  op: string;
  /** Inclusive range of input counts (omitted optional inputs count as present). */
  inputs: readonly [min: number, max: number];
  /** Inclusive range of output counts. */
  outputs: readonly [min: number, max: number];
  /** Every attribute the op understands; anything else is rejected at load time. */
  attributes: Readonly<Record<string, AttributeSpec>>;
  /** Extra load-time check; returns a reason when this node cannot be run. */
  check?(node: Node, opset: number): string | undefined;
  /** Computes the outputs. `undefined` stands for an omitted optional input. */
  run(inputs: readonly (Tensor | undefined)[], attrs: Attrs, ctx: KernelContext): Tensor[];
}

/** The value type of an attribute kind. */
type AttributeValue<K extends AttributeKind> = { [A in Attribute as A["kind"]]: A["value"] }[K];

/** Typed, defaulted access to a node's attributes. */
export class Attrs {
  readonly #attributes: Record<string, Attribute>;

  constructor(attributes: Record<string, Attribute>) {
    this.#attributes = attributes;
  }

  /** True when the node sets the attribute. */
  has(name: string): boolean {
    return name in this.#attributes;
  }

  /** An `int` attribute, or `fallback`. */
  int(name: string, fallback: number): number {
    return this.#get(name, "int") ?? fallback;
  }

  /** A `float` attribute, or `fallback`. */
  float(name: string, fallback: number): number {
    return this.#get(name, "float") ?? fallback;
  }

  /** A `string` attribute, or `fallback`. */
  string(name: string, fallback: string): string {
    return this.#get(name, "string") ?? fallback;
  }

  /** An `ints` attribute, or `fallback`. */
  ints(name: string, fallback: number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, fallback?: number[]): number[] | undefined {
    return this.#get(name, "ints") ?? fallback;
  }

  /** A `floats` attribute, or `fallback`. */
  floats(name: string, fallback: number[]): number[];
  floats(name: string): number[] | undefined;
  floats(name: string, fallback?: number[]): number[] | undefined {
    return this.#get(name, "floats") ?? fallback;
  }

  /** A `strings` attribute, or `fallback`. */
  strings(name: string, fallback: string[]): string[] {
    return this.#get(name, "strings") ?? fallback;
  }

  /** A `tensor` attribute, if set. */
  tensor(name: string): Tensor | undefined {
    return this.#get(name, "tensor");
  }

  /** A `graph` attribute; throws when missing. */
  graph(name: string): Graph {
    const g = this.#get(name, "graph");
    if (!g) throw new TypeError(`Missing graph attribute "${name}"`);
    return g;
  }

  #get<K extends AttributeKind>(name: string, kind: K): AttributeValue<K> | undefined {
    const a = this.#attributes[name];
    if (a === undefined) return undefined;
    if (a.kind !== kind) throw new TypeError(`Attribute "${name}" is ${a.kind}, expected ${kind}`);
    return a.value as AttributeValue<K>;
  }
}
