// Low memory mode takes the fp32 fusions too: an SE gate `Mul(x, s)` read only by a packed (int8) Conv is applied
// to the conv's input in kernel memory (`Qd8Conv2dOptions.inputScale`), and a Conv low mode runs in fp32 on its
// own dequantized weight (tiny reduction length) chains with the fp32 Convs around it. Each gives the bits of
// the same low-mode session with the fusion kept out (the Mul's output, or the chained conv's, made a graph
// output).
import { describe, expect, test } from "bun:test";
import type { Attribute, Model, Node } from "../../src/graph/graph.ts";
import type { Tensor } from "../../src/graph/tensor.ts";
import { Tensor as T } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import { compressModel } from "../../src/quant/compress_model.ts";
import { dequantizeModel } from "../../src/quant/dequantize_model.ts";
import { buildFastOps, packableQuantized } from "../../src/runtime/fast/fast_ops.ts";
import { LOW_MODE_FP32_LABEL } from "../../src/runtime/fast/qd8_fast_ops.ts";
import { Attrs } from "../../src/runtime/op.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { randomTensor } from "../_random.ts";
import { graphModel, node, squeezeExcite } from "../_graph.ts";

const C = 72; // the gated conv's reduction length (and 40 outputs): above the fp32 rules, its weight stays packed
const ints = (value: number[]): Attribute => ({ kind: "ints", value });

/** x → SE gate s → Mul(x, s) → 1×1 conv [40, C] → depthwise 3×3 → 1×1 conv [8, 40] (K = 40: fp32 in low mode) → y. */
function seNet(): Node[] {
  return [
    ...squeezeExcite("x", "w1", "w2", "m"),
    node("Conv", ["m", "w3"], ["p"]),
    node("Relu", ["p"], ["p2"]),
    node("Conv", ["p2", "w4"], ["d"], { group: { kind: "int", value: 40 }, pads: ints([1, 1, 1, 1]) }),
    node("Conv", ["d", "w5"], ["y"]),
  ];
}

/** The net with `extra` values made graph outputs, its weights compressed to 4 bits (block 8). */
function compressed(extra: string[]): Model {
  const initializers = {
    w1: randomTensor([C / 4, C, 1, 1], 1, -0.5, 0.5),
    w2: randomTensor([C, C / 4, 1, 1], 2, -0.5, 0.5),
    w3: randomTensor([40, C, 1, 1], 3, -0.5, 0.5),
    w4: randomTensor([40, 1, 3, 3], 4, -0.5, 0.5),
    w5: randomTensor([8, 40, 1, 1], 5, -0.5, 0.5),
  };
  const m = graphModel(seNet(), { inputs: ["x"], outputs: ["y", ...extra], initializers });
  return compressModel(m, { bits: 4, blockSize: 8, minSize: 0 }).model;
}

async function lowRun(extra: string[], x: Tensor): Promise<{ y: Uint32Array; kernels: string[] }> {
  const session = await InferenceSession.create(compressed(extra), { memory: "low" });
  const y = (await session.run({ x })).y!.data as Float32Array;
  return { y: new Uint32Array(y.buffer, y.byteOffset, y.length), kernels: session.kernels };
}

/** Runs node `name`'s op of the fast ops a low-mode session builds for `m` (its packed weights out of the graph). */
async function lowFastOps(m: Model): Promise<(name: string, inputs: (T | undefined)[]) => T> {
  const packed = new Map([...packableQuantized(m.graph)].map((name) => [name, m.graph.quantized.get(name)!]));
  for (const name of packed.keys()) m.graph.quantized.delete(name);
  const model = dequantizeModel(m);
  const ops = buildFastOps(model, await loadKernels({ variant: "relaxed" }), packed);
  return (name, inputs) => {
    const n = model.graph.nodes.find((n) => n.outputs[0] === name)!;
    return ops.get(n)!.run(inputs, new Attrs(n.attributes), { node: n, opset: 13, runSubgraph: () => [] })[0]!;
  };
}

describe("low memory mode: SE gate into a packed conv, tiny-K fp32 convs chained", () => {
  for (const batch of [1, 2]) {
    test(`batch ${batch}: the bits of the unfused low-mode session`, async () => {
      const x = randomTensor([batch, C, 4, 9], 10 + batch, -3, 3);
      const fused = await lowRun([], x);
      expect(fused.kernels.some((k) => k.startsWith("qd8-f32-qc4w-gemm"))).toBe(true); // w3 packed
      expect(fused.kernels).toContain(`${LOW_MODE_FP32_LABEL} (3 layers)`); // w1 (18 outputs), w2 and w5 (K ≤ 63)
      for (const extra of [["m"], ["d"], ["m", "d"]]) expect((await lowRun(extra, x)).y).toEqual(fused.y);
    });
  }

  test("an SE block whose first conv stays packed runs inside the fp32 chain around it: the unfused bits", async () => {
    // x → depthwise 3×3 → SE (pool, 1×1 [48, 72] packed → Relu, 1×1 [72, 48] fp32 (K ≤ 63) → HardSigmoid, Mul) → 1×1 [8, 72].
    const nodes = [
      node("Conv", ["x", "dw"], ["d"], { group: { kind: "int", value: C }, pads: ints([1, 1, 1, 1]) }),
      ...squeezeExcite("d", "f1", "f2", "m"),
      node("Conv", ["m", "pw"], ["y"]),
    ];
    const initializers = {
      dw: randomTensor([C, 1, 3, 3], 30, -0.5, 0.5),
      f1: randomTensor([48, C, 1, 1], 31, -0.5, 0.5),
      f2: randomTensor([C, 48, 1, 1], 32, -0.5, 0.5),
      pw: randomTensor([8, C, 1, 1], 33, -0.5, 0.5),
    };
    const model = (outputs: string[]) =>
      compressModel(graphModel(nodes, { inputs: ["x"], outputs, initializers }), { bits: 4, blockSize: 8, minSize: 0 })
        .model;
    const run = async (outputs: string[], x: Tensor) => {
      const session = await InferenceSession.create(model(outputs), { memory: "low" });
      const y = (await session.run({ x })).y!.data as Float32Array;
      return { y: [...new Uint32Array(y.buffer, y.byteOffset, y.length)], kernels: session.kernels };
    };
    for (const batch of [1, 2]) {
      const x = randomTensor([batch, C, 5, 7], 34 + batch, -3, 3);
      const fused = await run(["y"], x);
      expect(fused.kernels.some((k) => k.startsWith("qd8-f32-qc4w-gemm"))).toBe(true); // f1 packed
      expect((await run(["y", "m"], x)).y).toEqual(fused.y); // the block computed op by op
    }
    // Fused: the Mul (and the depthwise conv) pass their input through, the chain's tail runs them.
    const probe = new T("float32", new Float32Array(4), [1, 1, 2, 2]);
    const op = await lowFastOps(model(["y"]));
    expect(op("m", [probe, probe])).toBe(probe);
    expect(op("d", [probe])).toBe(probe);
  });

  test("the fusions happen: the Mul returns a stand-in on x's buffer, the depthwise conv passes its input on", async () => {
    const run = await lowFastOps(compressed([]));
    const x = randomTensor([1, C, 4, 9], 20, -3, 3);
    expect(run("m", [x, randomTensor([1, C, 1, 1], 21)]).data).toBe(x.data);
    const probe = new T("float32", new Float32Array(40 * 36), [1, 40, 4, 9]);
    expect(run("d", [probe])).toBe(probe); // chained into w5's conv
  });
});
