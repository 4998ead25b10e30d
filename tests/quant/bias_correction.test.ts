// Data-free bias correction: the Gaussian expectations behind E[x] against closed forms and brute force,
// the ΔW·E[x] shift against a brute-force convolution, and compressModel applying it to a Conv → BN →
// activation → Conv model whose BN statistics prepareForCompression recorded.
import { describe, expect, test } from "bun:test";
import type { Model } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { convBiasShift } from "../../src/quant/bias_correction.ts";
import { channelStatisticsOf } from "../../src/quant/channel_statistics.ts";
import { compressModel } from "../../src/quant/compress_model.ts";
import { expectedInputMeans, gaussianExpectation } from "../../src/quant/expected_input_means.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";
import { InferenceSession } from "../../src/runtime/session.ts";
import { node } from "../_graph.ts";
import { randomTensor, seededRandom } from "../_random.ts";

/** Standard normal samples (Box–Muller over the seeded generator). */
function normals(n: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - next())), t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

function monteCarlo(f: (x: number) => number, mean: number, std: number, z: Float64Array): number {
  let s = 0;
  for (const v of z) s += f(mean + std * v);
  return s / z.length;
}

const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
/** Φ by the Abramowitz–Stegun 7.1.26 erf (error below 1.5e-7). */
function Phi(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-x * x / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

const hardSwish = (x: number) => x * Math.min(1, Math.max(0, x / 6 + 0.5));
const scalar = (v: number) => new Tensor("float32", Float32Array.of(v), []);

describe("Gaussian expectations", () => {
  test("E[relu(N(β, γ²))] equals β·Φ(β/γ) + γ·φ(β/γ) to 1e-4·γ", () => {
    for (const [beta, gamma] of [[0, 1], [0.7, 0.3], [-1.2, 0.8], [2.5, 4], [-3, 0.5]] as const) {
      const closed = beta * Phi(beta / gamma) + gamma * phi(beta / gamma);
      expect(Math.abs(gaussianExpectation((x) => Math.max(0, x), beta, gamma) - closed)).toBeLessThan(1e-4 * gamma);
    }
  });

  test("E[hardswish(N(β, γ²))] matches a 200 000-sample brute force within 4 standard errors", () => {
    const z = normals(200_000, 7);
    for (const [beta, gamma] of [[0, 1], [-2, 3], [1.5, 0.5], [4, 2]] as const) {
      const brute = monteCarlo(hardSwish, beta, gamma, z);
      const se = 4 * gamma * (gamma + Math.abs(beta)) / Math.sqrt(z.length);
      expect(Math.abs(gaussianExpectation(hardSwish, beta, gamma) - brute)).toBeLessThan(se);
    }
  });

  test("expectedInputMeans() follows HardSwish spelled as Add/Clip/Div/Mul and a per-channel affine to the Conv", () => {
    const graph = {
      name: "g",
      inputs: [],
      outputs: [],
      initializers: new Map<string, Tensor>([
        ["three", scalar(3)],
        ["zero", scalar(0)],
        ["six", scalar(6)],
        ["scale", new Tensor("float32", Float32Array.of(2, -1), [1, 2, 1, 1])],
        ["shift", new Tensor("float32", Float32Array.of(0.5, 0.25), [2, 1, 1])],
      ]),
      quantized: new Map(),
      nodes: [
        node("Add", ["bn", "three"], ["a"]),
        node("Clip", ["a", "zero", "six"], ["c"]),
        node("Div", ["c", "six"], ["d"]),
        node("Mul", ["bn", "d"], ["hs"]),
        node("Mul", ["hs", "scale"], ["m"]),
        node("Add", ["m", "shift"], ["y"]),
        node("MaxPool", ["y"], ["p"]),
        node("Conv", ["y", "w"], ["o1"]),
        node("Conv", ["p", "w"], ["o2"]),
      ],
      valueInfo: new Map(),
    };
    const stats = { mean: Float64Array.of(-0.5, 1.5), std: Float64Array.of(2, 0.7) };
    const means = expectedInputMeans(graph, new Map([["bn", stats]]));
    const z = normals(200_000, 11);
    const expected = [0, 1].map((c) =>
      monteCarlo((x) => hardSwish(x) * [2, -1][c]! + [0.5, 0.25][c]!, stats.mean[c]!, stats.std[c]!, z)
    );
    const got = means.get(graph.nodes[7]!)!;
    for (const c of [0, 1]) expect(Math.abs(got[c]! - expected[c]!)).toBeLessThan(0.02);
    expect(means.has(graph.nodes[8]!)).toBe(false); // MaxPool: unknown, no correction
  });
});

describe("convBiasShift()", () => {
  test("equals the brute-force mean output change of a grouped 3×3 Conv over inputs with those means", () => {
    const [outC, inC, group] = [6, 4, 2];
    const w = randomTensor([outC, inC / group, 3, 3], 1).data as Float32Array;
    const approx = w.map((v, i) => v + 0.05 * Math.sin(i * 1.7));
    const mean = Float64Array.of(0.3, -1.1, 2.0, 0.6);
    const z = normals(inC * 9 * 4000, 3);
    const got = convBiasShift(w, approx, [outC, inC / group, 3, 3], group, mean);
    for (let o = 0; o < outC; o++) {
      const g = Math.floor(o / (outC / group));
      let s = 0;
      for (let n = 0; n < 4000; n++) {
        for (let c = 0; c < inC / group; c++) {
          for (let k = 0; k < 9; k++) {
            const x = mean[g * (inC / group) + c]! + z[(n * inC + c) * 9 + k]!;
            const i = (o * (inC / group) + c) * 9 + k;
            s += (approx[i]! - w[i]!) * x;
          }
        }
      }
      expect(Math.abs(got[o]! - s / 4000)).toBeLessThan(0.02);
    }
  });

  test("throws RangeError when the input channels do not fit the weight", () => {
    expect(() => convBiasShift(new Float32Array(8), new Float32Array(8), [2, 4, 1, 1], 1, new Float64Array(3)))
      .toThrow(RangeError);
  });
});

/** x → Conv(4→64, 1×1) → BatchNormalization (statistics true for x ~ N(0, 1)) → Relu → Conv(64→32, 1×1). */
function bnModel(): Model {
  const w1 = randomTensor([64, 4, 1, 1], 21, -1, 1);
  const b1 = randomTensor([64], 22, -1, 1);
  const variance = new Float32Array(64);
  for (let c = 0; c < 64; c++) for (let i = 0; i < 4; i++) variance[c]! += (w1.data as Float32Array)[c * 4 + i]! ** 2;
  const initializers = new Map<string, Tensor>([
    ["w1", w1],
    ["b1", b1],
    ["gamma", randomTensor([64], 23, 0.5, 1.5)],
    ["beta", randomTensor([64], 24, -0.5, 1)],
    ["mean", b1],
    ["var", new Tensor("float32", variance.map((v) => v - 1e-5), [64])],
    ["w2", randomTensor([32, 64, 1, 1], 25, -0.2, 0.3)],
  ]);
  return {
    irVersion: 8,
    opsets: { "": 17 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: "bn",
      inputs: [{ name: "x", dtype: "float32", shape: [1, 4, 64, 64] }],
      outputs: [{ name: "y", dtype: "float32", shape: [1, 32, 64, 64] }],
      initializers,
      quantized: new Map(),
      nodes: [
        node("Conv", ["x", "w1", "b1"], ["c1"]),
        node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["bn"]),
        node("Relu", ["bn"], ["r"]),
        node("Conv", ["r", "w2"], ["y"]),
      ],
      valueInfo: new Map(),
    },
  };
}

describe("compressModel() bias correction", () => {
  test("prepareForCompression records the BN statistics and the corrected bias cuts the output mean error", async () => {
    const model = bnModel();
    expect(prepareForCompression(model).statistics).toBe(1);
    expect(channelStatisticsOf(model).get("bn")?.mean.length).toBe(64);
    const x = new Tensor("float32", Float32Array.from(normals(4 * 64 * 64, 5)), [1, 4, 64, 64]);
    const run = async (m: Model) => (await (await InferenceSession.create(m)).run({ x }))["y"]!.data as Float32Array;
    const reference = await run(model);
    /** Mean over channels of |mean over pixels of the output error|. */
    const meanError = async (biasCorrection: boolean) => {
      const { model: q, report } = compressModel(model, { bits: 3, blockSize: 32, biasCorrection });
      expect(report.layers.find((l) => l.name.startsWith("w2"))?.storage).toBe("quantized");
      const out = await run(q);
      let total = 0;
      for (let c = 0; c < 32; c++) {
        let s = 0;
        for (let p = 0; p < 4096; p++) s += out[c * 4096 + p]! - reference[c * 4096 + p]!;
        total += Math.abs(s / 4096);
      }
      return { error: total / 32, note: report.layers.find((l) => l.name.startsWith("w2"))?.note ?? "" };
    };
    const plain = await meanError(false), corrected = await meanError(true);
    expect(plain.note).not.toContain("bias corrected");
    expect(corrected.note).toContain("bias corrected");
    expect(corrected.error).toBeLessThan(plain.error / 3);
  });
});
