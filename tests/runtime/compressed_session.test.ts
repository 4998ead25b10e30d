// The reference runtime runs compressed models: quantized weights are dequantized at load and FP16
// weights widened by their Cast, so a compressed model's outputs equal onnxruntime's on the same model
// with the dequantized float weights (exported with exportOnnx).
import { describe, expect, test } from "bun:test";
import { readBitloop } from "../../src/formats/bitloop/read.ts";
import { writeBitloop } from "../../src/formats/bitloop/write.ts";
import { loadModel } from "../../src/formats/load.ts";
import { exportOnnx } from "../../src/formats/onnx/export_onnx.ts";
import type { Graph, Model } from "../../src/graph/graph.ts";
import type { QuantizedTensor } from "../../src/graph/quantized_tensor.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { compressModel, type CompressOptions } from "../../src/quant/compress_model.ts";
import { dequantizeModel } from "../../src/quant/dequantize_model.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { agreement } from "../_compare.ts";
import { ortRun, ortSession } from "../_ort.ts";
import { randomTensor } from "../_random.ts";
import { compressFixture, fixtureFeeds } from "../quant/_compress_fixture.ts";
import { zooPath } from "../zoo/zoo.ts";

/** Every quantized weight of a graph and its subgraphs (Silero keeps its LSTM inside If branches). */
function allQuantized(g: Graph): QuantizedTensor[] {
  return [
    ...g.quantized.values(),
    ...g.nodes.flatMap((n) =>
      Object.values(n.attributes).flatMap((a) => (a.kind === "graph" ? allQuantized(a.value) : []))
    ),
  ];
}

/** Compresses, writes and reads back `model`; returns the model as read from the bitloop bytes. */
async function compressedFile(model: Model, options: CompressOptions): Promise<Model> {
  const { model: compressed } = compressModel(model, options);
  return await readBitloop((await writeBitloop(compressed)).model);
}

/** Runs `model` in bitloop and its dequantized ONNX export in onnxruntime; expects a 1e-5 match per output. */
async function expectMatchesOrt(model: Model, feeds: Record<string, Tensor>): Promise<void> {
  const onnx = exportOnnx(dequantizeModel(model));
  const ours = await (await InferenceSession.create(model)).run(feeds);
  const ref = await ortRun(await ortSession(onnx), feeds);
  for (const [name, r] of Object.entries(ref)) {
    const a = agreement(ours[name]!, r);
    expect({ name, sameShape: a.sameShape }).toEqual({ name, sameShape: true });
    expect(a.cosine).toBeGreaterThanOrEqual(0.999999);
    expect(a.maxAbsError).toBeLessThanOrEqual(1e-5 * Math.max(a.maxAbsRef, 1e-6));
  }
}

describe("InferenceSession on compressed models", () => {
  test("a 4-bit model with every weight kind equals onnxruntime on its dequantized weights", async () => {
    const model = await compressedFile(compressFixture(), { bits: 4, blockSize: 8, minSize: 0 });
    expect(model.graph.quantized.size).toBe(8);
    await expectMatchesOrt(model, fixtureFeeds());
    // Creating a session leaves the compressed IR compressed.
    expect(model.graph.quantized.size).toBe(8);
  });

  test("an FP16 model (float16 initializers + Cast) runs in onnxruntime as exported and matches", async () => {
    const { model } = compressModel(compressFixture(), { fp16: true, minSize: 0 });
    const back = await readBitloop((await writeBitloop(model)).model);
    await expectMatchesOrt(back, fixtureFeeds());
  });

  test("PP-OCR cls at 3 bits, block 32, symmetric minmax, equals onnxruntime on the dequantized weights", async () => {
    const model = await loadModel(zooPath("ppocr_cls"));
    prepareForCompression(model);
    const compressed = await compressedFile(model, { bits: 3, blockSize: 32, symmetric: true, algorithm: "minmax" });
    expect(compressed.graph.quantized.size).toBeGreaterThan(20);
    await expectMatchesOrt(compressed, { x: randomTensor([1, 3, 48, 192], 7) });
  });

  test("Silero legacy with its LSTM weights at 4 bits equals onnxruntime on the dequantized weights", async () => {
    const model = await loadModel(zooPath("silero_legacy"));
    prepareForCompression(model);
    const compressed = await compressedFile(model, { bits: 4, blockSize: 32 });
    const lstm = allQuantized(compressed.graph).filter((q) => q.layout.kind === "rnn");
    // W and R of the 8 LSTM nodes; each sample-rate branch's two LSTM pairs are byte-identical copies,
    // which preparing merges.
    expect(lstm.length).toBe(8);
    await expectMatchesOrt(compressed, {
      input: randomTensor([1, 512], 3, -0.3, 0.3),
      sr: new Tensor("int64", BigInt64Array.of(16000n), []),
      h: randomTensor([2, 1, 64], 4, -0.1, 0.1),
      c: randomTensor([2, 1, 64], 5, -0.1, 0.1),
    });
  });
});
