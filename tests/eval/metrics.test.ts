// Known-answer tests of the tensor metrics in src/eval/metrics.ts.
import { describe, expect, test } from "bun:test";
import {
  argmaxRows,
  compareArrays,
  compareTensors,
  cosineSimilarity,
  fractionEqual,
  isClassifierShaped,
  maxAbsError,
  sqnrOf,
  tensorValues,
  top1Agreement,
} from "../../src/eval/metrics.ts";
import { Tensor } from "../../src/graph/tensor.ts";

const f32 = (values: number[], dims: number[]) => new Tensor("float32", Float32Array.from(values), dims);

describe("cosine similarity", () => {
  test("is 1 for parallel, −1 for opposite and 0 for orthogonal vectors", () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 15);
    expect(cosineSimilarity([1, 0, 0], [0, 5, 0])).toBe(0);
  });

  test("is cos 60° = 0.5 for vectors 60° apart", () => {
    expect(cosineSimilarity([1, 0], [Math.cos(Math.PI / 3), Math.sin(Math.PI / 3)])).toBeCloseTo(0.5, 15);
  });

  test("is 1 for two all-zero arrays and 0 when only one is zero", () => {
    expect(cosineSimilarity([0, 0], [0, 0])).toBe(1);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
  });
});

describe("SQNR", () => {
  test("of a unit sine with ±0.01 noise is 10·log10(0.5 / 1e-4) ≈ 36.99 dB", () => {
    const n = 1000;
    const ref = Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * i) / 100));
    const cand = ref.map((v, i) => v + (i % 2 === 0 ? 0.01 : -0.01));
    // Σsin² over whole periods = n/2; Σnoise² = n·1e-4.
    expect(sqnrOf(ref, cand)).toBeCloseTo(10 * Math.log10(0.5 / 1e-4), 9);
  });

  test("drops by 20 dB when the noise grows tenfold", () => {
    const ref = [1, -2, 3, -4];
    const small = sqnrOf(ref, ref.map((v) => v * 1.001));
    const large = sqnrOf(ref, ref.map((v) => v * 1.01));
    expect(small).toBeCloseTo(60, 9);
    expect(small - large).toBeCloseTo(20, 9);
  });

  test("is Infinity for identical arrays and −Infinity with a one-sided NaN", () => {
    expect(sqnrOf([1, 2], [1, 2])).toBe(Infinity);
    expect(sqnrOf([1, 2], [1, NaN])).toBe(-Infinity);
  });
});

describe("max abs error and NaN handling", () => {
  test("is the largest absolute difference", () => {
    expect(maxAbsError([1, 2, 3], [1.5, 2, 0])).toBe(3);
  });

  test("NaN in both places counts as equal; NaN on one side is an infinite error", () => {
    const both = compareArrays([1, NaN, 2], [1, NaN, 2]);
    expect(both).toEqual({ cosine: 1, sqnrDb: Infinity, maxAbsError: 0, maxAbsRef: 2, count: 3 });
    expect(compareArrays([1, 2], [NaN, 2]).maxAbsError).toBe(Infinity);
  });

  test("arrays of different lengths are refused", () => {
    expect(() => compareArrays([1, 2], [1])).toThrow(RangeError);
  });
});

describe("top-1 agreement", () => {
  test("argmaxRows picks the first maximum of each row", () => {
    expect([...argmaxRows([0, 3, 3, 9, 1, 2], 3)]).toEqual([1, 0]);
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(RangeError);
  });

  test("counts rows whose argmax matches", () => {
    const ref = [0.1, 0.9, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4];
    const cand = [0.2, 0.8, 0.3, 0.7, 0.1, 0.9, 0.5, 0.5];
    expect(top1Agreement(ref, cand, 2)).toBe(0.75);
    expect(fractionEqual([], [])).toBe(1);
  });

  test("compareTensors reports it only for classifier-shaped outputs", () => {
    const ref = f32([0.7, 0.2, 0.1, 0.1, 0.1, 0.8], [1, 2, 3]);
    const cand = f32([0.6, 0.3, 0.1, 0.5, 0.4, 0.1], [1, 2, 3]);
    const c = compareTensors(ref, cand);
    expect(c.top1Agreement).toBe(0.5);
    expect(c.maxAbsError).toBeCloseTo(0.7, 6);
    const map = f32([0.1, 0.8, 0.5, 0.2], [1, 1, 2, 2]);
    expect(compareTensors(map, map).top1Agreement).toBeUndefined();
  });

  test("classifier shape: [batch, classes], or rows that are probability distributions", () => {
    expect(isClassifierShaped(f32([1, -3, 2], [1, 3]))).toBe(true);
    expect(isClassifierShaped(f32([0.25, 0.75, 0.5, 0.5], [1, 2, 2]))).toBe(true);
    expect(isClassifierShaped(f32([0.25, 0.7, 0.5, 0.5], [1, 2, 2]))).toBe(false);
    expect(isClassifierShaped(f32([0.4], [1, 1]))).toBe(false);
    expect(isClassifierShaped(new Tensor("int64", BigInt64Array.of(1n, 2n), [1, 2]))).toBe(false);
  });

  test("shapes must match", () => {
    expect(() => compareTensors(f32([1, 2], [1, 2]), f32([1, 2], [2, 1]))).toThrow(RangeError);
  });
});

test("tensorValues decodes float16 bits and converts int64", () => {
  expect([...tensorValues(new Tensor("float16", Uint16Array.of(0x3c00, 0xbc00, 0x3800), [3]))]).toEqual([1, -1, 0.5]);
  expect([...tensorValues(new Tensor("int64", BigInt64Array.of(-3n, 7n), [2]))]).toEqual([-3, 7]);
  expect(() => tensorValues(new Tensor("string", ["a"], [1]))).toThrow(TypeError);
});
