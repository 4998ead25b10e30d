// Ops that take their output from `allocateForOverwrite` get a recycled buffer as it was left (no zero
// fill), so each must write every element. Here every such buffer is filled with a poison first (NaN, then a
// large finite value that a NaN-swallowing max or compare would not hide) and every zoo model, under the
// wasm kernels in both memory modes and under the reference kernels, must give the same bits as a run
// without poison — on the second run too, when the buffers come back from the pool.
import { afterEach, describe, expect, test } from "bun:test";
import type { Model } from "../../src/graph/graph.ts";
import type { Tensor } from "../../src/graph/tensor.ts";
import { loadModel } from "../../src/formats/load.ts";
import { compressModel } from "../../src/quant/compress_model.ts";
import { overwriteCheck } from "../../src/runtime/buffer_pool.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";
import { InferenceSession, type SessionOptions } from "../../src/runtime/session.ts";
import { ZOO_MODELS, zooFeeds } from "../formats/onnx/_zoo_feeds.ts";
import { zooPath } from "../zoo/zoo.ts";

const POISONS = [Number.NaN, 1e30];

function bitsOf(outputs: Record<string, Tensor>): Record<string, number[]> {
  const bits: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(outputs)) {
    const d = t.data;
    bits[name] = d instanceof Float32Array
      ? [...new Uint32Array(d.buffer, d.byteOffset, d.length)]
      : [...d].map(Number);
  }
  return bits;
}

async function expectPoisonInvisible(model: string | Model, feeds: Record<string, Tensor>, options: SessionOptions) {
  const clean = bitsOf(await (await InferenceSession.create(model, options)).run(feeds));
  for (const poison of POISONS) {
    overwriteCheck.poison = poison;
    try {
      const session = await InferenceSession.create(model, options);
      for (let run = 0; run < 2; run++) expect(bitsOf(await session.run(feeds))).toEqual(clean);
    } finally {
      overwriteCheck.poison = undefined;
    }
  }
}

afterEach(() => {
  overwriteCheck.poison = undefined;
});

describe("every op given an overwrite buffer writes all of it (poisoned buffers leave no trace)", () => {
  for (const name of ZOO_MODELS) {
    test(`${name}: wasm kernels, normal memory`, async () => {
      await expectPoisonInvisible(zooPath(name), zooFeeds(name), { memory: "normal" });
    }, 60_000);
  }

  for (const name of ["ppocr_cls", "ppocr_rec", "silero_v5", "silero_op18_ifless"] as const) {
    test(`${name}: reference kernels`, async () => {
      await expectPoisonInvisible(zooPath(name), zooFeeds(name), { kernels: "reference" });
    }, 60_000);
  }

  for (const name of ["ppocr_cls", "ppocr_det"] as const) {
    test(`${name}: low memory, 4-bit block 32`, async () => {
      const model = await loadModel(zooPath(name));
      prepareForCompression(model);
      const q = compressModel(model, { bits: 4, blockSize: 32 }).model;
      await expectPoisonInvisible(q, zooFeeds(name), { memory: "low" });
    }, 60_000);
  }
});
