// IDSTQuan decoding: the type-1 buffer layout block by block (STYLE.md rule 11), the dequantization
// formulas, every other encoding, the errors, and DESIGN.md §6's facts checked on MNNConvert's own files.
import { describe, expect, test } from "bun:test";
import * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../../src/errors.ts";
import {
  decodeIdstQuan,
  idstHeaderBytes,
  idstIndexBits,
  type IdstQuanFields,
  parseIdstBuffer,
} from "../../../src/formats/mnn/mod.ts";
import { Convolution2D, Net, OpParameter } from "../../../src/formats/mnn/schema/generated/mnn_generated.ts";
import { float32ToFloat16Bits } from "../../../src/graph/float16.ts";
import { packMsbFirst } from "../../../src/formats/mnn/pack_msb_first.ts";
import { seededRandom } from "../../_random.ts";
import { HAVE_MNN, mnnBytes } from "./_mnn_files.ts";

/** MNNConvert's type-1 buffer for values `q` (−2^(b−1) .. 2^(b−1)−1) in `dims`. */
function encode(q: number[], dims: number[], bits: number, shapeInt32 = false): Uint8Array {
  const half = 1 << (bits - 1);
  const header = new Uint8Array(idstHeaderBytes(dims.length, shapeInt32));
  const view = new DataView(header.buffer);
  header[0] = dims.length;
  dims.forEach((d, k) => shapeInt32 ? view.setUint32(1 + 4 * k, d, true) : view.setUint16(1 + 2 * k, d, true));
  header[header.length - 1] = (1 << bits) & 0xff;
  const table = Uint8Array.from({ length: 1 << bits }, (_, i) => (i - half) & 0xff);
  const indices = packMsbFirst(Uint8Array.from(q, (v) => v + half), bits);
  return new Uint8Array([...header, ...table, ...indices]);
}

function fields(overrides: Partial<IdstQuanFields>): IdstQuanFields {
  return {
    type: 1,
    buffer: new Uint8Array(0),
    alpha: new Float32Array(0),
    alphaFp16: new Uint16Array(0),
    quantScale: 1,
    aMin: 0,
    readType: 0,
    hasScaleInt: false,
    shapeInt32: false,
    weightSize: 0,
    index: undefined,
    ...overrides,
  };
}

function formatError(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as ModelFormatError).format).toBe("mnn");
    return (error as Error).message;
  }
  throw new Error("expected a ModelFormatError");
}

describe("IDSTQuan type-1 buffer layout", () => {
  test("each block has its documented size: 1 + 2·ndim (4·ndim) + 1 header, 2^b table, ceil(N·b/8) indices", () => {
    const next = seededRandom(5);
    for (let bits = 1; bits <= 8; bits++) {
      for (const shapeInt32 of [false, true]) {
        const dims = [1 + Math.floor(next() * 40), 1 + Math.floor(next() * 70)];
        const n = dims[0]! * dims[1]!;
        const half = 1 << (bits - 1);
        const q = Array.from({ length: n }, () => Math.floor(next() * (1 << bits)) - half);
        const buffer = encode(q, dims, bits, shapeInt32);
        const header = idstHeaderBytes(2, shapeInt32);
        expect(header).toBe(shapeInt32 ? 10 : 6);
        expect(buffer.length).toBe(header + (1 << bits) + Math.ceil((n * bits) / 8));
        const parsed = parseIdstBuffer(buffer, shapeInt32, "t");
        expect(parsed.byteLength).toBe(buffer.length);
        expect(parsed.dims).toEqual(dims);
        expect(parsed.bits).toBe(bits);
        expect([...parsed.values]).toEqual(q);
      }
    }
  });

  test("a 256-entry table is written as size 0; index width follows the table size (MNN's atLestBitsCnt)", () => {
    const buffer = encode([-128, 127, 0], [1, 3], 8);
    expect(buffer[5]).toBe(0);
    expect([...parseIdstBuffer(buffer, false, "t").values]).toEqual([-128, 127, 0]);
    expect([1, 2, 3, 4, 5, 8, 9, 16, 17, 256].map(idstIndexBits)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 8]);
  });

  test("the table is sorted before use, as MNN's reader does; bytes after the indices are ignored", () => {
    const sorted = encode([1, -2, 0], [1, 3], 2);
    const shuffled = sorted.slice();
    shuffled.set([1, 0xfe, 0, 0xff], 6); // table 1, −2, 0, −1
    const extra = new Uint8Array([...sorted, 9, 9, 9]);
    for (const b of [shuffled, extra]) expect([...parseIdstBuffer(b, false, "t").values]).toEqual([1, -2, 0]);
  });

  test("uint32 dims (shapeInt32) carry rows over 65535", () => {
    const q = Array.from({ length: 70000 }, (_, i) => (i % 16) - 8);
    const parsed = parseIdstBuffer(encode(q, [70000, 1], 4, true), true, "t");
    expect(parsed.dims).toEqual([70000, 1]);
    expect(parsed.values[69999]).toBe((69999 % 16) - 8);
  });

  test("corrupt buffers are ModelFormatErrors that name the op and what is wrong", () => {
    const ok = encode([1, 2, 3, -4], [2, 2], 3);
    expect(formatError(() => parseIdstBuffer(new Uint8Array(0), false, "conv7"))).toBe(
      `Op "conv7": IDSTQuan buffer is empty`,
    );
    expect(formatError(() => parseIdstBuffer(Uint8Array.of(5, ...ok.subarray(1)), false, "c"))).toMatch(
      /declares 5 dims, expected 1\.\.4/,
    );
    expect(formatError(() => parseIdstBuffer(ok.subarray(0, ok.length - 1), false, "c"))).toMatch(
      /has 15 bytes; dims \[2, 2\] with a 8-entry table and 3-bit indices need 16/,
    );
    // a 5-entry table needs 3-bit indices, so index 7 can be written but is past the table
    const shortTable = Uint8Array.of(
      2,
      2,
      0,
      2,
      0,
      5,
      0xfe,
      0xff,
      0,
      1,
      2,
      ...packMsbFirst(Uint8Array.of(0, 1, 7, 2), 3),
    );
    expect(formatError(() => parseIdstBuffer(shortTable, false, "c"))).toMatch(
      /index 7 at weight 2 is past its 5-entry/,
    );
  });
});

describe("decodeIdstQuan()", () => {
  const q = [-8, -1, 0, 7, 3, -5];
  const buffer = encode(q, [2, 3], 4);

  test("symmetric: w = q·scale per group, readType 0", () => {
    const d = decodeIdstQuan(fields({ buffer, alpha: Float32Array.of(0.5, 0.25) }), "c");
    expect([...d.weight]).toEqual([-4, -0.5, 0, 1.75, 0.75, -1.25]);
    expect(d).toMatchObject({ kind: "quantized", bits: 4, groups: 2, groupSize: 3, asymmetric: false, aMin: 0 });
  });

  test("asymmetric: w = (q − aMin)·scale + min with [min, scale] pairs, in MNN's float32 steps", () => {
    const alpha = Float32Array.of(-1, 0.1, 2, 0.3);
    const d = decodeIdstQuan(fields({ buffer, alpha, aMin: -8, readType: 2 }), "c");
    const f = Math.fround;
    const expected = q.map((v, i) => {
      const [min, scale] = i < 3 ? [alpha[0]!, alpha[1]!] : [alpha[2]!, alpha[3]!];
      return f(f(v * scale) + f(min - f(-8 * scale)));
    });
    expect([...d.weight]).toEqual(expected);
    expect(d.weight[0]).toBeCloseTo(-1, 6); // q = aMin decodes to min
    expect([...d.mins!]).toEqual([...Float32Array.of(-1, 2)]);
    expect(d.aMin).toBe(-8);
  });

  test("aMin 0 means −128; quantScale multiplies every alpha unless has_scaleInt", () => {
    const b8 = encode([-128, 0], [1, 2], 8);
    expect([...decodeIdstQuan(fields({ buffer: b8, alpha: Float32Array.of(1, 0.5), readType: 1 }), "c").weight])
      .toEqual([1, 65]);
    expect([...decodeIdstQuan(fields({ buffer, alpha: Float32Array.of(0.5, 0.25), quantScale: 2 }), "c").weight])
      .toEqual([-8, -1, 0, 3.5, 1.5, -2.5]);
    const scaleInt = fields({ buffer, alpha: Float32Array.of(0.5, 0.25), quantScale: 2, hasScaleInt: true });
    expect(decodeIdstQuan(scaleInt, "c").weight[0]).toBe(-4);
  });

  test("FP16 scales come from alphaFp16 when alpha is empty", () => {
    const alphaFp16 = Uint16Array.from([-1, 0.1, 2, 0.3], float32ToFloat16Bits);
    const d = decodeIdstQuan(fields({ buffer, alphaFp16, aMin: -8, readType: 2 }), "c");
    expect(d.fp16Scales).toBe(true);
    expect(d.scales![0]).toBe(0.0999755859375); // 0.1 in half precision
  });

  test("type 3 is little-endian IEEE half, type 4 raw int8, index a sparse tensor", () => {
    const halves = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer);
    const fp16 = decodeIdstQuan(fields({ type: 3, buffer: halves }), "c");
    expect(fp16.kind).toBe("float16");
    expect([...fp16.weight]).toEqual([1, -2, 0.333251953125]);
    const raw = decodeIdstQuan(fields({ type: 4, buffer: Uint8Array.of(0xff, 2), alpha: Float32Array.of(0.5) }), "c");
    expect([...raw.weight]).toEqual([-0.5, 1]);
    const sparse = decodeIdstQuan(
      fields({ index: Uint32Array.of(3, 0), alpha: Float32Array.of(1.5, -2), weightSize: 5 }),
      "c",
    );
    expect([...sparse.weight]).toEqual([-2, 0, 0, 1.5, 0]);
  });

  test("unsupported or inconsistent encodings are ModelFormatErrors", () => {
    expect(formatError(() => decodeIdstQuan(fields({ type: 2, buffer }), "c"))).toMatch(/type 2\) are not supported/);
    expect(formatError(() => decodeIdstQuan(fields({ type: 9, buffer }), "c"))).toMatch(/unknown IDSTQuan type 9/);
    expect(formatError(() => decodeIdstQuan(fields({ buffer, alpha: Float32Array.of(1, 2, 3, 4) }), "c"))).toMatch(
      /4 alpha values do not split 6 weights into equal groups/,
    );
    expect(formatError(() => decodeIdstQuan(fields({ buffer, alpha: Float32Array.of(1, 2, 3), readType: 1 }), "c")))
      .toMatch(/3 asymmetric alpha values/);
    expect(formatError(() => decodeIdstQuan(fields({ type: 3, buffer: Uint8Array.of(1, 2, 3) }), "c"))).toMatch(
      /odd length 3/,
    );
    const sparse = fields({ index: Uint32Array.of(9), alpha: Float32Array.of(1), weightSize: 5 });
    expect(formatError(() => decodeIdstQuan(sparse, "c"))).toMatch(/index 9 is past weightSize 5/);
  });
});

describe.skipIf(!HAVE_MNN)("DESIGN.md §6 on MNNConvert's own files", () => {
  test("every quantized conv: dims {groups, groupSize}, table −2^(b−1)..2^(b−1)−1, nothing after the indices", () => {
    const expectations = [
      { file: "cls.w8", bits: 8, asymmetric: true },
      { file: "cls.w8sym", bits: 8, asymmetric: false },
      { file: "cls.w4", bits: 4, asymmetric: true },
      { file: "cls.w3b32hqq", bits: 3, asymmetric: true },
      { file: "rec.w4b32", bits: 4, asymmetric: true },
    ];
    for (const { file, bits, asymmetric } of expectations) {
      const net = Net.getRootAsNet(new flatbuffers.ByteBuffer(mnnBytes(`${file}.mnn`)));
      let convs = 0;
      for (let i = 0; i < net.oplistsLength(); i++) {
        const op = net.oplists(i)!;
        if (op.mainType() !== OpParameter.Convolution2D) continue;
        const quan = (op.main(new Convolution2D()) as Convolution2D).quanParameter()!;
        const buffer = new Uint8Array(quan.bufferArray()!.slice().buffer);
        const parsed = parseIdstBuffer(buffer, quan.shapeInt32(), op.name()!);
        const groups = asymmetric ? quan.alphaLength() / 2 : quan.alphaLength();
        expect(quan.type()).toBe(1);
        expect(parsed.byteLength).toBe(buffer.length);
        expect(parsed.dims[0]).toBe(groups);
        expect([...parsed.table]).toEqual(Array.from({ length: 1 << bits }, (_, k) => k - (1 << (bits - 1))));
        expect(quan.aMaxOrBits()).toBe(bits);
        expect(quan.quantScale()).toBe(1);
        expect(quan.readType()).toBe(asymmetric ? groups : 0);
        if (asymmetric) expect(quan.aMin()).toBe(-(1 << (bits - 1)));
        convs++;
      }
      expect(convs).toBeGreaterThan(40);
    }
  });
});
