// Builds LSTM / GRU / RNN cases from a compact description with seeded random weights and checks them
// against onnxruntime-node. onnxruntime's CPU kernels only run layout 0, so layout-1 cases are checked
// against onnxruntime on the transposed (layout-0) problem, with its outputs transposed back.
import { expect } from "bun:test";
import { exportOnnx } from "../../../src/formats/onnx/export_onnx.ts";
import type { Attribute, Model } from "../../../src/graph/graph.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { agreement } from "../../_compare.ts";
import { attr, expectOpMatches, type OpCase, opModel } from "../../_op_harness.ts";
import { ortRun, ortSession } from "../../_ort.ts";
import { randomTensor } from "../../_random.ts";

/** Compact description of one recurrent case. */
export interface RecurrentCase {
  op: "LSTM" | "GRU" | "RNN";
  seq: number;
  batch: number;
  input: number;
  hidden: number;
  seed: number;
  direction?: "forward" | "reverse" | "bidirectional";
  layout?: 0 | 1;
  bias?: boolean;
  sequenceLens?: number[];
  initialH?: boolean;
  initialC?: boolean;
  peephole?: boolean;
  /** Extra attributes (activations, clip, …). */
  attributes?: Record<string, Attribute>;
  /** Which outputs the node names (Y, Y_h[, Y_c]); omitted ones get "". @default all */
  outputs?: boolean[];
  /** Feed W, R, B and P as initializers instead of inputs. */
  constantWeights?: boolean;
  /** Half-width of the uniform weight range. @default 0.5 */
  weightScale?: number;
  opset?: number;
}

const GATES = { LSTM: 4, GRU: 3, RNN: 1 } as const;

/** Permutes a float tensor's axes: output axis i is input axis perm[i]. */
export function permute(t: Tensor, perm: readonly number[]): Tensor {
  const dims = perm.map((p) => t.dims[p]!);
  const inStrides = t.dims.map((_, i) => t.dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(t.size);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < dims.length; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = (t.data as Float32Array)[src]!;
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++idx[i]! < dims[i]!) break;
      idx[i] = 0;
    }
  }
  return new Tensor("float32", out, dims);
}

function buildCase(c: RecurrentCase, layout: 0 | 1): OpCase {
  const dirs = c.direction === "bidirectional" ? 2 : 1;
  const g = GATES[c.op];
  const s = c.weightScale ?? 0.5;
  const { seq, batch, input: I, hidden: H } = c;
  let seed = c.seed * 100;
  const rand = (dims: number[], lo = -s, hi = s) => randomTensor(dims, seed++, lo, hi);
  const x = rand([seq, batch, I], -1, 1);
  const state = () => rand([dirs, batch, H], -1, 1);
  const inputs: OpCase["inputs"] = [
    ["X", layout === 0 ? x : permute(x, [1, 0, 2])],
    ["W", rand([dirs, g * H, I])],
    ["R", rand([dirs, g * H, H])],
    c.bias ? ["B", rand([dirs, 2 * g * H])] : null,
    c.sequenceLens ? ["sequence_lens", new Tensor("int32", Int32Array.from(c.sequenceLens), [batch])] : null,
    c.initialH ? ["initial_h", layout === 0 ? state() : permute(state(), [1, 0, 2])] : null,
  ];
  if (c.op === "LSTM") {
    inputs.push(c.initialC ? ["initial_c", layout === 0 ? state() : permute(state(), [1, 0, 2])] : null);
    inputs.push(c.peephole ? ["P", rand([dirs, 3 * H])] : null);
  }
  while (inputs.at(-1) === null) inputs.pop();
  const attributes: Record<string, Attribute> = { hidden_size: attr.int(H), ...c.attributes };
  if (c.direction) attributes.direction = attr.string(c.direction);
  if (layout === 1) attributes.layout = attr.int(1);
  const c2: OpCase = { op: c.op, inputs, attributes, outputs: c.op === "LSTM" ? 3 : 2 };
  if (c.opset !== undefined) c2.opset = c.opset;
  if (c.constantWeights) c2.constants = ["W", "R", "B", "P"].filter((n) => inputs.some((x) => x?.[0] === n));
  return c2;
}

/** The one-node model of a case with the omitted outputs blanked. */
function modelOf(oc: OpCase, present: boolean[]): Model {
  const model = opModel(oc);
  const node = model.graph.nodes[0]!;
  node.outputs = node.outputs.map((o, i) => (present[i] ? o : ""));
  model.graph.outputs = model.graph.outputs.filter((_, i) => present[i]);
  return model;
}

async function runOurs(model: Model, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await InferenceSession.create(model, { optimization: "none" });
  return session.run(feeds);
}

/** Checks a case against onnxruntime (cosine ≥ 0.999999, max abs err ≤ 1e-5 × max|ref|). */
export async function expectRecurrentMatches(c: RecurrentCase): Promise<void> {
  const layout = c.layout ?? 0;
  const count = c.op === "LSTM" ? 3 : 2;
  const present = c.outputs ?? new Array<boolean>(count).fill(true);
  if (layout === 0 && present.every(Boolean)) return expectOpMatches(buildCase(c, 0));
  const refCase = buildCase(c, 0);
  const ourCase = buildCase(c, layout);
  const feedsOf = (oc: OpCase) =>
    Object.fromEntries(
      oc.inputs.filter((x): x is readonly [string, Tensor] => x !== null && !(oc.constants ?? []).includes(x[0])),
    );
  const refModel = modelOf(refCase, present);
  const ref = await ortRun(await ortSession(exportOnnx(refModel)), feedsOf(refCase));
  const ours = await runOurs(modelOf(ourCase, present), feedsOf(ourCase));
  for (const o of refModel.graph.outputs) {
    let r = ref[o.name]!;
    if (layout === 1) r = permute(r, o.name === "out0" ? [2, 0, 1, 3] : [1, 0, 2]);
    const t = ours[o.name]!;
    expect({ output: o.name, type: t.type, dims: [...t.dims] }).toEqual({
      output: o.name,
      type: r.type,
      dims: [...r.dims],
    });
    const a = agreement(t, r);
    expect(a.cosine).toBeGreaterThanOrEqual(0.999999);
    expect(a.maxAbsError).toBeLessThanOrEqual(1e-5 * Math.max(a.maxAbsRef, 1e-30));
  }
  expect(Object.keys(ours).sort()).toEqual(refModel.graph.outputs.map((o) => o.name).sort());
}
