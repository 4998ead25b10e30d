// Known-answer tests of the task metrics: det text-map IoU, cls agreement, VAD decision agreement.
import { describe, expect, test } from "bun:test";
import { classAgreement } from "../../src/eval/class_agreement.ts";
import { textMapIoU } from "../../src/eval/text_map_iou.ts";
import { vadAgreement, vadDecisions } from "../../src/eval/vad_agreement.ts";
import { Tensor } from "../../src/graph/tensor.ts";

describe("text-map IoU", () => {
  test("two overlapping 4×4 squares on an 8×8 map share 4 of 28 pixels", () => {
    const square = (x0: number, y0: number) => {
      const m = new Float32Array(64).fill(0.1);
      for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) m[y * 8 + x] = 0.9;
      return new Tensor("float32", m, [1, 1, 8, 8]);
    };
    const o = textMapIoU(square(0, 0), square(2, 2));
    expect(o).toEqual({ iou: 4 / 28, intersection: 4, union: 28, referencePixels: 16, candidatePixels: 16 });
  });

  test("binarizes strictly above the threshold (0.3 by default)", () => {
    expect(textMapIoU([0.3, 0.31], [0.31, 0.31]).iou).toBe(0.5);
    expect(textMapIoU([0.3, 0.31], [0.31, 0.31], { threshold: 0.2 }).iou).toBe(1);
  });

  test("is 1 for identical maps and for two maps without text", () => {
    expect(textMapIoU([0.9, 0.1, 0.8], [0.9, 0.1, 0.8]).iou).toBe(1);
    expect(textMapIoU([0.1, 0.2], [0, 0.29]).iou).toBe(1);
    expect(textMapIoU([0.9, 0.1], [0.1, 0.9]).iou).toBe(0);
  });

  test("refuses maps of different shapes", () => {
    expect(() => textMapIoU([1, 2], [1])).toThrow(RangeError);
    const a = new Tensor("float32", new Float32Array(4), [1, 1, 2, 2]);
    expect(() => textMapIoU(a, new Tensor("float32", new Float32Array(4), [1, 1, 4, 1]))).toThrow(RangeError);
  });
});

describe("classifier agreement", () => {
  test("counts equal argmaxes and accuracy against labels", () => {
    const ref = new Tensor("float32", Float32Array.of(0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7), [4, 2]);
    const cand = new Tensor("float32", Float32Array.of(0.8, 0.2, 0.6, 0.4, 0.7, 0.3, 0.1, 0.9), [4, 2]);
    const a = classAgreement(ref, cand, [0, 1, 1, 1]);
    expect(a.rows).toBe(4);
    expect(a.agreement).toBe(0.75);
    expect(a.referenceAccuracy).toBe(0.75);
    expect(a.candidateAccuracy).toBe(0.5);
    expect([...a.candidateClasses]).toEqual([0, 0, 0, 1]);
  });

  test("refuses mismatched shapes or label counts", () => {
    const t = new Tensor("float32", new Float32Array(4), [2, 2]);
    expect(() => classAgreement(t, new Tensor("float32", new Float32Array(4), [1, 4]))).toThrow(RangeError);
    expect(() => classAgreement(t, t, [0])).toThrow(RangeError);
  });
});

describe("VAD agreement", () => {
  test("decides speech strictly above 0.5", () => {
    expect([...vadDecisions([0, 0.5, 0.500001, 1])]).toEqual([0, 0, 1, 1]);
    expect([...vadDecisions([0.2, 0.4], 0.3)]).toEqual([0, 1]);
  });

  test("agreement, accuracy against labels, cosine and max error over a clip", () => {
    const ref = [0.1, 0.2, 0.9, 0.95, 0.8, 0.3, 0.1, 0.05, 0.7, 0.6];
    const cand = [0.1, 0.6, 0.9, 0.95, 0.4, 0.3, 0.1, 0.05, 0.7, 0.6];
    const labels = [0, 0, 1, 1, 1, 1, 0, 0, 1, 1];
    const a = vadAgreement(ref, cand, { labels });
    expect(a.frames).toBe(10);
    expect(a.agreement).toBe(0.8);
    expect(a.referenceAccuracy).toBe(0.9);
    expect(a.candidateAccuracy).toBe(0.7);
    expect(a.referenceSpeechFrames).toBe(5);
    expect(a.candidateSpeechFrames).toBe(5);
    expect(a.maxAbsError).toBeCloseTo(0.4, 12);
    expect(a.cosine).toBeLessThan(1);
    expect(vadAgreement(ref, ref).cosine).toBeCloseTo(1, 15);
    expect(vadAgreement(ref, ref).referenceAccuracy).toBeUndefined();
  });

  test("refuses sequences or labels of different lengths", () => {
    expect(() => vadAgreement([0.1], [0.1, 0.2])).toThrow(RangeError);
    expect(() => vadAgreement([0.1], [0.1], { labels: [1, 0] })).toThrow(RangeError);
  });
});
