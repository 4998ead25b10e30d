// ConvTranspose as a 1×1 conv + col2im with a per-channel epilogue folded in (bias Add, Mul, BatchNormalization,
// then Relu/Sigmoid when the windows are disjoint) agrees with the reference kernels, and the absorbed nodes
// pass their input through.
import { describe, expect, test } from "bun:test";
import type { Attribute, Model, Node } from "../../src/graph/graph.ts";
import type { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { agreement } from "../_compare.ts";
import { randomTensor } from "../_random.ts";

const ints = (value: number[]): Attribute => ({ kind: "ints", value });

function node(op: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): Node {
  return { name: `${op}_${outputs[0]}`, op, domain: "", inputs, outputs, attributes };
}

/** x → ConvTranspose(w) → Add(bias [1,C,1,1]) → BN → Mul(scalar) → act → y. */
function model(attrs: Record<string, Attribute>, act: string, kernel: [number, number]): Model {
  const [c, oc] = [5, 4];
  const initializers = new Map<string, Tensor>([
    ["w", randomTensor([c, oc, ...kernel], 1, -0.5, 0.5)],
    ["bias", randomTensor([1, oc, 1, 1], 2)],
    ["gamma", randomTensor([oc], 3, 0.5, 2)],
    ["beta", randomTensor([oc], 4)],
    ["mean", randomTensor([oc], 5)],
    ["var", randomTensor([oc], 6, 0.1, 2)],
    ["s", randomTensor([1], 7, 0.5, 1.5)],
  ]);
  return {
    irVersion: 8,
    opsets: { "": 15 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: "deconv_head",
      inputs: [{ name: "x", dtype: "float32", shape: [2, c, 6, 7] }],
      outputs: [{ name: "y", dtype: undefined, shape: undefined }],
      initializers,
      quantized: new Map(),
      nodes: [
        node("ConvTranspose", ["x", "w"], ["t"], attrs),
        node("Add", ["t", "bias"], ["tb"]),
        node("BatchNormalization", ["tb", "gamma", "beta", "mean", "var"], ["bn"]),
        node("Mul", ["s", "bn"], ["m"]),
        node(act, ["m"], ["y"]),
      ],
      valueInfo: new Map(),
    },
  };
}

describe("fast ConvTranspose with a per-channel epilogue", () => {
  const cases: Array<[string, Record<string, Attribute>, string, [number, number]]> = [
    ["disjoint windows (stride = kernel), Sigmoid fused", { strides: ints([2, 2]) }, "Sigmoid", [2, 2]],
    ["disjoint windows, Relu fused", { strides: ints([3, 2]) }, "Relu", [3, 2]],
    [
      "overlapping windows with pads (activation left to its own node)",
      {
        strides: ints([2, 2]),
        pads: ints([1, 0, 1, 1]),
      },
      "Relu",
      [3, 3],
    ],
  ];
  for (const [what, attrs, act, kernel] of cases) {
    test(`${what} matches the reference kernels`, async () => {
      const m = model(attrs, act, kernel);
      const x = randomTensor([2, 5, 6, 7], 11, -2, 2);
      const ref = (await (await InferenceSession.create(m, { kernels: "reference" })).run({ x })).y!;
      const fast = await InferenceSession.create(m, { profile: true });
      const y = (await fast.run({ x })).y!;
      expect(y.dims).toEqual(ref.dims);
      const a = agreement(y, ref);
      expect(a.maxAbsError).toBeLessThanOrEqual(1e-5 * a.maxAbsRef);
      if (fast.kernelBackend === "reference") return;
      const slow = fast.profile!.byNode().filter((t) => !t.fast).map((t) => t.op);
      expect(slow).not.toContain("BatchNormalization");
      expect(slow).not.toContain("ConvTranspose");
    });
  }
});
