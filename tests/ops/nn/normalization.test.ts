import { describe, expect, test } from "bun:test";
import { UnsupportedOpError } from "../../../src/errors.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { attr, expectOpMatches, type OpCase, opModel } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

function batchNormCase(dims: number[], paramDims: number[], extra: Partial<OpCase> = {}): OpCase {
  return {
    op: "BatchNormalization",
    inputs: [
      ["x", randomTensor(dims, 41, -2, 2)],
      ["scale", randomTensor(paramDims, 42, 0.5, 1.5)],
      ["b", randomTensor(paramDims, 43)],
      ["mean", randomTensor(paramDims, 44)],
      ["var", randomTensor(paramDims, 45, 0.1, 2)],
    ],
    constants: ["scale", "b", "mean", "var"],
    ...extra,
  };
}

describe("BatchNormalization matches onnxruntime", () => {
  test("4-D NCHW with epsilon and momentum (momentum ignored)", async () => {
    await expectOpMatches(
      batchNormCase([2, 5, 7, 3], [5], { attributes: { epsilon: attr.float(1e-3), momentum: attr.float(0.9) } }),
    );
  });
  test("2-D, 3-D and 5-D inputs; opset 9 and 15", async () => {
    await expectOpMatches(batchNormCase([4, 6], [6], { opset: 9 }));
    await expectOpMatches(batchNormCase([2, 3, 11], [3]));
    await expectOpMatches(
      batchNormCase([1, 2, 3, 4, 5], [2], { opset: 15, attributes: { training_mode: attr.int(0) } }),
    );
  });
  test("spatial=0 (opset 7): statistics per channel and position", async () => {
    await expectOpMatches(batchNormCase([2, 3, 4, 5], [3, 4, 5], { opset: 7, attributes: { spatial: attr.int(0) } }));
  });
  test("statistics as graph inputs (not constants)", async () => {
    await expectOpMatches({ ...batchNormCase([1, 4, 5, 5], [4]), constants: [] });
  });
  test("training_mode=1 fails at load", async () => {
    const model = opModel(batchNormCase([1, 2, 3, 3], [2], { opset: 15, attributes: { training_mode: attr.int(1) } }));
    await expect(InferenceSession.create(model)).rejects.toThrow(UnsupportedOpError);
  });
  test("running-mean outputs (training) fail at load", async () => {
    const model = opModel(batchNormCase([1, 2, 3, 3], [2], { opset: 9, outputs: 3 }));
    await expect(InferenceSession.create(model)).rejects.toThrow(/inference form/);
  });
});

describe("InstanceNormalization matches onnxruntime", () => {
  test("4-D and 3-D inputs with epsilon", async () => {
    for (const [dims, seed] of [[[2, 3, 5, 7], 1], [[1, 4, 9], 2]] as const) {
      await expectOpMatches({
        op: "InstanceNormalization",
        inputs: [
          ["x", randomTensor(dims, 50 + seed, -3, 5)],
          ["scale", randomTensor([dims[1]], 60 + seed)],
          ["b", randomTensor([dims[1]], 70 + seed)],
        ],
        constants: ["scale", "b"],
        attributes: { epsilon: attr.float(1e-4) },
      });
    }
  });
});

describe("LayerNormalization matches onnxruntime", () => {
  function layerNormCase(dims: number[], axis: number, outputs: number, bias = true): OpCase {
    const norm = dims.slice(axis < 0 ? dims.length + axis : axis);
    const inputs: OpCase["inputs"] = [
      ["x", randomTensor(dims, 81, -2, 3)],
      ["scale", randomTensor(norm, 82)],
    ];
    if (bias) inputs.push(["b", randomTensor(norm, 83)]);
    return {
      op: "LayerNormalization",
      inputs,
      constants: ["scale", "b"],
      attributes: { axis: attr.int(axis) },
      outputs,
    };
  }
  test("last axis (default), with Mean and InvStdDev outputs", async () => {
    await expectOpMatches(layerNormCase([2, 5, 16], -1, 3));
  });
  test("axis 1 of a 4-D input, no bias", async () => {
    await expectOpMatches(layerNormCase([2, 3, 4, 5], 1, 1, false));
  });
  test("negative axis -2 with epsilon", async () => {
    const c = layerNormCase([3, 4, 6], -2, 2);
    await expectOpMatches({ ...c, attributes: { ...c.attributes, epsilon: attr.float(1e-3) } });
  });
  test("Scale broadcasting over the normalized axes", async () => {
    await expectOpMatches({
      op: "LayerNormalization",
      inputs: [["x", randomTensor([2, 3, 4], 84)], ["scale", randomTensor([1, 4], 85)], ["b", randomTensor([4], 86)]],
      constants: ["scale", "b"],
      attributes: { axis: attr.int(1) },
    });
  });
});

describe("LRN matches onnxruntime", () => {
  test("size 3 and size 5 windows", async () => {
    await expectOpMatches({
      op: "LRN",
      inputs: [["x", randomTensor([1, 7, 4, 5], 91)]],
      attributes: { size: attr.int(3) },
    });
    await expectOpMatches({
      op: "LRN",
      inputs: [["x", randomTensor([2, 6, 3, 3], 92)]],
      attributes: { size: attr.int(5), alpha: attr.float(0.01), beta: attr.float(0.5), bias: attr.float(2) },
    });
  });
});
