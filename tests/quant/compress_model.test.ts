import { describe, expect, test } from "bun:test";
import { writeBitloop } from "../../src/formats/bitloop/write.ts";
import { loadModel } from "../../src/formats/load.ts";
import type { Graph } from "../../src/graph/graph.ts";
import { compressModel } from "../../src/quant/compress_model.ts";
import { parseCompressionPolicy } from "../../src/quant/compression_policy.ts";
import { dequantize } from "../../src/quant/dequantize.ts";
import { reconstructionError, storageBits } from "../../src/quant/metrics.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";
import { zooPath } from "../zoo/zoo.ts";
import { compressFixture, FIXTURE_WEIGHTS } from "./_compress_fixture.ts";

const sorted = (keys: Iterable<string>) => [...keys].sort();

describe("compressModel()", () => {
  test("quantizes one weight of every kind once, keeps biases float32, and leaves its input as it was", () => {
    const model = compressFixture();
    const { model: out, report } = compressModel(model, { bits: 4, blockSize: 8, minSize: 0 });
    const g = out.graph;
    expect(sorted(g.quantized.keys())).toEqual(["R", "W", "table", "w_conv", "w_ct", "w_dw", "w_fc", "w_mm"]);
    expect(sorted(g.initializers.keys())).toEqual(["B", "b_conv", "b_fc", "w_sq"]);
    expect(g.quantized.get("w_ct")!.layout.kind).toBe("conv_transpose");
    expect(g.quantized.get("w_fc")!.layout.kind).toBe("matmul_nk");
    expect(g.quantized.get("table")!.layout.kind).toBe("gather");
    expect(g.quantized.get("W")!.layout.kind).toBe("rnn");
    // The input model is untouched.
    expect(model.graph.quantized.size).toBe(0);
    expect(sorted(model.graph.initializers.keys()).length).toBe(12);
    const sq = report.layers.find((l) => l.name === "w_sq")!;
    expect(sq.storage).toBe("float");
    expect(sq.note).toMatch(/readers need different weight layouts \(matmul_m5: matmul_kn, matmul_m6: matmul_nk\)/);
    const mm = report.layers.find((l) => l.name === "w_mm")!;
    expect(mm.nodes).toEqual(["matmul_m1", "matmul_m2"]);
    expect(report.layers.map((l) => l.name)).toEqual([
      "w_conv",
      "w_dw",
      "w_ct",
      "w_fc",
      "table",
      "w_mm",
      "w_sq",
      "W",
      "R",
    ]);
  });

  test("the report's bits, block, algorithm, bytes and SQNR are those of the stored records", () => {
    const model = compressFixture();
    const { model: out, report } = compressModel(model, { bits: 3, blockSize: 5, minSize: 0, algorithm: "mse" });
    for (const layer of report.layers.filter((l) => l.storage === "quantized")) {
      const q = out.graph.quantized.get(layer.name)!;
      const original = model.graph.initializers.get(layer.name)!.data as Float32Array;
      const sqnr = Math.round(reconstructionError(original, dequantize(q).data as Float32Array).sqnr * 1000) / 1000;
      expect({ name: layer.name, bits: q.bits, block: q.blockSize, algo: q.algorithm, sqnr: q.sqnr }).toEqual({
        name: layer.name,
        bits: 3,
        block: 5,
        algo: "mse",
        sqnr,
      });
      expect(layer).toMatchObject({ bits: 3, blockSize: 5, symmetric: false, algorithm: "mse", sqnr });
      expect(layer.bytesAfter).toBe(Math.ceil(storageBits(q).total / 8));
      expect(layer.bytesBefore).toBe(original.length * 4);
      expect(q.scaleDtype).toBe("log8"); // the default at 2–4 bits
      expect(q.zeroPoint).toBe("integer");
    }
    const t = report.totals;
    expect(t.quantized + t.fp16 + t.float).toBe(report.layers.length);
    expect(t.bytesAfter).toBeLessThan(t.bytesBefore / 4);
  });

  test("weights below the minimum size stay float32 unless a policy rule gives them bits", () => {
    const { model: out, report } = compressModel(compressFixture());
    expect(sorted(out.graph.quantized.keys())).toEqual(["w_conv"]);
    expect(report.layers.find((l) => l.name === "w_dw")!.note).toBe("below the minimum size of 1024 elements");
    const policy = parseCompressionPolicy({ "w_dw": { bits: 8 } });
    const again = compressModel(compressFixture(), { policy });
    expect(sorted(again.model.graph.quantized.keys())).toEqual(["w_conv", "w_dw"]);
    expect(again.model.graph.quantized.get("w_dw")!.bits).toBe(8);
  });

  test("smallSize puts weights from minSize up to it at smallBits (off by default); a policy rule's bits win", () => {
    const bitsOf = (o: Parameters<typeof compressModel>[1]) => {
      const q = compressModel(compressFixture(), o).model.graph.quantized;
      return Object.fromEntries(sorted(q.keys()).map((k) => [k, q.get(k)!.bits]));
    };
    const plain = bitsOf({ bits: 3, minSize: 200 });
    expect(Object.values(plain).every((b) => b === 3)).toBe(true);
    // Sizes: w_conv 3456, table 600, w_ct 384, w_mm 240, w_dw 216, W 192 (under minSize: float); w_sq is
    // read in two layouts and stays float either way.
    expect(bitsOf({ bits: 3, minSize: 200, smallSize: 500 })).toEqual({
      ...plain,
      w_ct: 8,
      w_mm: 8,
      w_dw: 8,
    });
    const policy = parseCompressionPolicy({ "w_dw": { bits: 4 } });
    expect(bitsOf({ bits: 3, minSize: 200, smallSize: 500, smallBits: 6, policy })).toMatchObject({ w_dw: 4, w_mm: 6 });
    expect(bitsOf({ bits: 8, minSize: 200, smallSize: 500, smallBits: 6 }).w_mm).toBe(8);
    expect(() => compressModel(compressFixture(), { smallBits: 9 })).toThrow(RangeError);
  });

  test("a policy applies its rules in order by weight or node name, globs included, and reports unused ones", () => {
    const policy = parseCompressionPolicy([
      { match: "*", bits: 3 },
      { match: "w_c*", bits: 6, block: 0, symmetric: true },
      { match: "gather_*", skip: true },
      { match: "lstm_Y", fp16: true },
      { match: "no_such_layer*", bits: 2 },
    ]);
    const { model: out, report } = compressModel(compressFixture(), { policy, minSize: 0, blockSize: 4 });
    const q = out.graph.quantized;
    expect(q.get("w_conv")).toMatchObject({ bits: 6, blockSize: 0, symmetric: true });
    expect(q.get("w_ct")).toMatchObject({ bits: 6, blockSize: 0 });
    expect(q.get("w_dw")).toMatchObject({ bits: 3, blockSize: 4, symmetric: false });
    expect(q.has("table")).toBe(false);
    expect(report.layers.find((l) => l.name === "table")!.note).toBe("skipped by the policy");
    // LSTM weights stored as FP16: float16 initializers widened by a Cast that produces the old name.
    expect(out.graph.initializers.get("W__fp16")!.type).toBe("float16");
    const cast = out.graph.nodes.find((n) => n.outputs[0] === "W")!;
    expect(cast).toMatchObject({ op: "Cast", inputs: ["W__fp16"], attributes: { to: { kind: "int", value: 1 } } });
    expect(report.layers.find((l) => l.name === "R")).toMatchObject({ storage: "fp16", bits: 16, bytesAfter: 288 });
    expect(report.unusedPatterns).toEqual(["no_such_layer*"]);
  });

  test("fp16 stores every weight as half, SQNR measured, biases float32", () => {
    const { model: out, report } = compressModel(compressFixture(), { fp16: true, minSize: 0 });
    expect(out.graph.quantized.size).toBe(0);
    const halves = [...out.graph.initializers].filter(([, t]) => t.type === "float16").map(([k]) => k);
    expect(halves.sort()).toEqual(Object.keys(FIXTURE_WEIGHTS).map((k) => `${k}__fp16`).sort());
    for (const bias of ["B", "b_conv", "b_fc"]) expect(out.graph.initializers.get(bias)!.type).toBe("float32");
    for (const l of report.layers) {
      expect(l.storage).toBe("fp16");
      expect(l.sqnr!).toBeGreaterThan(60);
    }
  });

  test("bad options are RangeErrors that name the option", () => {
    expect(() => compressModel(compressFixture(), { bits: 9 })).toThrow(/bits must be an integer from 2 to 8, got 9/);
    expect(() => compressModel(compressFixture(), { bits: 1 })).toThrow(RangeError);
    expect(() => compressModel(compressFixture(), { blockSize: -1 })).toThrow(/Block size must be a whole number/);
    expect(() => compressModel(compressFixture(), { minSize: 0.5 })).toThrow(/minimum size/);
  });

  test("compressing is deterministic: the same model and options write the same bytes", async () => {
    const a = await writeBitloop(compressModel(compressFixture(), { bits: 4, blockSize: 8, minSize: 0 }).model);
    const b = await writeBitloop(compressModel(compressFixture(), { bits: 4, blockSize: 8, minSize: 0 }).model);
    expect(Buffer.from(a.model).equals(Buffer.from(b.model))).toBe(true);
  });
});

describe("parseCompressionPolicy()", () => {
  test("rejects unknown fields, bad values and contradictions, naming the rule", () => {
    expect(() => parseCompressionPolicy({ conv1: { bitz: 4 } })).toThrow(/rule "conv1": unknown field "bitz"/);
    expect(() => parseCompressionPolicy({ conv1: { bits: 9 } })).toThrow(/rule "conv1": bits must be an integer/);
    expect(() => parseCompressionPolicy({ a: { block: -2 } })).toThrow(/block must be a whole number/);
    expect(() => parseCompressionPolicy({ a: { algo: "gptq" } })).toThrow(/algo must be one of minmax, mse, hqq/);
    expect(() => parseCompressionPolicy({ a: { skip: "yes" } })).toThrow(/skip must be true or false/);
    expect(() => parseCompressionPolicy({ a: { fp16: true, bits: 4 } })).toThrow(/contradict/);
    expect(() => parseCompressionPolicy([{ bits: 4 }])).toThrow(/item 0 must be an object with a "match"/);
    expect(() => parseCompressionPolicy(42)).toThrow(TypeError);
    expect(parseCompressionPolicy({ layers: { a: { bits: 4 } } }).rules[0]!.pattern).toBe("a");
  });
});

describe("prepareForCompression() + compressModel() on Silero v5", () => {
  test("the LSTM weights inside If branches are folded from the outer weights and quantized", async () => {
    const model = await loadModel(zooPath("silero_v5"));
    const prepared = prepareForCompression(model);
    expect(prepared.dropped).toBeGreaterThan(0);
    const { model: out, report } = compressModel(model, { bits: 4, blockSize: 32 });
    const lstm = report.layers.filter((l) => l.op === "LSTM");
    // W and R of the 8 LSTM nodes; the decoder If's two branches hold byte-identical copies, merged.
    expect(prepared.merged).toBeGreaterThan(0);
    expect(lstm.length).toBe(4);
    expect(lstm.every((l) => l.storage === "quantized" && l.sqnr! > 15)).toBe(true);
    // The float originals the folding consumed are gone from the model.
    const floats = (g: Graph): number =>
      [...g.initializers.values()].filter((t) => t.type === "float32").reduce((n, t) => n + t.size, 0) +
      g.nodes.flatMap((n) => Object.values(n.attributes)).reduce(
        (n, a) => n + (a.kind === "graph" ? floats(a.value) : 0),
        0,
      );
    expect(floats(out.graph)).toBeLessThan(20_000);
  });
});
