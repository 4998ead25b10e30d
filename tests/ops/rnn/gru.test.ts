import { describe, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectRecurrentMatches, type RecurrentCase } from "./_recurrent_case.ts";

const base = { op: "GRU", input: 5, hidden: 6 } as const;
const directions = ["forward", "reverse", "bidirectional"] as const;

describe("GRU matches onnxruntime", () => {
  test("for several sequence lengths and batch sizes, with both linear_before_reset values", async () => {
    let seed = 101;
    for (const lbr of [0, 1]) {
      for (const seq of [1, 3, 7]) {
        for (const batch of [1, 3]) {
          await expectRecurrentMatches({
            ...base,
            seq,
            batch,
            seed: seed++,
            attributes: { linear_before_reset: attr.int(lbr) },
          });
        }
      }
    }
  });

  test("in every direction with bias and initial_h, with both linear_before_reset values", async () => {
    let seed = 110;
    for (const direction of directions) {
      for (const lbr of [0, 1]) {
        const c: RecurrentCase = {
          ...base,
          seq: 4,
          batch: 2,
          seed: seed++,
          direction,
          attributes: { linear_before_reset: attr.int(lbr) },
        };
        await expectRecurrentMatches({ ...c, bias: true, initialH: true });
        await expectRecurrentMatches({ ...c, bias: true, seed: seed++ });
        await expectRecurrentMatches({ ...c, initialH: true, seed: seed++ });
      }
    }
  });

  test("with sequence_lens shorter than seq_length in every direction", async () => {
    let seed = 130;
    for (const direction of directions) {
      for (const lbr of [0, 1]) {
        await expectRecurrentMatches({
          ...base,
          seq: 6,
          batch: 4,
          seed: seed++,
          direction,
          bias: true,
          initialH: true,
          sequenceLens: [6, 2, 4, 1],
          attributes: { linear_before_reset: attr.int(lbr) },
        });
      }
    }
  });

  test("in layout 1 (batch first) in every direction", async () => {
    let seed = 140;
    for (const direction of directions) {
      const c: RecurrentCase = { ...base, seq: 5, batch: 3, seed: seed++, direction, layout: 1 };
      await expectRecurrentMatches(c);
      await expectRecurrentMatches({
        ...c,
        seed: seed++,
        bias: true,
        initialH: true,
        sequenceLens: [5, 3, 1],
        attributes: { linear_before_reset: attr.int(1) },
      });
    }
  });

  test("when some outputs are omitted, in both layouts", async () => {
    let seed = 150;
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
    const c: RecurrentCase = { ...base, seq: 5, batch: 2, seed: 160, bias: true, initialH: true };
    await expectRecurrentMatches({ ...c, attributes: { activations: attr.strings(["HardSigmoid", "Softsign"]) } });
    await expectRecurrentMatches({
      ...c,
      seed: 161,
      direction: "bidirectional",
      attributes: {
        activations: attr.strings(["HardSigmoid", "LeakyRelu", "Sigmoid", "ScaledTanh"]),
        activation_alpha: attr.floats([0.3, 0.2, 1.5]),
        activation_beta: attr.floats([0.4, 0.8]),
        linear_before_reset: attr.int(1),
      },
    });
    await expectRecurrentMatches({
      ...c,
      seed: 162,
      direction: "bidirectional",
      attributes: { activations: attr.strings(["Sigmoid", "Relu", "Sigmoid", "Elu"]) },
    });
    for (const lbr of [0, 1]) {
      await expectRecurrentMatches({
        ...c,
        seed: 163 + lbr,
        weightScale: 1.5,
        attributes: { clip: attr.float(0.75), linear_before_reset: attr.int(lbr) },
      });
    }
  });
});
