// Every task metric is perfect when a zoo model is compared with itself (two sessions on the same fp32
// file, bitloop's reference runtime), on one small case per task from the generated data sets. The
// reference must also do its task (read the line, find text, classify, hear speech), so the case is live.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { classAgreement } from "../../src/eval/class_agreement.ts";
import { ctcDecode, ctcKeys } from "../../src/eval/ctc_decode.ts";
import { compareTensors } from "../../src/eval/metrics.ts";
import { clsInput, detInput, recInput } from "../../src/eval/ppocr_input.ts";
import { sileroProbabilities, type SileroVariant } from "../../src/eval/silero_probabilities.ts";
import { textAccuracy } from "../../src/eval/text_accuracy.ts";
import { textMapIoU } from "../../src/eval/text_map_iou.ts";
import { vadAgreement } from "../../src/eval/vad_agreement.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { clsLineSet, detPageSet, recLineSet } from "../data/ocr_sets.ts";
import { FRAME_SIZE, speechClip } from "../data/speech_clip.ts";
import { zooPath } from "../zoo/zoo.ts";

/** Two independent sessions on the same zoo file. */
async function pair(model: string): Promise<[InferenceSession, InferenceSession]> {
  return [await InferenceSession.create(zooPath(model)), await InferenceSession.create(zooPath(model))];
}

const first = (out: Record<string, Tensor>) => Object.values(out)[0]!;

describe("fp32 against itself gives perfect task metrics", () => {
  test("ppocr_rec reads a rendered line exactly, the same way twice", async () => {
    const keys = ctcKeys(readFileSync(zooPath("ppocr_keys"), "utf8"));
    // The narrowest line, fed at its own width to keep the case small.
    const line = recLineSet().reduce((a, b) => (b.image.width < a.image.width ? b : a));
    const x = recInput(line.image, { width: line.image.width });
    const [ref, cand] = await pair("ppocr_rec");
    const r = first(await ref.run({ x })), c = first(await cand.run({ x }));
    const truth = textAccuracy([ctcDecode(r, keys)], [line.text]);
    const same = textAccuracy([ctcDecode(c, keys)], [ctcDecode(r, keys)]);
    expect({ truthExact: truth.exactLines, sameExact: same.exactLines, sameChar: same.charAccuracy }).toEqual({
      truthExact: 1,
      sameExact: 1,
      sameChar: 1,
    });
    expect(compareTensors(r, c).top1Agreement).toBe(1);
  });

  test("ppocr_det finds text on a page with text-map IoU 1", async () => {
    const x = detInput(detPageSet()[0]!.image);
    const [ref, cand] = await pair("ppocr_det");
    const o = textMapIoU(first(await ref.run({ x })), first(await cand.run({ x })));
    expect(o.referencePixels).toBeGreaterThan(1000);
    expect(o.iou).toBe(1);
  });

  test("ppocr_cls agrees with itself and with the labels on an upright and a rotated line", async () => {
    const samples = clsLineSet().slice(0, 2);
    const [ref, cand] = await pair("ppocr_cls");
    const run = async (s: InferenceSession) => {
      const rows = await Promise.all(
        samples.map(async (p) => [...first(await s.run({ x: clsInput(p.image) })).data as Float32Array]),
      );
      return new Tensor("float32", Float32Array.from(rows.flat()), [samples.length, 2]);
    };
    const a = classAgreement(await run(ref), await run(cand), samples.map((s) => s.label));
    expect({ agreement: a.agreement, referenceAccuracy: a.referenceAccuracy }).toEqual({
      agreement: 1,
      referenceAccuracy: 1,
    });
  });

  const variants: [string, SileroVariant][] = [["silero_v5", "v5"], ["silero_legacy", "legacy"], [
    "silero_op18_ifless",
    "op18",
  ]];
  for (const [model, variant] of variants) {
    test(`${model} makes the same decisions with cosine 1 around the first utterance`, async () => {
      const clip = speechClip();
      // 32 frames from 0.5 s before the first utterance starts.
      const from = Math.max(0, Math.floor((clip.utterances[0]!.start - 8000) / FRAME_SIZE));
      const audio = clip.audio.subarray(from * FRAME_SIZE, (from + 32) * FRAME_SIZE);
      const labels = clip.labels.slice(from, from + 32);
      expect(new Set(labels).size).toBe(2);
      const [ref, cand] = await pair(model);
      const r = await sileroProbabilities(ref, audio, { variant });
      const a = vadAgreement(r, await sileroProbabilities(cand, audio, { variant }), { labels });
      expect({ frames: a.frames, agreement: a.agreement, cosine: a.cosine, maxAbsError: a.maxAbsError }).toEqual({
        frames: 32,
        agreement: 1,
        cosine: 1,
        maxAbsError: 0,
      });
      expect(Math.max(...r)).toBeGreaterThan(0.5);
      expect(Math.min(...r)).toBeLessThan(0.5);
    });
  }
});
