// A squeeze-and-excitation gate `Mul(x, s)` read only by an fp32 Conv (f32_channel_scale.ts): the Mul returns a
// stand-in on x's buffer and the conv scales its input in kernel memory. The conv's output has the bits of the
// same graph with the Mul computed on its own (made a graph output, which keeps it out of the fusion), alone and
// at the head of a conv chain, batch 1 and 2; a Mul read twice keeps its own kernel.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Attribute, Model, Node } from "../../src/graph/graph.ts";
import type { Tensor } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import type { Kernels } from "../../src/kernels/kernels.ts";
import { executeGraph } from "../../src/runtime/executor.ts";
import { buildFastOps } from "../../src/runtime/fast/fast_ops.ts";
import { Attrs } from "../../src/runtime/op.ts";
import { randomTensor } from "../_random.ts";
import { graphModel, node, squeezeExcite } from "../_graph.ts";

const C = 72; // above 64: the 1×1 conv packs its input (the other path reads it in place)

function model(nodes: Node[], outputs: string[]): Model {
  const initializers = {
    w1: randomTensor([C / 4, C, 1, 1], 1, -0.5, 0.5),
    w2: randomTensor([C, C / 4, 1, 1], 2, -0.5, 0.5),
    w3: randomTensor([16, C, 1, 1], 3, -0.5, 0.5),
    w4: randomTensor([16, 1, 3, 3], 4, -0.5, 0.5),
  };
  return graphModel(nodes, { inputs: ["x"], outputs, initializers });
}

const ints = (value: number[]): Attribute => ({ kind: "ints", value });

/** x → SE gate s → Mul(x, s) → 1×1 conv (→ a depthwise 3×3 conv, chained, when `chain`). */
function seBlock(extra: Node[] = [], chain = false): Node[] {
  return [
    ...squeezeExcite("x", "w1", "w2", "m"),
    node("Conv", ["m", "w3"], [chain ? "p" : "y"]),
    ...(chain
      ? [node("Conv", ["p", "w4"], ["y"], { group: { kind: "int", value: 16 }, pads: ints([1, 1, 1, 1]) })]
      : []),
    ...extra,
  ];
}

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels({ variant: "simd128" });
});

function run(m: Model, x: Tensor): { y: Float32Array; ops: ReturnType<typeof buildFastOps> } {
  const ops = buildFastOps(m, kernels);
  const [y] = executeGraph(m.graph, new Map([["x", x]]), 13, undefined, ops);
  return { y: y!.data as Float32Array, ops };
}

describe("SE gate Mul applied in the conv's kernel memory", () => {
  for (const chain of [false, true]) {
    for (const batch of [1, 2]) {
      test(`${chain ? "at the head of a conv chain" : "one conv"}, batch ${batch}: the unfused graph's bits`, () => {
        const x = randomTensor([batch, C, 3, 7], 5 + batch, -3, 3);
        const fused = run(model(seBlock([], chain), ["y"]), x);
        const plain = run(model(seBlock([], chain), ["y", "m"]), x); // m a graph output: computed by the Mul
        expect([...new Uint32Array(fused.y.buffer)]).toEqual([...new Uint32Array(plain.y.buffer)]);
        const mul = model(seBlock([], chain), ["y"]).graph.nodes.find((n) => n.op === "Mul")!;
        const gate = [...fused.ops].find(([n]) => n.name === mul.name)![1];
        const s = randomTensor([batch, C, 1, 1], 9);
        const stand = gate.run([x, s], new Attrs({}), { node: mul, opset: 13, runSubgraph: () => [] })[0]!;
        expect(stand.data).toBe(x.data); // a stand-in on x's buffer, nothing computed
      });
    }
  }

  test("a Mul read by two nodes keeps its own kernel (the product is computed)", () => {
    const m = model(seBlock([node("Neg", ["m"], ["z"])]), ["y", "z"]);
    const x = randomTensor([1, C, 3, 7], 8, -3, 3);
    const { ops } = run(m, x);
    const mul = m.graph.nodes.find((n) => n.op === "Mul")!;
    const s = randomTensor([1, C, 1, 1], 9);
    const def = ops.get(mul);
    const out = def?.run([x, s], new Attrs({}), { node: mul, opset: 13, runSubgraph: () => [] })[0];
    expect(out === undefined || out.data !== x.data).toBe(true);
  });
});
