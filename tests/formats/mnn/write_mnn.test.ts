// The MNN writer (src/formats/mnn/write_mnn.ts): a file re-written unchanged re-reads field for field
// identical (every PP-OCR file and every MNN benchmark graph); quantized updates read back through bitloop's
// MNN reader as exactly the quantizer's codes, scales and minimums; external data lands at absolute,
// back-to-back offsets; files with fields or union members bitloop's schema lacks are refused.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ModelFormatError, UnsupportedOpError } from "../../../src/errors.ts";
import {
  diffFlatBufferTrees,
  MNN_CONV_OP_TYPES,
  MNN_SCHEMA,
  type MnnNet,
  type MnnWeightUpdate,
  readFlatBufferTree,
  readMnnWeights,
  writeMnn,
} from "../../../src/formats/mnn/mod.ts";
import { float16ToFloat32Array, float32ToFloat16Array } from "../../../src/graph/float16.ts";
import { groupLengths } from "../../../src/graph/group_layout.ts";
import { unpack } from "../../../src/graph/pack.ts";
import type { QuantizedTensor } from "../../../src/graph/quantized_tensor.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { dequantize, quantize } from "../../../src/quant/mod.ts";
import { HAVE_MNN, MNN_DIR, mnnBytes } from "./_mnn_files.ts";

const BENCH = HAVE_MNN ? readdirSync(join(MNN_DIR, "benchmark-structure")).filter((f) => f.endsWith(".mnn")) : [];
const ROUND_TRIP = ["cls.mnn", "rec.mnn", "det.mnn", "cls.w4b32.mnn", "cls.w4s16.mnn", "cls.fp16.mnn", "det.w8.mnn"];

function sameFields(before: Uint8Array, after: Uint8Array): string[] {
  const a = readFlatBufferTree(before, MNN_SCHEMA);
  const b = readFlatBufferTree(after, MNN_SCHEMA);
  expect(a.gaps).toEqual([]);
  expect(b.gaps).toEqual([]);
  return diffFlatBufferTrees(a.root, b.root);
}

interface Setting {
  bits: number;
  block: number;
  symmetric: boolean;
  fp16Scales: boolean;
}

/** Quantizes every float convolution of `net` as MNN groups it (min-max, float zero points). */
function quantizeAll(net: MnnNet, s: Setting): Map<number, QuantizedTensor> {
  const out = new Map<number, QuantizedTensor>();
  for (const op of net.ops) {
    const c = op.convolution;
    if (c?.encoding !== "float" || !c.weightDims) continue;
    const deconv = op.type === MNN_CONV_OP_TYPES.Deconvolution || op.type === MNN_CONV_OP_TYPES.DeconvolutionDepthwise;
    const oc = c.common.outputCount;
    const dims = deconv ? [oc, c.weight!.length / oc, 1, 1] : c.weightDims;
    const block = deconv || dims[1]! % s.block !== 0 ? 0 : s.block;
    out.set(
      op.index,
      quantize(new Tensor("float32", c.weight!, dims), { kind: "conv" }, {
        bits: s.bits,
        blockSize: block,
        symmetric: s.symmetric,
        algorithm: "minmax",
        zeroPoint: "float",
        scaleDtype: s.fp16Scales ? "float16" : "float32",
      }),
    );
  }
  return out;
}

const half = (x: number) => float16ToFloat32Array(float32ToFloat16Array([x]))[0]!;

/** The reader's view of each updated op equals the quantizer's codes, scales and minimums. */
function expectSameQuantization(read: MnnNet, quantized: Map<number, QuantizedTensor>, s: Setting): void {
  for (const [index, q] of quantized) {
    const conv = read.ops[index]!.convolution!;
    const r = conv.quantization!;
    expect({ encoding: conv.encoding, bits: r.bits, asymmetric: r.asymmetric, fp16: r.fp16Scales }).toEqual({
      encoding: "quantized",
      bits: s.bits,
      asymmetric: !s.symmetric,
      fp16: s.fp16Scales,
    });
    const codes = dequantizeCodes(q);
    const shift = 1 << (s.bits - 1);
    expect(Array.from(r.values, (v) => v + shift)).toEqual(Array.from(codes));
    expect(Array.from(r.scales)).toEqual(Array.from(q.scales));
    if (!s.symmetric) {
      const mins = Array.from(q.scales, (sc, g) => Math.fround(-q.zeros![g]! * sc));
      expect(Array.from(r.mins!)).toEqual(s.fp16Scales ? mins.map(half) : mins);
      expect(r.aMin).toBe(-shift);
    }
    // The dequantized weights agree with the quantizer's own to float rounding (exact but for fp16 minimums).
    const mine = dequantize(q).data as Float32Array;
    let worst = 0, scale = 0;
    for (let i = 0; i < mine.length; i++) {
      worst = Math.max(worst, Math.abs(mine[i]! - conv.weight![i]!));
      scale = Math.max(scale, Math.abs(mine[i]!));
    }
    expect(worst).toBeLessThanOrEqual(scale * (s.fp16Scales && !s.symmetric ? 2e-3 : 1e-6));
  }
}

/** The unsigned codes of `q` in storage order. */
function dequantizeCodes(q: QuantizedTensor): Uint8Array {
  const count = q.dims.reduce((x, y) => x * y, 1);
  return unpack(q.data, q.bits, count, q.packing === "group" ? groupLengths(q.layout) : undefined);
}

describe.skipIf(!HAVE_MNN)("MNN writer", () => {
  for (const file of [...ROUND_TRIP, ...BENCH.map((f) => `benchmark-structure/${f}`)]) {
    test(`${file} re-written unchanged re-reads field for field identical`, async () => {
      const bytes = mnnBytes(file);
      const { model, sidecar } = await writeMnn(bytes);
      expect(sidecar).toBeUndefined();
      expect(sameFields(bytes, model)).toEqual([]);
      const identical = model.length === bytes.length && model.every((b, i) => b === bytes[i]);
      console.log(`${file}: ${bytes.length} bytes in, ${model.length} out, byte-identical: ${identical}`);
    });
  }

  const SETTINGS: Setting[] = [
    { bits: 8, block: 0, symmetric: false, fp16Scales: false },
    { bits: 8, block: 0, symmetric: true, fp16Scales: false },
    { bits: 4, block: 32, symmetric: false, fp16Scales: false },
    { bits: 4, block: 0, symmetric: true, fp16Scales: true },
    { bits: 4, block: 32, symmetric: false, fp16Scales: true },
    { bits: 3, block: 32, symmetric: false, fp16Scales: false },
  ];
  const CASES: [string, Setting[]][] = [
    ["cls", SETTINGS],
    ["det", [SETTINGS[2]!, SETTINGS[3]!]],
    ["rec", [SETTINGS[0]!, SETTINGS[4]!]],
  ];
  for (const [model, settings] of CASES) {
    for (const s of settings) {
      const label = `${s.bits}-bit ${s.block ? `block ${s.block}` : "per channel"} ${s.symmetric ? "sym" : "asym"}` +
        `${s.fp16Scales ? " fp16 scales" : ""}`;
      test(`${model}.mnn at ${label} reads back as the quantizer's codes, scales and minimums`, async () => {
        const bytes = mnnBytes(`${model}.mnn`);
        const quantized = quantizeAll(await readMnnWeights(bytes), s);
        const updates = new Map<number, MnnWeightUpdate>(
          [...quantized].map(([i, tensor]) => [i, { kind: "quantized", tensor }]),
        );
        const { model: out } = await writeMnn(bytes, { updates, fp16Scales: s.fp16Scales });
        expectSameQuantization(await readMnnWeights(out), quantized, s);
        // Everything but the updated convolutions is as it was.
        const diffs = sameFields(bytes, out);
        expect(diffs.every((d) => /^Net\.3\[\d+\]\.2\(Convolution2D\)\.[13]/.test(d))).toBe(true);
        console.log(`${model} ${label}: ${quantized.size} convolutions, ${bytes.length} → ${out.length} bytes`);
      });
    }
  }

  test("external data: absolute back-to-back offsets inside the weight file, decoding as the inline file", async () => {
    const bytes = mnnBytes("cls.mnn");
    const s = SETTINGS[2]!;
    const quantized = quantizeAll(await readMnnWeights(bytes), s);
    const updates = new Map<number, MnnWeightUpdate>(
      [...quantized].map(([i, tensor]) => [i, { kind: "quantized", tensor }]),
    );
    const inline = await writeMnn(bytes, { updates });
    const ext = await writeMnn(bytes, { updates, externalData: true });
    expect(ext.sidecar!.length).toBeGreaterThan(0);
    expect(ext.model.length).toBeLessThan(inline.model.length / 4);
    const { root } = readFlatBufferTree(ext.model, MNN_SCHEMA);
    const ops = root.fields[3]!.kind === "tables" ? root.fields[3]!.items : [];
    let next = 0;
    for (const op of ops) {
      const main = op.fields[2];
      if (main?.kind !== "table" || main.table.type !== "Convolution2D") continue;
      const f = main.table.fields[6];
      expect(f?.kind).toBe("vector");
      const v = f!.kind === "vector" ? new BigInt64Array(f!.bytes.slice().buffer) : new BigInt64Array(0);
      const [offset, ...sizes] = Array.from(v, Number);
      expect(offset).toBe(next);
      expect(sizes.length).toBe(main.table.fields[3] ? 4 : 2);
      next = offset! + sizes.reduce((a, b) => a + b, 0);
      expect(next).toBeLessThanOrEqual(ext.sidecar!.length);
    }
    expect(next).toBe(ext.sidecar!.length);
    const a = await readMnnWeights(inline.model);
    const b = await readMnnWeights(ext.model, { readSidecar: () => Promise.resolve(ext.sidecar!) });
    for (const op of a.ops) {
      expect(b.ops[op.index]!.convolution?.weight).toEqual(op.convolution?.weight);
      expect(b.ops[op.index]!.convolution?.bias).toEqual(op.convolution?.bias);
    }
    // A model with external data re-written inline equals the one written inline from the start.
    const again = await writeMnn(ext.model, { readSidecar: () => Promise.resolve(ext.sidecar!) });
    expect(sameFields(inline.model, again.model)).toEqual([]);
  });

  test("fp16 weights (IDSTQuan type 3) read back as the halves of the float weights", async () => {
    const bytes = mnnBytes("cls.mnn");
    const net = await readMnnWeights(bytes);
    const op = net.ops.find((o) => o.convolution?.weight && o.convolution.weight.length > 1000)!;
    const weight = op.convolution!.weight!;
    const { model } = await writeMnn(bytes, { updates: new Map([[op.index, { kind: "float16", weight }]]) });
    const back = (await readMnnWeights(model)).ops[op.index]!.convolution!;
    expect(back.encoding).toBe("float16");
    expect(back.weight).toEqual(float16ToFloat32Array(float32ToFloat16Array(weight)));
  });

  test("an update that does not fit its op is a RangeError naming it", async () => {
    const bytes = mnnBytes("cls.mnn");
    const net = await readMnnWeights(bytes);
    const op = net.ops.find((o) => o.convolution?.weight)!;
    const weight = new Float32Array(op.convolution!.weight!.length + 1);
    const updates = new Map<number, MnnWeightUpdate>([[op.index, { kind: "float16", weight }]]);
    await expect(writeMnn(bytes, { updates })).rejects.toThrow(new RegExp(`Cannot update op "${op.name}"`));
    await expect(writeMnn(bytes, { updates: new Map([[0, { kind: "float16", weight }]]) })).rejects.toThrow(RangeError);
  });

  test("a set field bitloop's schema does not know (a patched vtable) is refused, naming op, table and fix", async () => {
    // cls.w4b32.ext.mnn's convolutions store slots 0, 3 and 6, so their vtable has zero entries for slots 4
    // and 5 (symmetricQuan, sparseParameter); point slot 4 at the table's first field.
    const bytes = mnnBytes("cls.w4b32.ext.mnn").slice();
    const view = new DataView(bytes.buffer);
    const { root } = readFlatBufferTree(bytes, MNN_SCHEMA);
    expect(root.type).toBe("Net");
    const opsAt = (() => {
      const net = view.getUint32(0, true);
      const vt = net - view.getInt32(net, true);
      const fo = view.getUint16(vt + 4 + 2 * 3, true);
      return net + fo + view.getUint32(net + fo, true);
    })();
    let patched = "";
    for (let k = 0; k < view.getUint32(opsAt, true) && !patched; k++) {
      const op = opsAt + 4 + 4 * k + view.getUint32(opsAt + 4 + 4 * k, true);
      const ovt = op - view.getInt32(op, true);
      if (view.getUint8(op + view.getUint16(ovt + 6, true)) !== 9) continue;
      const mainAt = op + view.getUint16(ovt + 8, true);
      const conv = mainAt + view.getUint32(mainAt, true);
      const cvt = conv - view.getInt32(conv, true);
      expect(view.getUint16(cvt, true)).toBeGreaterThanOrEqual(4 + 2 * 7);
      view.setUint16(cvt + 4 + 2 * 4, view.getUint16(cvt + 4, true), true);
      const nameAt = op + view.getUint16(ovt + 4 + 2 * 3, true);
      const name = nameAt + view.getUint32(nameAt, true);
      patched = new TextDecoder().decode(bytes.subarray(name + 4, name + 4 + view.getUint32(name, true)));
    }
    const readSidecar = () => Promise.resolve(mnnBytes("cls.w4b32.ext.mnn.weight"));
    expect((await readMnnWeights(bytes, { readSidecar })).ops.length).toBeGreaterThan(0); // the reader skips it
    const error = await writeMnn(bytes, { readSidecar }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOpError);
    const e = error as UnsupportedOpError;
    expect(e.message).toContain(`op "${patched}" (Convolution`);
    expect(e.message).toContain("stores field 4 of table Convolution2D, which bitloop's MNN schema does not know");
    expect(e.message).toContain("--format bitloop");
    expect(e.attribute).toBe("Convolution2D.4");
  });

  test("an OpParameter member bitloop's schema does not know is refused, naming the op and the member", async () => {
    const bytes = mnnBytes("cls.mnn").slice();
    const view = new DataView(bytes.buffer);
    const net = view.getUint32(0, true);
    const vt = net - view.getInt32(net, true);
    const fo = view.getUint16(vt + 4 + 2 * 3, true);
    const ops = net + fo + view.getUint32(net + fo, true);
    const op = ops + 4 + view.getUint32(ops + 4, true); // the first op (an Input)
    const ovt = op - view.getInt32(op, true);
    view.setUint8(op + view.getUint16(ovt + 6, true), 45); // QuantizeMaxMin
    const error = await writeMnn(bytes).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOpError);
    expect((error as Error).message).toMatch(/op ".*" \(Input, #0\) has parameters of OpParameter member 45/);
  });

  test("a corrupt file is a ModelFormatError, as for the reader", async () => {
    const bytes = mnnBytes("cls.mnn").slice(0, 5000);
    await expect(writeMnn(bytes)).rejects.toBeInstanceOf(ModelFormatError);
  });
});
