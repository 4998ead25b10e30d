// Task accuracy of the default compression (issue 3's targets, on the two small zoo models): every
// quantizable weight at 4 bits, block 32, with compressModel's defaults (HQQ, magnitude-weighted fit,
// balanced rounding, integer zero points, fp16 scales) and no calibration data, against fp32 on the
// generated data sets of tests/data/. The zoo-wide table is in BENCHMARKS.md ("Compression accuracy").
import { describe, expect, test } from "bun:test";
import { classAgreement } from "../../src/eval/class_agreement.ts";
import { clsInput } from "../../src/eval/ppocr_input.ts";
import { sileroProbabilities } from "../../src/eval/silero_probabilities.ts";
import { vadAgreement } from "../../src/eval/vad_agreement.ts";
import { loadModel } from "../../src/formats/load.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { compressModel } from "../../src/quant/compress_model.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { clsLineSet } from "../data/ocr_sets.ts";
import { speechClip } from "../data/speech_clip.ts";
import { zooPath } from "../zoo/zoo.ts";

/** The zoo model compressed at 4-bit block 32 with the defaults, and its bits per quantized weight. */
async function compressed4(model: string): Promise<{ session: InferenceSession; bitsPerWeight: number }> {
  const m = await loadModel(zooPath(model));
  prepareForCompression(m);
  const { model: small, report } = compressModel(m, { bits: 4, blockSize: 32 });
  expect(report.totals.quantized).toBeGreaterThan(10);
  return { session: await InferenceSession.create(small), bitsPerWeight: report.totals.quantizedBitsPerWeight };
}

describe("default 4-bit block-32 compression keeps the task", () => {
  test("ppocr_cls: argmax agreement with fp32 is at least 95% over the rendered line set", async () => {
    const samples = clsLineSet();
    const run = async (s: InferenceSession) => {
      const rows: number[] = [];
      for (const p of samples) {
        rows.push(...(Object.values(await s.run({ x: clsInput(p.image) }))[0]!.data as Float32Array));
      }
      return new Tensor("float32", Float32Array.from(rows), [samples.length, 2]);
    };
    const { session } = await compressed4("ppocr_cls");
    const a = classAgreement(await run(await InferenceSession.create(zooPath("ppocr_cls"))), await run(session));
    expect(a.rows).toBeGreaterThanOrEqual(20);
    expect(a.agreement).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  test("silero_legacy: speech decisions equal fp32's on at least 97% of the espeak-ng clip's frames", async () => {
    const clip = speechClip();
    const reference = await sileroProbabilities(await InferenceSession.create(zooPath("silero_legacy")), clip.audio, {
      variant: "legacy",
    });
    const { session, bitsPerWeight } = await compressed4("silero_legacy");
    const candidate = await sileroProbabilities(session, clip.audio, { variant: "legacy" });
    const a = vadAgreement(reference, candidate, { labels: clip.labels });
    expect(a.frames).toBeGreaterThan(500);
    expect(a.agreement).toBeGreaterThanOrEqual(0.97);
    expect(bitsPerWeight).toBeLessThanOrEqual(4.6);
  }, 60_000);
});
