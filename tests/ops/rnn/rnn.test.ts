import { describe, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectRecurrentMatches, type RecurrentCase } from "./_recurrent_case.ts";

const base = { op: "RNN", input: 5, hidden: 6 } as const;
const directions = ["forward", "reverse", "bidirectional"] as const;

describe("RNN matches onnxruntime", () => {
  test("for several sequence lengths and batch sizes, without optional inputs", async () => {
    let seed = 201;
    for (const seq of [1, 3, 7]) {
      for (const batch of [1, 3]) await expectRecurrentMatches({ ...base, seq, batch, seed: seed++ });
    }
  });

  test("in every direction with bias and initial_h", async () => {
    let seed = 210;
    for (const direction of directions) {
      const c: RecurrentCase = { ...base, seq: 4, batch: 2, seed: seed++, direction };
      await expectRecurrentMatches({ ...c, bias: true, initialH: true });
      await expectRecurrentMatches({ ...c, bias: true, seed: seed++ });
      await expectRecurrentMatches({ ...c, initialH: true, seed: seed++ });
    }
  });

  test("with sequence_lens shorter than seq_length in every direction", async () => {
    let seed = 230;
    for (const direction of directions) {
      await expectRecurrentMatches({
        ...base,
        seq: 6,
        batch: 4,
        seed: seed++,
        direction,
        bias: true,
        initialH: true,
        sequenceLens: [6, 2, 4, 1],
      });
    }
  });

  test("in layout 1 (batch first) in every direction", async () => {
    let seed = 240;
    for (const direction of directions) {
      const c: RecurrentCase = { ...base, seq: 5, batch: 3, seed: seed++, direction, layout: 1 };
      await expectRecurrentMatches(c);
      await expectRecurrentMatches({ ...c, seed: seed++, bias: true, initialH: true, sequenceLens: [5, 3, 1] });
    }
  });

  test("when some outputs are omitted, in both layouts", async () => {
    let seed = 250;
    for (const layout of [0, 1] as const) {
      for (const outputs of [[false, true], [true, false]]) {
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

  test("with other activations, their alpha/beta, and clip", async () => {
    const c: RecurrentCase = { ...base, seq: 5, batch: 2, seed: 260, bias: true, initialH: true };
    // onnxruntime's RNN reads alpha/beta per direction, the spec per function that uses them: these cases
    // are the ones where both readings agree.
    await expectRecurrentMatches({ ...c, attributes: { activations: attr.strings(["Relu"]) } });
    await expectRecurrentMatches({ ...c, seed: 261, attributes: { activations: attr.strings(["Sigmoid"]) } });
    await expectRecurrentMatches({
      ...c,
      seed: 262,
      direction: "bidirectional",
      attributes: {
        activations: attr.strings(["LeakyRelu", "Elu"]),
        activation_alpha: attr.floats([0.2, 0.7]),
      },
    });
    await expectRecurrentMatches({
      ...c,
      seed: 263,
      direction: "bidirectional",
      attributes: {
        activations: attr.strings(["HardSigmoid", "ScaledTanh"]),
        activation_alpha: attr.floats([0.3, 1.5]),
        activation_beta: attr.floats([0.4, 0.8]),
      },
    });
    await expectRecurrentMatches({
      ...c,
      seed: 264,
      attributes: {
        activations: attr.strings(["Affine"]),
        activation_alpha: attr.floats([0.5]),
        activation_beta: attr.floats([0.1]),
      },
    });
    await expectRecurrentMatches({ ...c, seed: 265, weightScale: 1.5, attributes: { clip: attr.float(0.75) } });
  });
});
