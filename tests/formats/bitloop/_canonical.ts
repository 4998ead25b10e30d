// A canonical, plain-data form of a Model for exact deep comparison: numbers as their exact string
// (so -0, NaN and 0.1-vs-float32 differences show), tensors as dtype + dims + base64 of their bytes,
// Maps and Records as entry lists (so order counts too).
import type { Attribute, Dim, Graph, Model, Node, ValueInfo } from "../../../src/graph/graph.ts";
import type { Tensor } from "../../../src/graph/tensor.ts";

function num(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

function dim(d: Dim): string {
  return d === null ? "null" : typeof d === "string" ? `sym:${d}` : num(d);
}

/** A tensor as dtype, dims and its exact bytes (base64) or strings. */
export function canonicalTensor(t: Tensor): unknown {
  if (t.type === "string") return { type: t.type, dims: t.dims.map(num), strings: [...(t.data as string[])] };
  const data = t.data as Exclude<Tensor["data"], string[]>;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { type: t.type, dims: t.dims.map(num), ctor: data.constructor.name, bytes: bytes.toString("base64") };
}

function valueInfo(v: ValueInfo): unknown {
  return { name: v.name, dtype: v.dtype ?? "undefined", shape: v.shape === undefined ? "undefined" : v.shape.map(dim) };
}

function attribute(a: Attribute): unknown {
  switch (a.kind) {
    case "float":
    case "int":
      return { kind: a.kind, value: num(a.value) };
    case "floats":
    case "ints":
      return { kind: a.kind, value: a.value.map(num) };
    case "string":
    case "strings":
      return { kind: a.kind, value: a.value };
    case "tensor":
      return { kind: a.kind, value: canonicalTensor(a.value) };
    case "graph":
      return { kind: a.kind, value: canonicalGraph(a.value) };
  }
}

function node(n: Node): unknown {
  return {
    name: n.name,
    op: n.op,
    domain: n.domain,
    inputs: n.inputs,
    outputs: n.outputs,
    attributes: Object.entries(n.attributes).map(([k, a]) => [k, attribute(a)]),
    plainRecord: Object.getPrototypeOf(n.attributes) === Object.prototype,
  };
}

/** A graph in canonical form. */
export function canonicalGraph(g: Graph): unknown {
  return {
    name: g.name,
    inputs: g.inputs.map(valueInfo),
    outputs: g.outputs.map(valueInfo),
    initializers: [...g.initializers].map(([k, t]) => [k, canonicalTensor(t)]),
    nodes: g.nodes.map(node),
    valueInfo: [...g.valueInfo].map(([k, v]) => [k, valueInfo(v)]),
  };
}

/** A model in canonical form: `expect(canonicalModel(a)).toEqual(canonicalModel(b))` is an exact comparison. */
export function canonicalModel(m: Model): unknown {
  return {
    graph: canonicalGraph(m.graph),
    opsets: Object.entries(m.opsets).map(([k, v]) => [k, num(v)]),
    irVersion: num(m.irVersion),
    producer: m.producer,
    metadata: Object.entries(m.metadata),
    metadataPlain: Object.getPrototypeOf(m.metadata) === Object.prototype,
  };
}

/** Every tensor of a model (initializers and tensor attributes, subgraphs included). */
export function allTensors(g: Graph, out: Tensor[] = []): Tensor[] {
  out.push(...g.initializers.values());
  for (const n of g.nodes) {
    for (const a of Object.values(n.attributes)) {
      if (a.kind === "tensor") out.push(a.value);
      if (a.kind === "graph") allTensors(a.value, out);
    }
  }
  return out;
}
