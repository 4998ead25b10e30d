// Activation-aware quantization: the per-row weights of input moments, the data-free moment estimate
// (Conv moments against brute force, HardSwish spelled out, BatchNormalization sources, what stops it),
// balanced rounding carrying the mean-term error across blocks, quantize() lowering the expected output
// error for inputs of unequal power, and compressModel() on PP-OCRv4 rec at 3-bit block 32 (rendered lines).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { ctcDecode, ctcKeys } from "../../src/eval/ctc_decode.ts";
import { compareTensors } from "../../src/eval/metrics.ts";
import { recInput } from "../../src/eval/ppocr_input.ts";
import { textAccuracy } from "../../src/eval/text_accuracy.ts";
import { parseCompressArgs } from "../../src/cli/_compress_options.ts";
import { loadModel } from "../../src/formats/load.ts";
import { ACTIVATION_AWARE_MAX_BITS, compressModel, type CompressOptions } from "../../src/quant/compress_model.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { recLineSet } from "../data/ocr_sets.ts";
import { zooPath } from "../zoo/zoo.ts";
import type { Graph, Node } from "../../src/graph/graph.ts";
import { groupLayout } from "../../src/graph/group_layout.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { balanceCodes, makeBalance } from "../../src/quant/balanced_rounding.ts";
import { dequantize } from "../../src/quant/dequantize.ts";
import { estimateInputMoments } from "../../src/quant/estimate_input_moments.ts";
import { encodeGroup, makeGrid } from "../../src/quant/grid.ts";
import { checkMoments, type InputMoments, meanPower, rowWeights } from "../../src/quant/input_moments.ts";
import { quantize } from "../../src/quant/quantize.ts";
import { node } from "../_graph.ts";
import { randomTensor, seededRandom } from "../_random.ts";

const scalar = (v: number) => new Tensor("float32", Float32Array.of(v), []);
const graphOf = (initializers: [string, Tensor][], nodes: Node[]): Graph => ({
  name: "g",
  inputs: [],
  outputs: [],
  initializers: new Map(initializers),
  quantized: new Map(),
  nodes,
  valueInfo: new Map(),
});

function normals(n: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return out;
}

describe("input moments", () => {
  test("rowWeights() maps depthwise and grouped channels to their input channels", () => {
    // Depthwise: 4 output channels, one input row each; channel 2 reads input channel 2.
    const dw = groupLayout([4, 1, 3, 3], { kind: "conv" }, 32);
    const m: InputMoments = { mean: Float64Array.of(0, 1, 2, 3), power: Float64Array.of(1, 2, 5, 10) };
    const out = { power: new Float64Array(1), variance: new Float64Array(1), mean: new Float64Array(1) };
    expect(checkMoments(m, dw)).toBe(4);
    rowWeights(m, dw, 4, meanPower(m), 2, 0, out);
    expect(out.power[0]).toBeCloseTo(5 / 4.5, 12);
    expect(out.variance[0]).toBeCloseTo(1 / 4.5, 12);
    expect(out.mean[0]).toBeCloseTo(2 / Math.sqrt(4.5), 12);
  });

  test("checkMoments() throws RangeError for moments that do not fit the weight", () => {
    const g = groupLayout([8, 6, 1, 1], { kind: "conv" }, 0);
    const bad = (n: number, means = n) => ({ mean: new Float64Array(means), power: new Float64Array(n) });
    expect(() => checkMoments(bad(5), g)).toThrow(RangeError);
    expect(() => checkMoments(bad(6, 5), g)).toThrow(RangeError);
    expect(() => checkMoments(bad(6 * 16), g)).toThrow(RangeError); // 16 groups, 8 output channels
    expect(checkMoments(bad(12), g)).toBe(2);
  });
});

describe("estimateInputMoments()", () => {
  test("a 3×3 Conv's output moments match a brute force over correlated positions (ρ^distance)", () => {
    const rho = 0.6;
    const w = randomTensor([2, 2, 3, 3], 4, -1, 1);
    const graph = graphOf(
      [["w", w], ["v", new Tensor("float32", Float32Array.of(1, 0, 0, 1), [2, 2, 1, 1])], ["b", scalar(0)]],
      [node("BatchNormalization", ["bn_in"], ["x"]), node("Conv", ["x", "w"], ["y"]), node("Conv", ["y", "v"], ["z"])],
    );
    const stats = { mean: Float64Array.of(0.5, -1), std: Float64Array.of(1, 2) };
    const got = estimateInputMoments(graph, new Map([["x", stats]]), { spatialCorrelation: rho }).get("v")!;
    // Brute force: each input channel a 3×3 Gaussian field with correlation ρ^(|dx|+|dy|) (separable AR(1)).
    const samples = 100_000, z = normals(samples * 2 * 9, 9), d = w.data as Float32Array;
    const power = [0, 0], mean = [0, 0];
    for (let s = 0; s < samples; s++) {
      const y = [0, 0];
      for (let c = 0; c < 2; c++) {
        const field = new Float64Array(9);
        for (let r = 0; r < 3; r++) {
          for (let k = 0; k < 3; k++) {
            const e = z[(s * 2 + c) * 9 + r * 3 + k]!, q = Math.sqrt(1 - rho * rho);
            const left = k > 0 ? field[r * 3 + k - 1]! : 0, up = r > 0 ? field[(r - 1) * 3 + k]! : 0;
            // Separable AR(1) in two dimensions: x = ρ·left + ρ·up − ρ²·diag + √((1−ρ²)²)·ε.
            const diag = k > 0 && r > 0 ? field[(r - 1) * 3 + k - 1]! : 0;
            const scaleOf = (k > 0 ? q : 1) * (r > 0 ? q : 1);
            field[r * 3 + k] = (k > 0 ? rho * left : 0) + (r > 0 ? rho * up : 0) -
              (k > 0 && r > 0 ? rho * rho * diag : 0) +
              scaleOf * e;
          }
        }
        for (let o = 0; o < 2; o++) {
          for (let k = 0; k < 9; k++) y[o]! += d[(o * 2 + c) * 9 + k]! * (stats.mean[c]! + stats.std[c]! * field[k]!);
        }
      }
      for (const o of [0, 1]) {
        mean[o]! += y[o]! / samples;
        power[o]! += y[o]! ** 2 / samples;
      }
    }
    for (const o of [0, 1]) {
      expect(Math.abs(got.mean[o]! - mean[o]!)).toBeLessThan(0.05 * Math.sqrt(power[o]!));
      expect(Math.abs(got.power[o]! / power[o]! - 1)).toBeLessThan(0.03);
    }
  });

  test("follows HardSwish spelled as Add/Clip/Div/Mul like the HardSwish op, and stops at MaxPool", () => {
    const w = new Tensor("float32", Float32Array.of(2, 0, 0, 0.5), [2, 2, 1, 1]);
    const init: [string, Tensor][] = [["w", w], ["three", scalar(3)], ["zero", scalar(0)], ["six", scalar(6)]];
    const spelled = graphOf(init, [
      node("Conv", ["x", "w"], ["y"]),
      node("Add", ["y", "three"], ["a"]),
      node("Clip", ["a", "zero", "six"], ["c"]),
      node("Div", ["c", "six"], ["d"]),
      node("Mul", ["y", "d"], ["h"]),
      node("Conv", ["h", "w2"], ["o"]),
      node("MaxPool", ["h"], ["p"]),
      node("Conv", ["p", "w3"], ["q"]),
    ]);
    const op = graphOf(init, [
      node("Conv", ["x", "w"], ["y"]),
      node("HardSwish", ["y"], ["h"]),
      node("Conv", ["h", "w2"], ["o"]),
    ]);
    for (const g of [spelled, op]) {
      g.initializers.set("w2", randomTensor([3, 2, 1, 1], 1));
      g.initializers.set("w3", randomTensor([3, 2, 1, 1], 2));
    }
    const a = estimateInputMoments(spelled, new Map()), b = estimateInputMoments(op, new Map());
    // Conv of unit inputs: channel 0 ~ N(0, 4), channel 1 ~ N(0, 1/4); E[hardswish(N(0, 4))] > 0.
    for (const c of [0, 1]) {
      expect(a.get("w2")!.power[c]).toBeCloseTo(b.get("w2")!.power[c]!, 10);
      expect(a.get("w2")!.mean[c]).toBeCloseTo(b.get("w2")!.mean[c]!, 10);
    }
    expect(a.get("w2")!.power[0]!).toBeGreaterThan(10 * a.get("w2")!.power[1]!);
    expect(a.has("w3")).toBe(false);
    expect(a.has("w")).toBe(false); // its input is a graph input
  });

  test("rejects a spatial correlation outside [0, 1]", () => {
    expect(() => estimateInputMoments(graphOf([], []), new Map(), { spatialCorrelation: 1.5 })).toThrow(RangeError);
  });
});

describe("activation-aware rounding and quantization", () => {
  test("balanceCodes() starts from the mean-term error of earlier blocks and carries its own out", () => {
    const grid = makeGrid(4, false, true, false);
    const w = new Float64Array([0.1, 0.1, 0.1, 0.1]); // nearest rounding: all codes 0, error sum 0.4
    const codes = new Uint8Array(4);
    const run = (offset: number) => {
      encodeGroup(w, 4, grid, 1, 0, codes, 0);
      const rows = { power: new Float64Array(4).fill(1), mean: new Float64Array(4).fill(1), meanOffset: offset };
      balanceCodes(w, 4, 1, grid, 1, 0, codes, 0, makeBalance({ mean: 1 }), rows);
      return { sum: codes.reduce((a, b) => a + b, 0), end: rows.meanOffset };
    };
    expect(run(0)).toEqual({ sum: 0, end: expect.closeTo(0.4, 12) }); // not worth a step on its own
    const carried = run(0.8); // with 0.8 already owed, one step up pays: 1.2 → 0.2
    expect(carried.sum).toBe(1);
    expect(carried.end).toBeCloseTo(0.2, 12);
  });

  test("quantize() with input moments lowers the expected output error Σ Var·e² + (Σ E[x]·e)² at 3 bits", () => {
    const [outC, inC] = [48, 96];
    const w = randomTensor([outC, inC, 1, 1], 31, -1, 1);
    const next = seededRandom(5);
    const mean = Float64Array.from({ length: inC }, () => next() * 2);
    const power = mean.map((m) => m * m + 0.05 + 4 * next() ** 4);
    const moments = { mean, power };
    const outputError = (q: Float32Array) => {
      let total = 0;
      for (let o = 0; o < outC; o++) {
        let v = 0, m = 0;
        for (let c = 0; c < inC; c++) {
          const e = (w.data as Float32Array)[o * inC + c]! - q[o * inC + c]!;
          v += (power[c]! - mean[c]! ** 2) * e * e;
          m += mean[c]! * e;
        }
        total += v + m * m;
      }
      return total;
    };
    const options = { bits: 3, blockSize: 32, algorithm: "hqq", rounding: "balanced", magnitudeWeight: 1 } as const;
    const plain = outputError(dequantize(quantize(w, { kind: "conv" }, options)).data as Float32Array);
    const aware = outputError(
      dequantize(quantize(w, { kind: "conv" }, { ...options, inputMoments: moments, balance: { mean: 1 } }))
        .data as Float32Array,
    );
    expect(aware).toBeLessThan(0.7 * plain); // measured: 0.57
    expect(() => quantize(w, { kind: "conv" }, { ...options, inputMoments: { mean, power: power.slice(1) } }))
      .toThrow(RangeError);
  });
});

describe("compressModel({ activationAware })", () => {
  test("the CLI's --[no-]activation-aware sets the option; without either compressModel decides by bits", () => {
    expect(parseCompressArgs(["m.onnx", "-o", "m.bitloop", "--activation-aware"]).options.activationAware).toBe(true);
    expect(parseCompressArgs(["m.onnx", "-o", "m.bitloop", "--no-activation-aware"]).options.activationAware)
      .toBe(false);
    expect(parseCompressArgs(["m.onnx", "-o", "m.bitloop"]).options.activationAware).toBeUndefined();
    expect(() => parseCompressArgs(["m.onnx", "-o", "m.bitloop", "--activation-aware", "--no-activation-aware"]))
      .toThrow(/contradict/);
  });

  test(
    `by default layers at ≤ ${ACTIVATION_AWARE_MAX_BITS} bits are fitted activation-aware, wider ones plainly`,
    async () => {
      const model = await loadModel(zooPath("ppocr_cls"));
      prepareForCompression(model);
      const codes = (o: CompressOptions) => {
        const { model: small } = compressModel(model, { blockSize: 32, ...o });
        return [...small.graph.quantized.values()].map((q) => Array.from(q.data));
      };
      expect(codes({ bits: 3 })).toEqual(codes({ bits: 3, activationAware: true }));
      expect(codes({ bits: 3 })).not.toEqual(codes({ bits: 3, activationAware: false }));
      expect(codes({ bits: 4 })).toEqual(codes({ bits: 4, activationAware: false }));
      expect(codes({ bits: 4 })).not.toEqual(codes({ bits: 4, activationAware: true }));
    },
    30_000,
  );

  test("PP-OCRv4 rec at 3-bit block 32 reads rendered lines again (plain: nothing)", async () => {
    const model = await loadModel(zooPath("ppocr_rec"));
    prepareForCompression(model);
    const lines = recLineSet().slice(0, 8);
    const keys = ctcKeys(readFileSync(zooPath("ppocr_keys"), "utf8"));
    const run = async (m: typeof model) => {
      const session = await InferenceSession.create(m);
      const out: Tensor[] = [];
      for (const l of lines) out.push((await session.run({ x: recInput(l.image) }))[session.outputNames[0]!]!);
      return out;
    };
    const reference = await run(model);
    const score = async (activationAware: boolean) => {
      const { model: small, report } = compressModel(model, { bits: 3, blockSize: 32, activationAware });
      expect(report.totals.quantized).toBeGreaterThan(40);
      const out = await run(small);
      const cosine = out.reduce((a, t, i) => a + compareTensors(reference[i]!, t).cosine, 0) / out.length;
      const texts = out.map((t) => ctcDecode(t, keys));
      return { cosine, chars: textAccuracy(texts, reference.map((t) => ctcDecode(t, keys))).charAccuracy };
    };
    const plain = await score(false), aware = await score(true);
    // Measured on these 8 lines: plain cosine 0.727, characters 0%; activation-aware 0.924, 94%.
    expect(plain.chars).toBeLessThan(0.2);
    expect(aware.chars).toBeGreaterThan(0.8);
    expect(aware.cosine).toBeGreaterThan(plain.cosine + 0.1);
  }, 40_000);
});
