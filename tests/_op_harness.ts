// Single-op test harness: builds a one-node model in the IR, runs it in bitloop (directly and after an
// ONNX export → import round trip once the importer exists) and in onnxruntime-node, and compares.
import { expect } from "bun:test";
import type { Attribute, Model } from "../src/graph/graph.ts";
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
      nodes: [{
        name: `${c.op}_node`,
        op: c.op,
        domain: "",
        inputs: c.inputs.map((x) => (x === null ? "" : x[0])),
        outputs,
        attributes: c.attributes ?? {},
      }],
      valueInfo: new Map(),
    },
  };
}

/** Runs a case in bitloop and in onnxruntime-node; returns both output lists. */
export async function runOpCase(c: OpCase): Promise<{ ours: Tensor[]; ref: Tensor[] }> {
  const model = opModel(c);
  const bytes = exportOnnx(model);
  const constants = new Set(c.constants ?? []);
  const feeds = Object.fromEntries(
    c.inputs.filter((x): x is readonly [string, Tensor] => x !== null && !constants.has(x[0])),
  );
  const ort = await ortSession(bytes);
  const refOut = await ortRun(ort, feeds);
  const session = await InferenceSession.create(model, { optimization: "none" });
  const ourOut = await session.run(feeds);
  const names = model.graph.outputs.map((o) => o.name);
  return { ours: names.map((n) => ourOut[n]!), ref: names.map((n) => refOut[n]!) };
}

/** Error budget for a case: cosine floor and max abs error relative to max |ref|. */
export interface Budget {
  cosine?: number;
  relative?: number;
}

/** Runs a case and asserts every output matches onnxruntime in dtype, shape and values. */
export async function expectOpMatches(c: OpCase, budget: Budget = {}): Promise<void> {
  const { ours, ref } = await runOpCase(c);
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
