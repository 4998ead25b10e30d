import { describe, expect, test } from "bun:test";
import { loadModel } from "../../src/formats/load.ts";
import { exportOnnx } from "../../src/formats/onnx/export_onnx.ts";
import type { Attribute, Model, Node } from "../../src/graph/graph.ts";
import { foldBatchNorm } from "../../src/graph/passes/fold_batch_norm.ts";
import { foldConstantNodes } from "../../src/graph/passes/fold_constant_nodes.ts";
import type { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { agreement } from "../_compare.ts";
import { ortRun, ortSession } from "../_ort.ts";
import { randomTensor } from "../_random.ts";
import { zooPath } from "../zoo/zoo.ts";

const pads = (p: number): Attribute => ({ kind: "ints", value: [p, p, p, p] });

function node(op: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): Node {
  return { name: `${op}_${outputs[0]}`, op, domain: "", inputs, outputs, attributes };
}

function batchNormParams(prefix: string, channels: number, seed: number): [string, Tensor][] {
  return [
    [`${prefix}.gamma`, randomTensor([channels], seed, 0.5, 2)],
    [`${prefix}.beta`, randomTensor([channels], seed + 1)],
    [`${prefix}.mean`, randomTensor([channels], seed + 2)],
    [`${prefix}.var`, randomTensor([channels], seed + 3, 0.05, 3)],
  ];
}

const bnInputs = (
  prefix: string,
  x: string,
) => [x, `${prefix}.gamma`, `${prefix}.beta`, `${prefix}.mean`, `${prefix}.var`];

/** x → Conv(w1, b1) → BN1 → y1 → depthwise Conv(w2, no bias) → BN2 → y (plus options for negative cases). */
function convBnModel(options: { exposeConv?: boolean; shareWeight?: boolean } = {}): Model {
  const initializers = new Map<string, Tensor>([
    ["w1", randomTensor([6, 3, 3, 3], 1, -0.5, 0.5)],
    ["b1", randomTensor([6], 2)],
    ["w2", randomTensor([6, 1, 3, 3], 3, -0.5, 0.5)],
    ...batchNormParams("bn1", 6, 10),
    ...batchNormParams("bn2", 6, 20),
  ]);
  const nodes = [
    node("Conv", ["x", "w1", "b1"], ["c1"], { pads: pads(1) }),
    node("BatchNormalization", bnInputs("bn1", "c1"), ["y1"], { epsilon: { kind: "float", value: 1e-3 } }),
    node("Conv", ["y1", "w2"], ["c2"], { group: { kind: "int", value: 6 }, pads: pads(1) }),
    node("BatchNormalization", bnInputs("bn2", "c2"), ["y"]),
  ];
  const outputs = [{ name: "y", dtype: undefined, shape: undefined }];
  if (options.exposeConv) outputs.push({ name: "c1", dtype: undefined, shape: undefined });
  if (options.shareWeight) {
    nodes.push(node("Conv", ["x", "w1"], ["z"], { pads: pads(1) }));
    outputs.push({ name: "z", dtype: undefined, shape: undefined });
  }
  return {
    irVersion: 8,
    opsets: { "": 15 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: "conv_bn",
      inputs: [{ name: "x", dtype: "float32", shape: [1, 3, 11, 9] }],
      outputs,
      initializers,
      quantized: new Map(),
      nodes,
      valueInfo: new Map(),
    },
  };
}

async function run(model: Model, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  return await (await InferenceSession.create(model, { optimization: "none" })).run(feeds);
}

function expectClose(ours: Tensor, ref: Tensor, relative: number): void {
  expect([...ours.dims]).toEqual([...ref.dims]);
  const a = agreement(ours, ref);
  expect(a.maxAbsError).toBeLessThanOrEqual(relative * a.maxAbsRef);
}

describe("foldBatchNorm()", () => {
  const feeds = { x: randomTensor([1, 3, 11, 9], 99, -2, 2) };

  test("folds Conv→BN pairs (with and without bias) and keeps outputs within 1e-5 relative", async () => {
    const before = await run(convBnModel(), feeds);
    const model = convBnModel();
    expect(foldBatchNorm(model.graph)).toBe(2);
    expect(model.graph.nodes.map((n) => n.op)).toEqual(["Conv", "Conv"]);
    expect(model.graph.nodes[1]!.outputs).toEqual(["y"]);
    // The folded-away weights and statistics are gone; only the new initializers remain.
    expect([...model.graph.initializers.keys()].sort()).toEqual(
      ["b1_bn_folded", "w1_bn_folded", "w2_bn_folded", "w2_bias_bn_folded"].sort(),
    );
    const after = await run(model, feeds);
    expectClose(after["y"]!, before["y"]!, 1e-5);
    const ref = await ortRun(await ortSession(exportOnnx(convBnModel())), feeds);
    expectClose(after["y"]!, ref["y"]!, 1e-5);
  });

  test("keeps a weight another node still reads", async () => {
    const before = await run(convBnModel({ shareWeight: true }), feeds);
    const model = convBnModel({ shareWeight: true });
    expect(foldBatchNorm(model.graph)).toBe(2);
    expect(model.graph.initializers.has("w1")).toBe(true);
    expect(model.graph.initializers.has("b1")).toBe(false);
    const after = await run(model, feeds);
    expectClose(after["y"]!, before["y"]!, 1e-5);
    expectClose(after["z"]!, before["z"]!, 0);
  });

  test("leaves a Conv whose output is also a graph output", () => {
    const model = convBnModel({ exposeConv: true });
    expect(foldBatchNorm(model.graph)).toBe(1);
    expect(model.graph.nodes.map((n) => n.op)).toEqual(["Conv", "BatchNormalization", "Conv"]);
  });

  test("leaves a Conv whose output has a second reader, or whose weight is not an initializer", () => {
    const shared = convBnModel();
    shared.graph.nodes.push(node("Relu", ["c1"], ["r"]));
    expect(foldBatchNorm(shared.graph)).toBe(1);
    const fed = convBnModel();
    fed.graph.inputs.push({ name: "w2", dtype: "float32", shape: [6, 1, 3, 3] });
    fed.graph.initializers.delete("w2");
    expect(foldBatchNorm(fed.graph)).toBe(1);
  });

  test("leaves training-mode BatchNormalization alone", () => {
    const model = convBnModel();
    model.graph.nodes[1]!.attributes["training_mode"] = { kind: "int", value: 1 };
    expect(foldBatchNorm(model.graph)).toBe(1);
  });

  test("runs through InferenceSession's basic optimization", async () => {
    const session = await InferenceSession.create(convBnModel());
    expect(session.model.graph.nodes.some((n) => n.op === "BatchNormalization")).toBe(false);
    expectClose((await session.run(feeds))["y"]!, (await run(convBnModel(), feeds))["y"]!, 1e-5);
  });

  test("folds every BatchNormalization of the ppocr_cls zoo model and keeps its output", async () => {
    const x = randomTensor([1, 3, 48, 192], 7, -1, 1);
    const before = await run(await loadModel(zooPath("ppocr_cls")), { x });
    const model = await loadModel(zooPath("ppocr_cls"));
    foldConstantNodes(model.graph);
    const count = model.graph.nodes.filter((n) => n.op === "BatchNormalization").length;
    expect(count).toBeGreaterThan(30);
    expect(foldBatchNorm(model.graph)).toBe(count);
    const after = await run(model, { x });
    const name = model.graph.outputs[0]!.name;
    expectClose(after[name]!, before[name]!, 1e-5);
  });
});
