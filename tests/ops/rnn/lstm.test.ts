import { describe, expect, test } from "bun:test";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { attr, opModel } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { expectRecurrentMatches, type RecurrentCase } from "./_recurrent_case.ts";

const base = { op: "LSTM", input: 5, hidden: 6 } as const;
const directions = ["forward", "reverse", "bidirectional"] as const;

describe("LSTM matches onnxruntime", () => {
  test("for several sequence lengths and batch sizes, without optional inputs", async () => {
    let seed = 1;
    for (const seq of [1, 3, 7]) {
      for (const batch of [1, 3]) await expectRecurrentMatches({ ...base, seq, batch, seed: seed++ });
    }
  });

  test("in every direction with bias, initial_h and initial_c", async () => {
    let seed = 10;
    for (const direction of directions) {
      const c: RecurrentCase = { ...base, seq: 4, batch: 2, seed: seed++, direction, bias: true };
      await expectRecurrentMatches({ ...c, initialH: true, initialC: true });
      await expectRecurrentMatches({ ...c, initialH: true, seed: seed++ });
      await expectRecurrentMatches({ ...c, initialC: true, seed: seed++ });
    }
  });

  test("with peepholes in every direction", async () => {
    let seed = 20;
    for (const direction of directions) {
      await expectRecurrentMatches({
        ...base,
        seq: 5,
        batch: 2,
        seed: seed++,
        direction,
        bias: true,
        initialH: true,
        initialC: true,
        peephole: true,
      });
    }
  });

  test("with sequence_lens shorter than seq_length in every direction", async () => {
    let seed = 30;
    for (const direction of directions) {
      const c: RecurrentCase = { ...base, seq: 6, batch: 4, seed: seed++, direction, sequenceLens: [6, 2, 4, 1] };
      await expectRecurrentMatches(c);
      await expectRecurrentMatches({ ...c, bias: true, initialH: true, initialC: true, peephole: true, seed: seed++ });
    }
  });

  test("in layout 1 (batch first) in every direction, with and without optional inputs", async () => {
    let seed = 40;
    for (const direction of directions) {
      const c: RecurrentCase = { ...base, seq: 5, batch: 3, seed: seed++, direction, layout: 1 };
      await expectRecurrentMatches(c);
      await expectRecurrentMatches({
        ...c,
        seed: seed++,
        bias: true,
        initialH: true,
        initialC: true,
        peephole: true,
        sequenceLens: [5, 3, 1],
      });
    }
  });

  test("when some outputs are omitted, in both layouts", async () => {
    let seed = 50;
    for (const layout of [0, 1] as const) {
      for (const outputs of [[false, true, true], [true, false, false], [false, false, true], [false, true, false]]) {
        await expectRecurrentMatches({
          ...base,
          seq: 4,
          batch: 2,
          seed: seed++,
          layout,
          direction: "bidirectional",
          bias: true,
          initialH: true,
          sequenceLens: [4, 2],
          outputs,
        });
      }
    }
  });

  test("with other activations, their alpha/beta, clip and input_forget", async () => {
    const c: RecurrentCase = { ...base, seq: 5, batch: 2, seed: 60, bias: true, initialH: true, initialC: true };
    await expectRecurrentMatches({
      ...c,
      attributes: { activations: attr.strings(["HardSigmoid", "Softsign", "Relu"]) },
    });
    await expectRecurrentMatches({
      ...c,
      seed: 61,
      direction: "bidirectional",
      attributes: {
        activations: attr.strings(["HardSigmoid", "LeakyRelu", "ScaledTanh", "Sigmoid", "Elu", "Affine"]),
        activation_alpha: attr.floats([0.3, 0.2, 1.5, 0.7, 0.9]),
        activation_beta: attr.floats([0.4, 0.8, -0.1]),
      },
    });
    await expectRecurrentMatches({
      ...c,
      seed: 62,
      direction: "bidirectional",
      attributes: {
        activations: attr.strings(["Sigmoid", "Softplus", "ThresholdedRelu", "Sigmoid", "Tanh", "Tanh"]),
        activation_alpha: attr.floats([0.1]),
      },
    });
    await expectRecurrentMatches({ ...c, seed: 63, weightScale: 1.5, attributes: { clip: attr.float(0.75) } });
    await expectRecurrentMatches({ ...c, seed: 64, peephole: true, attributes: { input_forget: attr.int(1) } });
  });

  test("at Silero VAD sizes (hidden 64 and 128, one step, constant weights)", async () => {
    for (const [hidden, seed] of [[64, 70], [128, 71]] as const) {
      for (const seq of [1, 3]) {
        await expectRecurrentMatches({
          op: "LSTM",
          input: hidden,
          hidden,
          seq,
          batch: 1,
          seed: seed + seq,
          bias: true,
          initialH: true,
          initialC: true,
          constantWeights: true,
          weightScale: 0.2,
        });
      }
    }
  });

  test("at opset 7 (before layout existed)", async () => {
    await expectRecurrentMatches({
      ...base,
      seq: 3,
      batch: 2,
      seed: 80,
      bias: true,
      direction: "bidirectional",
      opset: 7,
    });
  });
});

describe("LSTM rejects what it cannot run, saying where", () => {
  test("an unknown activation at load time", async () => {
    const model = opModel({
      op: "LSTM",
      inputs: [["X", randomTensor([2, 1, 3], 1)], ["W", randomTensor([1, 8, 3], 2)], ["R", randomTensor([1, 8, 2], 3)]],
      attributes: { hidden_size: attr.int(2), activations: attr.strings(["Sigmoid", "Swish", "Tanh"]) },
      outputs: 3,
    });
    await expect(InferenceSession.create(model)).rejects.toThrow(/LSTM node "LSTM_node": unknown activation "Swish"/);
  });

  test("a W whose shape does not fit hidden_size, when it runs", async () => {
    const feeds = { X: randomTensor([2, 1, 3], 1), W: randomTensor([1, 6, 3], 2), R: randomTensor([1, 8, 2], 3) };
    const model = opModel({
      op: "LSTM",
      inputs: Object.entries(feeds),
      attributes: { hidden_size: attr.int(2) },
      outputs: 3,
    });
    const session = await InferenceSession.create(model);
    expect(() => session.runSync(feeds)).toThrow(
      /"LSTM_node" \(LSTM\) failed: Input W must have shape \[1, 8, 3\], got \[1, 6, 3\]/,
    );
  });
});
