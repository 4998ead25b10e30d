// A hand-built model that uses every dtype, every attribute kind (with edge values), symbolic and unknown
// dims, nested subgraphs with their own initializers, and awkward names: the bitloop round-trip fixture.
import type { DType } from "../../../src/graph/dtype.ts";
import { type Attribute, emptyGraph, type Graph, type Model, type Node } from "../../../src/graph/graph.ts";
import { Tensor } from "../../../src/graph/tensor.ts";

/** One tensor of every dtype (numeric ones with values that exercise the full range). */
export function tensorsOfEveryDType(): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  const add = (name: string, type: DType, data: Tensor["data"], dims: number[]) =>
    m.set(name, new Tensor(type, data, dims));
  add("f32", "float32", new Float32Array([1.5, -0, NaN, Infinity, -3.4e38, 1e-45]), [2, 3]);
  add("f64", "float64", new Float64Array([0.1, -0, Number.MIN_VALUE, -Number.MAX_VALUE]), [4]);
  add("f16", "float16", new Uint16Array([0x3c00, 0x8000, 0x7c00, 0x7e01, 0x0001]), [5]);
  add("i8", "int8", new Int8Array([-128, 127, 0]), [3]);
  add("u8", "uint8", new Uint8Array([0, 255, 7]), [1, 3]);
  add("i16", "int16", new Int16Array([-32768, 32767]), [2]);
  add("u16", "uint16", new Uint16Array([65535, 1]), [2, 1]);
  add("i32", "int32", new Int32Array([-(2 ** 31), 2 ** 31 - 1, 5]), [3]);
  add("u32", "uint32", new Uint32Array([2 ** 32 - 1, 0]), [2]);
  add("i64", "int64", new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 42n]), [3]);
  add("u64", "uint64", new BigUint64Array([2n ** 64n - 1n, 0n]), [2]);
  add("bool", "bool", new Uint8Array([1, 0, 1, 1]), [2, 2]);
  add("str", "string", ["", "hello", "ünïcødé ✓", "tab\tnul\u0000"], [2, 2]);
  add("scalar", "float32", new Float32Array([7]), []);
  add("empty", "float32", new Float32Array(0), [0, 3]);
  add("empty_str", "string", [], [0]);
  // A view into a larger buffer at an odd element offset: only its own bytes must be written.
  const big = new Float32Array(100).map((_, i) => i);
  add("view", "float32", big.subarray(33, 36), [3]);
  return m;
}

function node(op: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): Node {
  return { name: "", op, domain: "", inputs, outputs, attributes };
}

function subgraph(name: string, depth: number): Graph {
  const g = emptyGraph(name);
  g.inputs.push({ name: `${name}_in`, dtype: "float32", shape: ["n", null, 3] });
  g.outputs.push({ name: `${name}_out`, dtype: undefined, shape: undefined });
  g.initializers.set(`${name}_w`, new Tensor("float32", new Float32Array([depth, 2, 3]), [3]));
  g.initializers.set(`${name}_i`, new Tensor("int64", new BigInt64Array([BigInt(depth)]), [1]));
  const attrs: Record<string, Attribute> = { alpha: { kind: "float", value: 0.25 * depth } };
  if (depth < 3) attrs["body"] = { kind: "graph", value: subgraph(`${name}_sub`, depth + 1) };
  g.nodes.push(node(depth < 3 ? "Loop" : "Add", [`${name}_in`, `${name}_w`], [`${name}_out`], attrs));
  return g;
}

/** Every attribute kind, with the values that are easy to get wrong. */
export function attributesOfEveryKind(): Record<string, Attribute> {
  const attrs: Record<string, Attribute> = {
    f: { kind: "float", value: 0.1 },
    f_neg_zero: { kind: "float", value: -0 },
    f_nan: { kind: "float", value: NaN },
    f_inf: { kind: "float", value: -Infinity },
    f_tiny: { kind: "float", value: 5e-324 },
    i: { kind: "int", value: -1 },
    i_zero: { kind: "int", value: 0 },
    i_max_safe: { kind: "int", value: Number.MAX_SAFE_INTEGER },
    i_int64_max: { kind: "int", value: 2 ** 63 }, // what INT64_MAX becomes as a JS number
    i_int64_min: { kind: "int", value: -(2 ** 63) },
    i_big_exact: { kind: "int", value: 2 ** 62 + 2 ** 20 },
    i_neg_zero: { kind: "int", value: -0 },
    i_fraction: { kind: "int", value: 1.5 },
    i_huge: { kind: "int", value: 2 ** 70 },
    s: { kind: "string", value: "NOTSET" },
    s_empty: { kind: "string", value: "" },
    s_unicode: { kind: "string", value: "日本語 ✓ \u0000" },
    t: { kind: "tensor", value: new Tensor("float32", new Float32Array([1, 2, 3, 4]), [2, 2]) },
    t_i64: { kind: "tensor", value: new Tensor("int64", new BigInt64Array([-1n, 9n]), [2]) },
    t_str: { kind: "tensor", value: new Tensor("string", ["a", "b"], [2]) },
    t_f16: { kind: "tensor", value: new Tensor("float16", new Uint16Array([0x3c00]), [1, 1]) },
    g: { kind: "graph", value: subgraph("then", 1) },
    floats: { kind: "floats", value: [1, -0, 0.1, NaN, 3.4028234663852886e38] },
    floats_empty: { kind: "floats", value: [] },
    ints: { kind: "ints", value: [0, -1, 2 ** 63, -(2 ** 63), 9007199254740993] },
    ints_inexact: { kind: "ints", value: [1, 0.5, -0] },
    ints_empty: { kind: "ints", value: [] },
    strings: { kind: "strings", value: ["", "x", "ü"] },
    strings_empty: { kind: "strings", value: [] },
  };
  Object.defineProperty(attrs, "__proto__", {
    value: { kind: "string", value: "a plain key" },
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return attrs;
}

/** The fixture model. */
export function sampleModel(): Model {
  const g = emptyGraph("main graph ✓");
  g.inputs.push(
    { name: "x", dtype: "float32", shape: ["batch", 3, null, 0] },
    { name: "scalar_in", dtype: "int64", shape: [] },
    { name: "unknown", dtype: undefined, shape: undefined },
    { name: "neg_dim", dtype: "float16", shape: [-1, Number.MAX_SAFE_INTEGER, ""] },
  );
  g.outputs.push({ name: "y", dtype: "float32", shape: ["batch", 10] });
  g.initializers = tensorsOfEveryDType();
  g.valueInfo.set("mid", { name: "mid", dtype: "bool", shape: [1] });
  g.valueInfo.set("mid2", { name: "mid2", dtype: undefined, shape: ["s"] });
  g.nodes.push(
    {
      name: "everything",
      op: "Custom",
      domain: "com.example",
      inputs: ["x", "", "f32"],
      outputs: ["mid"],
      attributes: attributesOfEveryKind(),
    },
    node("If", ["mid"], ["mid2"], {
      then_branch: { kind: "graph", value: subgraph("a", 2) },
      else_branch: { kind: "graph", value: emptyGraph("") },
    }),
    node("Identity", ["mid2"], ["y"]),
  );
  const metadata: Record<string, string> = { author: "tests", "": "empty key", "ü": "" };
  Object.defineProperty(metadata, "__proto__", { value: "x", enumerable: true, writable: true, configurable: true });
  return {
    graph: g,
    opsets: { "": 17, "ai.onnx.ml": 3, "com.example": 1 },
    irVersion: 8,
    producer: { name: "hand", version: "0.0.1 ✓" },
    metadata,
  };
}
