// Epilogue fusion: what follows a fast op's output and can move into its epilogue. First an optional
// scalar affine (`Mul` by a constant scalar, then `Add` of one: folded into the packed weights and bias),
// then an optional activation: Relu, Clip, HardSigmoid, HardSwish or Sigmoid, or HardSwish spelled out
// as `x · Clip(x + 3, 0, 6) / 6` (how Paddle exports it); after a HardSwish, a scalar `Mul`/`Add` too
// (PP-LCNetV3's learnable affine block: the kernels' `hardswish` activation with scale and shift). Each absorbed node then passes its input
// through unchanged (the producer already computed its output).
import type { Graph, Node } from "../../graph/graph.ts";
import { outerReads } from "../../graph/passes/sort_topologically.ts";
import type { Activation } from "../../kernels/activation.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import type { ConstantLookup } from "./f32_fast_ops.ts";

/** The nodes reading each value of `graph` (a node reading from a subgraph counts too). */
export function readersOf(graph: Graph): Map<string, Node[]> {
  const readers = new Map<string, Node[]>();
  const add = (name: string, node: Node) => {
    const list = readers.get(name);
    if (list) list.push(node);
    else readers.set(name, [node]);
  };
  for (const node of graph.nodes) {
    for (const name of node.inputs) if (name) add(name, node);
    for (const name of outerReads(node)) add(name, node);
  }
  return readers;
}

/** A scalar float32 constant (rank ≤ 1), or undefined. */
function scalar(constants: ConstantLookup, name: string | undefined): number | undefined {
  if (!name) return undefined;
  const t = constants(name);
  if (!t || t.type !== "float32" || t.data.length !== 1 || t.dims.length > 1) return undefined;
  return (t.data as Float32Array)[0]!;
}

/** The kernel activation `node` computes, when it is one the epilogues fuse. */
export function fusableActivation(constants: ConstantLookup, node: Node): Activation | undefined {
  const attrs = new Attrs(node.attributes);
  switch (node.op) {
    case "Relu":
      return "relu";
    case "Sigmoid":
      return "sigmoid";
    case "HardSwish":
      return "hardswish";
    case "HardSigmoid":
      return { kind: "hardsigmoid", alpha: attrs.float("alpha", 0.2), beta: attrs.float("beta", 0.5) };
    case "Clip": {
      const bound = (i: number, attr: string, fallback: number) =>
        attrs.has(attr) ? attrs.float(attr, fallback) : node.inputs[i] ? scalar(constants, node.inputs[i]) : fallback;
      const min = bound(1, "min", -Infinity), max = bound(2, "max", Infinity);
      if (min === undefined || max === undefined || !(min <= max)) return undefined;
      return { kind: "clip", min, max };
    }
    default:
      return undefined;
  }
}

/** A node absorbed into an epilogue and the input it passes through. */
export interface Absorbed {
  node: Node;
  input: number;
}

/** What follows a producer: `act((y + columnBias) · scale + shift)`, and the nodes that computed it. */
export interface Epilogue {
  scale: number;
  shift: number;
  activation: Activation;
  absorbed: Absorbed[];
  /** A MatMul's bias `Add` ({@link columnBiasAfter}): one value per output column. */
  columnBias?: Float32Array;
}

/** The epilogue after `producer`'s only output (scale 1, shift 0, no activation and no nodes when nothing fuses). */
export function epilogueAfter(
  graph: Graph,
  constants: ConstantLookup,
  producer: Node,
  readers: ReadonlyMap<string, Node[]>,
): Epilogue {
  const out: Epilogue = { scale: 1, shift: 0, activation: "none", absorbed: [] };
  const outputs = new Set(graph.outputs.map((o) => o.name));
  let value = producer.outputs.length === 1 ? producer.outputs[0] : undefined;
  /** The only reader of `name` when it is a plain single-output node reading it once, else undefined. */
  const only = (name: string | undefined): Node | undefined => {
    if (!name || outputs.has(name)) return undefined;
    const list = readers.get(name);
    const node = list?.length === 1 ? list[0]! : undefined;
    if (!node || node.outputs.length !== 1 || node.inputs.filter((i) => i === name).length !== 1) return undefined;
    return node;
  };
  /** For a binary node reading `name`: the index of `name` and the scalar constant on the other side. */
  const withScalar = (node: Node, name: string): [number, number] | undefined => {
    if (node.inputs.length !== 2) return undefined;
    const i = node.inputs[0] === name ? 0 : 1;
    const c = scalar(constants, node.inputs[1 - i]);
    return c === undefined ? undefined : [i, c];
  };
  let next = only(value);
  if (next?.op === "Mul") {
    const m = withScalar(next, value!);
    if (m) {
      out.scale = m[1];
      out.absorbed.push({ node: next, input: m[0] });
      value = next.outputs[0]!;
      next = only(value);
    }
  }
  if (next?.op === "Add") {
    const a = withScalar(next, value!);
    if (a) {
      out.shift = a[1];
      out.absorbed.push({ node: next, input: a[0] });
      value = next.outputs[0]!;
      next = only(value);
    }
  }
  if (next && next.inputs[0] === value) {
    const activation = fusableActivation(constants, next);
    if (activation !== undefined) {
      out.activation = activation;
      out.absorbed.push({ node: next, input: 0 });
      if (activation === "hardswish") affineAfterHardSwish(next.outputs[0]!);
      return out;
    }
  }
  const hs = value === undefined ? undefined : spelledHardSwish(value, constants, readers, outputs);
  if (hs) {
    out.activation = "hardswish";
    out.absorbed.push(...hs);
    affineAfterHardSwish(hs[hs.length - 1]!.node.outputs[0]!);
    return out;
  }
  const swish = value === undefined ? undefined : spelledSwish(value, constants, readers, outputs);
  if (swish) {
    out.activation = "swish";
    out.absorbed.push(...swish);
  }
  return out;

  /** A scalar `Mul` then `Add` (either may be missing) after the HardSwish, into its `scale`/`shift`. */
  function affineAfterHardSwish(v: string): void {
    let scale = 1, shift = 0;
    let node = only(v);
    if (node?.op === "Mul") {
      const m = withScalar(node, v);
      if (m) {
        scale = m[1];
        out.absorbed.push({ node, input: m[0] });
        v = node.outputs[0]!;
        node = only(v);
      }
    }
    if (node?.op === "Add") {
      const a = withScalar(node, v);
      if (a) {
        shift = a[1];
        out.absorbed.push({ node, input: a[0] });
      }
    }
    if (scale !== 1 || shift !== 0) out.activation = { kind: "hardswish", scale, shift };
  }
}

/** The one node reading `name`, when it is not a graph output and exactly one node reads it. */
function soleReader(
  name: string | undefined,
  readers: ReadonlyMap<string, Node[]>,
  outputs: ReadonlySet<string>,
): Node | undefined {
  if (!name || outputs.has(name)) return undefined;
  const r = readers.get(name);
  return r?.length === 1 ? r[0] : undefined;
}

/**
 * `v → Sigmoid(v) → Mul(v, ·)` (Swish), also spelled with a `Mul(v, 1)` before the Sigmoid (Paddle's
 * `x · sigmoid(β·x)` with β = 1, an exact identity): the nodes, when `v` feeds exactly that.
 */
function spelledSwish(
  v: string,
  constants: ConstantLookup,
  readers: ReadonlyMap<string, Node[]>,
  outputs: ReadonlySet<string>,
): Absorbed[] | undefined {
  const list = readers.get(v);
  if (outputs.has(v) || list?.length !== 2) return undefined;
  const single = (name: string | undefined) => soleReader(name, readers, outputs);
  const absorbed: Absorbed[] = [];
  let sigmoid = list.find((n) => n.op === "Sigmoid");
  const beta = list.find((n) => n.op === "Mul" && n.inputs.length === 2 && n.inputs.includes(v) && scalarIs1(n));
  if (!sigmoid && beta && beta.outputs.length === 1) {
    absorbed.push({ node: beta, input: beta.inputs[0] === v ? 0 : 1 });
    sigmoid = single(beta.outputs[0]!);
  }
  if (sigmoid?.op !== "Sigmoid" || sigmoid.domain !== "" || sigmoid.inputs.length !== 1) return undefined;
  if (sigmoid.outputs.length !== 1) return undefined;
  const s = sigmoid.outputs[0]!;
  const mul = single(s);
  if (!mul || mul.op !== "Mul" || mul.domain !== "" || mul.inputs.length !== 2 || !list.includes(mul)) return undefined;
  const vi = mul.inputs[0] === v ? 0 : 1;
  if (mul.inputs[vi] !== v || mul.inputs[1 - vi] !== s) return undefined;
  absorbed.push({ node: sigmoid, input: 0 }, { node: mul, input: vi });
  return absorbed;

  function scalarIs1(n: Node): boolean {
    return n.domain === "" && scalar(constants, n.inputs[n.inputs[0] === v ? 1 : 0]) === 1;
  }
}

/** `v → Add(v, 3) → Clip(0, 6) → Mul(v, ·) → Div(·, 6)`: the nodes, when `v` feeds exactly that. */
function spelledHardSwish(
  v: string,
  constants: ConstantLookup,
  readers: ReadonlyMap<string, Node[]>,
  outputs: ReadonlySet<string>,
): Absorbed[] | undefined {
  const list = readers.get(v);
  if (outputs.has(v) || list?.length !== 2) return undefined;
  const add = list.find((n) => n.op === "Add"), mul = list.find((n) => n.op === "Mul");
  if (!add || !mul || add.inputs.length !== 2) return undefined;
  const ai = add.inputs[0] === v ? 0 : 1;
  if (scalar(constants, add.inputs[1 - ai]) !== 3) return undefined;
  const single = (name: string | undefined) => soleReader(name, readers, outputs);
  const clip = single(add.outputs[0]);
  if (!clip || clip.op !== "Clip" || clip.inputs[0] !== add.outputs[0]) return undefined;
  const act = fusableActivation(constants, clip);
  if (typeof act !== "object" || act.kind !== "clip" || act.min !== 0 || act.max !== 6) return undefined;
  const mi = mul.inputs[0] === v ? 0 : 1;
  if (mul.inputs.length !== 2 || mul.inputs[1 - mi] !== clip.outputs[0] || single(clip.outputs[0]) !== mul) {
    return undefined;
  }
  const div = single(mul.outputs[0]);
  if (!div || div.op !== "Div" || div.inputs[0] !== mul.outputs[0] || scalar(constants, div.inputs[1]) !== 6) {
    return undefined;
  }
  return [{ node: add, input: ai }, { node: clip, input: 0 }, { node: mul, input: mi }, { node: div, input: 0 }];
}

/** A constant added to every row of a MatMul's output (its bias `Add`), and that node. */
export interface ColumnBias {
  /** One value per output column. */
  values: Float32Array;
  /** The `Add` node and its MatMul-side input. */
  absorbed: Absorbed;
}

/**
 * The `Add(y, c)` after MatMul `producer` (read by nothing else) whose constant `c` is a float32 vector of
 * one value per output column (`[n]`: it broadcasts along the last axis and never changes the output's
 * shape), as Paddle exports a Linear layer: the GEMM starts each output from it, as it does a Gemm's C
 * (so the sum is rounded once less than MatMul then Add). Undefined when `y` goes anywhere else.
 */
export function columnBiasAfter(
  graph: Graph,
  constants: ConstantLookup,
  producer: Node,
  readers: ReadonlyMap<string, Node[]>,
  n: number,
): ColumnBias | undefined {
  const y = producer.outputs.length === 1 ? producer.outputs[0] : undefined;
  if (!y || graph.outputs.some((o) => o.name === y)) return undefined;
  const list = readers.get(y);
  const add = list?.length === 1 ? list[0]! : undefined;
  if (add?.op !== "Add" || add.inputs.length !== 2 || add.outputs.length !== 1) return undefined;
  const i = add.inputs[0] === y ? 0 : 1;
  if (add.inputs[1 - i] === y) return undefined;
  const c = constants(add.inputs[1 - i]!);
  if (!c || c.type !== "float32" || c.dims.length !== 1 || c.dims[0] !== n) return undefined;
  return { values: c.data as Float32Array, absorbed: { node: add, input: i } };
}

/** The definition an absorbed node runs: input `index`, already computed by the producer. */
export function passThrough(def: OpDefinition, index: number): OpDefinition {
  return { ...def, run: (inputs) => [inputs[index]!] };
}

/** A scalar affine `x · scale + shift` computed just before a consumer, and the nodes that computed it. */
export interface PreAffine {
  scale: number;
  shift: number;
  absorbed: Absorbed[];
}

/**
 * `Mul(v, a) → Add(·, b)` (either may be missing) feeding input 0 of `consumer` and nothing else, when
 * none of those nodes is taken yet: the consumer can fold it into its weights (exact for a convolution
 * without padding: `W·(a·x + b) = (a·W)·x + b·ΣW`).
 */
export function preAffineBefore(
  graph: Graph,
  constants: ConstantLookup,
  consumer: Node,
  readers: ReadonlyMap<string, Node[]>,
  producers: ReadonlyMap<string, Node>,
  taken: ReadonlyMap<Node, unknown>,
): PreAffine | undefined {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const out: PreAffine = { scale: 1, shift: 0, absorbed: [] };
  let value = consumer.inputs[0];
  for (const op of ["Add", "Mul"] as const) {
    if (!value || outputs.has(value) || readers.get(value)?.length !== 1) break;
    const node = producers.get(value);
    if (!node || node.op !== op || taken.has(node) || node.inputs.length !== 2) continue;
    const [i, c] = scalar(constants, node.inputs[1]) !== undefined
      ? [0, scalar(constants, node.inputs[1])!]
      : [1, scalar(constants, node.inputs[0])];
    if (c === undefined || node.inputs[i] === node.inputs[1 - i]) break;
    if (op === "Add") out.shift = c;
    else out.scale = c;
    out.absorbed.push({ node, input: i });
    value = node.inputs[i];
  }
  return out.absorbed.length === 0 ? undefined : out;
}
