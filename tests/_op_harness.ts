// Single-op test harness: builds a one-node model in the IR, runs it in bitloop (directly and after an
// ONNX export → import round trip, which must agree bit for bit) and in onnxruntime-node, and compares.
import { expect } from "bun:test";
import type { Attribute, Graph, Model } from "../src/graph/graph.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import { exportOnnx } from "../src/formats/onnx/export_onnx.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import { agreement } from "./_compare.ts";
import { ortRun, ortSession } from "./_ort.ts";

/** Attribute constructors for test cases: `attr.ints([1, 1])`. */
export const attr = {
  int: (value: number): Attribute => ({ kind: "int", value }),
  float: (value: number): Attribute => ({ kind: "float", value }),
  string: (value: string): Attribute => ({ kind: "string", value }),
  ints: (value: number[]): Attribute => ({ kind: "ints", value }),
  floats: (value: number[]): Attribute => ({ kind: "floats", value }),
  strings: (value: string[]): Attribute => ({ kind: "strings", value }),
  tensor: (value: Tensor): Attribute => ({ kind: "tensor", value }),
  graph: (value: Graph): Attribute => ({ kind: "graph", value }),
};

/** One single-node case. */
export interface OpCase {
  op: string;
  /** Fed at run time, in node input order (use `null` for an omitted optional input). */
  inputs: (readonly [string, Tensor] | null)[];
  /** Inputs that are constants (initializers), by name; list them in `inputs` too to fix their position. */
  constants?: string[];
  attributes?: Record<string, Attribute>;
  /** Number of node outputs. @default 1 */
  outputs?: number;
  /** Default-domain opset. @default 17 */
  opset?: number;
}

/** Builds the one-node model of a case. */
export function opModel(c: OpCase): Model {
  const constants = new Set(c.constants ?? []);
  const outputs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `out${i}`);
  const present = c.inputs.filter((x): x is readonly [string, Tensor] => x !== null);
  return {
    irVersion: 8,
    opsets: { "": c.opset ?? 17 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: `${c.op}_case`,
      inputs: present.filter(([n]) => !constants.has(n)).map(([name, t]) => ({
        name,
        dtype: t.type,
        shape: [...t.dims],
      })),
      outputs: outputs.map((name) => ({ name, dtype: undefined, shape: undefined })),
      initializers: new Map(present.filter(([n]) => constants.has(n))),
      quantized: new Map(),
      nodes: [{
        name: `${c.op}_node`,
        op: c.op,
        domain: "",
        inputs: c.inputs.map((x) => (x === null ? "" : x[0])),
        outputs,
        attributes: asOnnxStores(c.attributes ?? {}),
      }],
      valueInfo: new Map(),
    },
  };
}

/**
 * ONNX stores float attributes as float32: round them (in subgraphs too) so the in-memory IR equals
 * the ONNX file bit for bit.
 */
function asOnnxStores(attributes: Record<string, Attribute>): Record<string, Attribute> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]): [string, Attribute] => [
      name,
      a.kind === "float"
        ? { kind: "float", value: Math.fround(a.value) }
        : a.kind === "floats"
        ? { kind: "floats", value: a.value.map(Math.fround) }
        : a.kind === "graph"
        ? { kind: "graph", value: graphAsOnnxStores(a.value) }
        : a,
    ]),
  );
}

function graphAsOnnxStores(graph: Graph): Graph {
  return { ...graph, nodes: graph.nodes.map((n) => ({ ...n, attributes: asOnnxStores(n.attributes) })) };
}

/**
 * Runs a case in bitloop (on the in-memory IR and again after ONNX export → import, which must agree
 * bit for bit) and in onnxruntime-node; returns bitloop's and onnxruntime's output lists.
 */
export function runOpCase(c: OpCase): Promise<{ ours: Tensor[]; ref: Tensor[] }> {
  const constants = new Set(c.constants ?? []);
  const feeds = Object.fromEntries(
    c.inputs.filter((x): x is readonly [string, Tensor] => x !== null && !constants.has(x[0])),
  );
  return runModelCase(opModel(c), feeds);
}

/**
 * Like {@link runOpCase} for any model built in the IR (e.g. one whose subgraphs read extra graph inputs);
 * outputs are in graph output order.
 */
export async function runModelCase(
  model: Model,
  feeds: Record<string, Tensor>,
): Promise<{ ours: Tensor[]; ref: Tensor[] }> {
  model = { ...model, graph: graphAsOnnxStores(model.graph) };
  const bytes = exportOnnx(model);
  const ort = await ortSession(bytes);
  const refOut = await ortRun(ort, feeds);
  const session = await InferenceSession.create(model, { optimization: "none" });
  const ourOut = await session.run(feeds);
  // The same case through the ONNX importer must give the very same bits as the in-memory IR.
  const imported = await InferenceSession.create(bytes, { optimization: "none" });
  const importedOut = await imported.run(feeds);
  const names = model.graph.outputs.map((o) => o.name);
  for (const n of names) expectBitwiseEqual(importedOut[n], ourOut[n], n);
  return { ours: names.map((n) => ourOut[n]!), ref: names.map((n) => refOut[n]!) };
}

/** Asserts two results are identical: dtype, shape and every byte (or string) of the data. */
function expectBitwiseEqual(imported: Tensor | undefined, direct: Tensor | undefined, name: string): void {
  const describe = (t: Tensor | undefined) => t && { output: name, type: t.type, dims: [...t.dims] };
  expect(describe(imported)).toEqual(describe(direct));
  if (!imported || !direct) return;
  if (Array.isArray(imported.data) || Array.isArray(direct.data)) {
    expect({ output: name, data: imported.data }).toEqual({ output: name, data: direct.data });
    return;
  }
  const a = new Uint8Array(imported.data.buffer, imported.data.byteOffset, imported.data.byteLength);
  const b = new Uint8Array(direct.data.buffer, direct.data.byteOffset, direct.data.byteLength);
  const width = Math.max(1, a.length / Math.max(1, imported.size));
  let first = -1;
  for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== b[i]) first = Math.floor(i / width);
  const show = (t: Tensor) => (first < 0 ? undefined : String(t.data[first]));
  expect({ output: name, firstDifference: first, imported: show(imported), direct: show(direct) })
    .toEqual({ output: name, firstDifference: -1, imported: undefined, direct: undefined });
}

/** Error budget for a case: cosine floor and max abs error relative to max |ref|. */
export interface Budget {
  cosine?: number;
  relative?: number;
}

/** Runs a case and asserts every output matches onnxruntime in dtype, shape and values. */
export async function expectOpMatches(c: OpCase, budget: Budget = {}): Promise<void> {
  expectResultsMatch(await runOpCase(c), budget);
}

/** Runs a model built in the IR with `feeds` and asserts every output matches onnxruntime. */
export async function expectModelMatches(
  model: Model,
  feeds: Record<string, Tensor>,
  budget: Budget = {},
): Promise<void> {
  expectResultsMatch(await runModelCase(model, feeds), budget);
}

function expectResultsMatch({ ours, ref }: { ours: Tensor[]; ref: Tensor[] }, budget: Budget): void {
  expect(ours.length).toBe(ref.length);
  ours.forEach((t, i) => {
    const r = ref[i]!;
    expect({ output: i, type: t.type, dims: [...t.dims] }).toEqual({ output: i, type: r.type, dims: [...r.dims] });
    const a = agreement(t, r);
    if (a.maxAbsRef === 0 && a.maxAbsError === 0) return;
    expect(a.cosine).toBeGreaterThanOrEqual(budget.cosine ?? 0.999999);
    expect(a.maxAbsError).toBeLessThanOrEqual((budget.relative ?? 1e-5) * Math.max(a.maxAbsRef, 1e-30));
  });
}
