// A small hand-built model with one weight of every quantizable kind (Conv, depthwise Conv,
// ConvTranspose, Gemm with transB, MatMul, Gather table, LSTM W and R), a weight shared by two MatMuls
// with the same layout, and one read in two different layouts: the compression fixture.
import type { Attribute, Model, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { randomTensor } from "../_random.ts";

function node(op: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): Node {
  return { name: `${op.toLowerCase()}_${outputs[0]}`, op, domain: "", inputs, outputs, attributes };
}

const ints = (value: number[]): Attribute => ({ kind: "ints", value });
const int = (value: number): Attribute => ({ kind: "int", value });

/** The fixture's weights, by name, with their shapes. */
export const FIXTURE_WEIGHTS: Record<string, number[]> = {
  w_conv: [24, 16, 3, 3],
  w_dw: [24, 1, 3, 3],
  w_ct: [24, 4, 2, 2],
  w_fc: [10, 4],
  table: [50, 12],
  w_mm: [12, 20],
  w_sq: [20, 20],
  W: [1, 24, 8],
  R: [1, 24, 6],
};

/** The model; weights are seeded, so every call gives the same one. */
export function compressFixture(): Model {
  const initializers = new Map<string, Tensor>();
  let seed = 100;
  for (const [name, dims] of Object.entries(FIXTURE_WEIGHTS)) {
    initializers.set(name, randomTensor(dims, seed++, -0.5, 0.5));
  }
  initializers.set("b_conv", randomTensor([24], seed++));
  initializers.set("b_fc", randomTensor([10], seed++));
  initializers.set("B", randomTensor([1, 48], seed++));
  const nodes = [
    node("Conv", ["x", "w_conv", "b_conv"], ["c1"], { pads: ints([1, 1, 1, 1]) }),
    node("Conv", ["c1", "w_dw"], ["c2"], { group: int(24), pads: ints([1, 1, 1, 1]) }),
    node("ConvTranspose", ["c2", "w_ct"], ["c3"], { strides: ints([2, 2]) }),
    node("GlobalAveragePool", ["c3"], ["g"]),
    node("Flatten", ["g"], ["pooled"]),
    node("Gemm", ["pooled", "w_fc", "b_fc"], ["logits"], { transB: int(1) }),
    node("Gather", ["table", "ids"], ["emb"]),
    node("MatMul", ["emb", "w_mm"], ["m1"]),
    node("MatMul", ["emb", "w_mm"], ["m2"]),
    node("Add", ["m1", "m2"], ["m3"]),
    node("MatMul", ["m3", "w_sq"], ["m5"]),
    node("MatMul", ["w_sq", "v"], ["m6"]),
    node("LSTM", ["seq", "W", "R", "B"], ["Y"], { hidden_size: int(6) }),
  ];
  const vi = (name: string, dtype: "float32" | "int64", shape: number[]) => ({ name, dtype, shape });
  return {
    irVersion: 8,
    opsets: { "": 17 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: "fixture",
      inputs: [
        vi("x", "float32", [1, 16, 6, 6]),
        vi("ids", "int64", [1, 5]),
        vi("v", "float32", [20, 3]),
        vi("seq", "float32", [4, 1, 8]),
      ],
      outputs: ["logits", "m5", "m6", "Y"].map((name) => ({ name, dtype: undefined, shape: undefined })),
      initializers,
      quantized: new Map(),
      nodes,
      valueInfo: new Map(),
    },
  };
}

/** Seeded feeds for the fixture. */
export function fixtureFeeds(): Record<string, Tensor> {
  return {
    x: randomTensor([1, 16, 6, 6], 1),
    ids: new Tensor("int64", BigInt64Array.from([0, 7, 49, 3, 7], BigInt), [1, 5]),
    v: randomTensor([20, 3], 2),
    seq: randomTensor([4, 1, 8], 3),
  };
}
