// Compact 8-bit parameters in the bitloop format (1.2): log8 scales (Uint8 scale dtype + scale_ref) and
// fixed8 zero points round-trip exactly and take one byte per group; files of format 1.1 (written by the
// previous writer) still read; records the bytes cannot hold and corrupt references are rejected.
import { describe, expect, test } from "bun:test";
import * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../../src/errors.ts";
import {
  BITLOOP_HEADER_SIZE,
  BITLOOP_VERSION,
  dataOffsetOf,
  decodeHeader,
  encodeHeader,
  metaChecksumInput,
} from "../../../src/formats/bitloop/layout.ts";
import { readBitloop } from "../../../src/formats/bitloop/read.ts";
import {
  DType as FbDType,
  Model as FbModel,
  type Tensor as FbTensor,
  ZeroPointMode,
} from "../../../src/formats/bitloop/schema/generated/bitloop_generated.ts";
import { writeBitloop } from "../../../src/formats/bitloop/write.ts";
import { emptyGraph, type Model } from "../../../src/graph/graph.ts";
import type { WeightLayout } from "../../../src/graph/group_layout.ts";
import type { QuantizedTensor } from "../../../src/graph/quantized_tensor.ts";
import { dequantize } from "../../../src/quant/dequantize.ts";
import { quantize, type QuantizeOptions } from "../../../src/quant/quantize.ts";
import { randomTensor } from "../../_random.ts";

const OLD_1_1 = [
  "QklUTE9PUAABAAEAAAAAANADAAAAAAAATAEAAAAAAAAAAAAAAAAAABHgIRctPLhIjFUQlMn5pfQ7ZR4c3SPe3uSXgZuod9wiNPoa",
  "Lmop3Q20jxTBcEIzKJAwj4XOTUOqrYaYM4znMNkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABwAAABCTEZCAAASACgA",
  "HAAYABQAEAAMAAgABAASAAAAMAAAAFgAAABoAwAAaAMAAGwDAABwAwAACAAAAAAAAAAAAAAADAAMAAgAAAAAAAQADAAAAAgAAAAI",
  "AAAAAAAAAAcAAABiaXRsb29wABAAHAAYABQAEAAMAAgABAAQAAAAGAAAALwAAABEAgAARAIAAIwCAAD0AgAAAQAAABQAAAAQABgA",
  "FAAQAAAADAAIAAQAEAAAABQAAABIAAAAVAAAAGwAAAB0AAAAAQAAABAAAAAMABgAFAATAAAABAAMAAAAAQAAAAAAAAAAAAAAAAAA",
  "AgQAAAAGAAAAdHJhbnNCAAABAAAABAAAAAEAAAB5AAAAAgAAABAAAAAEAAAAAQAAAHcAAAABAAAAeAAAAAQAAABHZW1tAAAAAAIA",
  "AABtbQAAAgAAANwAAAAYAAAAFAAoACQAIwAcAAAAEAAIAAAABAAUAAAASAAAAAkAAAAAAAAAwAAAAAAAAAAAAAAAcAAAAAAAAAGA",
  "AAAAJAA0ADMAAAAAAAAALAAAAAAAKgApAAAAKAAAABwAFAAMAAQAJAAAAAwAAAAAAAAAQAEAAAAAAAAMAAAAAAAAAAABAAAAAAAA",
  "AAAAAAEDAQAIAAAAAAAAAwYAAABtaW5tYXgAAAIAAAADAAAAAAAAAAgAAAAAAAAAAAAAAAEAAABmAAAAFAAeABgAFwAQAAAAAAAI",
  "AAAABAAUAAAAQAAAAAwAAAAAAAAAfAAAAAAAAAGMAAAAAAAmADwAOwA0AAAAAAAwAAAAAAAuAC0AAAAAACwAJAAcABQADAAEACYA",
  "AAAAAAAAAIA0QAMAAAAAAAAAgAAAAAAAAAAMAAAAAAAAAEAAAAAAAAAACgMBAAwAAAAEAAAAAAAABAYAAABtaW5tYXgAAAIAAAAD",
  "AAAAAAAAAAgAAAAAAAAAAAAAAAEAAAB3AAAAAAAAAAEAAAAEAAAAsv///wwAAAAAAAABMAAAAAIAAAAYAAAABAAAAKj///8DAAAA",
  "AAAAAAAAAAG4////AQAAAAAAAAAAAAABAQAAAHkAAAABAAAAEAAAAAAACgAQAAwACwAEAAoAAAAMAAAAAAAAAUQAAAACAAAAKAAA",
  "AAwAAAAIABAADwAEAAgAAAAIAAAAAAAAAAAAAAEIABQAEwAEAAgAAAABAAAAAAAAAAAAAAAAAAABAQAAAHgAAAADAAAAb2xkAAAA",
  "AAABAAAAMAAAAAEAAAB0AAAAAQAAAAwAAAAIABQAEAAEAAgAAAARAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+Q6wzwH7DvOfUP0IAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "AAAAAAAAAAAAAAAAAAAAAP002DYrNpw0MTYGNgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "AAAAAACp2roAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/YXeQV+k",
  "J+QTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABGVaj9sglM/EwBWPwAAAAAA",
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAqQppA+4+TQA7kmEA=",
].join("");

const LAYOUTS: [number[], WeightLayout][] = [
  [[6, 5, 3, 3], { kind: "conv" }],
  [[8, 3, 2, 2], { kind: "conv_transpose", group: 2 }],
  [[2, 40, 9], { kind: "matmul_kn" }],
  [[9, 70], { kind: "matmul_nk" }],
  [[2, 12, 5], { kind: "rnn" }],
  [[11, 3, 2], { kind: "gather" }],
];

function modelWith(quantized: Map<string, QuantizedTensor>): Model {
  const graph = emptyGraph("main");
  for (const [k, q] of quantized) graph.quantized.set(k, q);
  return { graph, opsets: { "": 17 }, irVersion: 8, producer: { name: "t", version: "0" }, metadata: {} };
}

function plain(q: QuantizedTensor): unknown {
  return { ...q, data: [...q.data], scales: [...q.scales], zeros: q.zeros && [...q.zeros], dims: [...q.dims] };
}

function fbTensor(file: Uint8Array, name: string): FbTensor {
  const meta = file.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + decodeHeader(file).metaLength);
  const g = FbModel.getRootAsModel(new flatbuffers.ByteBuffer(meta)).graph()!;
  for (let i = 0; i < g.initializersLength(); i++) if (g.initializers(i)!.name() === name) return g.initializers(i)!;
  throw new Error(`no tensor ${name}`);
}

/** Recomputes the header checksums after an edit of the FlatBuffers block. */
async function reseal(file: Uint8Array): Promise<Uint8Array> {
  const digest = async (bytes: Uint8Array) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  const header = decodeHeader(file);
  header.metaSha256 = await digest(
    metaChecksumInput(file, file.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + header.metaLength)),
  );
  header.dataSha256 = await digest(file.subarray(dataOffsetOf(header.metaLength)));
  file.set(encodeHeader(header), 0);
  return file;
}

async function readError(file: Uint8Array): Promise<string> {
  try {
    await readBitloop(file);
    return "read succeeded";
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw new Error(`not a ModelFormatError: ${error}`, { cause: error });
    return error.message;
  }
}

describe("compact parameters in bitloop files (format 1.2)", () => {
  test("log8 scales with fixed8, integer or float zeros, every bit width and layout, round-trip exactly", async () => {
    const quantized = new Map<string, QuantizedTensor>();
    let seed = 1;
    for (const [dims, layout] of LAYOUTS) {
      for (let bits = 2; bits <= 8; bits++) {
        const options: QuantizeOptions = {
          bits,
          blockSize: [0, 2, 3, 32][bits % 4]!,
          symmetric: bits === 5,
          scaleDtype: bits === 7 ? "float16" : "log8",
          zeroPoint: bits === 6 ? "integer" : bits === 3 ? "float" : "fixed8",
          packing: bits === 3 ? "group" : "continuous",
          algorithm: (["minmax", "mse", "hqq"] as const)[bits % 3]!,
        };
        quantized.set(`${layout.kind}_${bits}`, {
          ...quantize(randomTensor(dims, seed++), layout, options),
          sqnr: bits,
        });
      }
    }
    const model = modelWith(quantized);
    for (const externalData of [false, true]) {
      const files = await writeBitloop(model, { externalData, sidecarName: "q.weight" });
      expect(decodeHeader(files.model).minor).toBe(2);
      const back = await readBitloop(files.model, { readSidecar: () => Promise.resolve(files.sidecar!) });
      for (const [name, q] of quantized) expect(plain(back.graph.quantized.get(name)!)).toEqual(plain(q));
      const again = await writeBitloop(back, { externalData, sidecarName: "q.weight" });
      expect(Buffer.from(again.model).equals(Buffer.from(files.model))).toBe(true);
    }
    expect(BITLOOP_VERSION).toEqual({ major: 1, minor: 2 });
  });

  test("one byte per scale and per zero point, the reference in the table, scale dtype Uint8", async () => {
    const q = quantize(randomTensor([16, 120], 3), { kind: "matmul_nk" }, {
      bits: 4,
      blockSize: 32,
      scaleDtype: "log8",
      zeroPoint: "fixed8",
    });
    const { model: file } = await writeBitloop(modelWith(new Map([["w", q]])));
    const quant = fbTensor(file, "w").quantization()!;
    expect(quant.scaleDtype()).toBe(FbDType.Uint8);
    expect(quant.zeroPointMode()).toBe(ZeroPointMode.Fixed8);
    expect(quant.scaleRef()).toBe(q.scaleRef!);
    expect(Number(quant.scalesLength())).toBe(64);
    expect(Number(quant.zerosLength())).toBe(64);
  });

  test("a format 1.1 file written by the previous writer still reads, fp16/integer and fp32/float records alike", async () => {
    const file = Uint8Array.from(atob(OLD_1_1), (c) => c.charCodeAt(0));
    expect(decodeHeader(file).minor).toBe(1);
    const model = await readBitloop(file);
    const w = model.graph.quantized.get("w")!;
    const f = model.graph.quantized.get("f")!;
    expect([w.bits, w.blockSize, w.scaleDtype, w.zeroPoint, w.scaleRef, w.sqnr]).toEqual(
      [4, 4, "float16", "integer", undefined, 20.5],
    );
    expect([f.bits, f.blockSize, f.scaleDtype, f.zeroPoint, f.scaleRef]).toEqual([3, 0, "float32", "float", undefined]);
    // The original weight (mk: sin(i·1.3)·(1 + i mod 5), [3, 8]) is reconstructed within half a step.
    for (const q of [w, f]) {
      const back = dequantize(q).data as Float32Array;
      const perGroup = q.scales.length / 3;
      for (let i = 0; i < 24; i++) {
        const scale = q.scales[Math.floor(i / (8 / perGroup))]!;
        expect(Math.abs(back[i]! - Math.sin(i * 1.3) * (1 + (i % 5)))).toBeLessThanOrEqual(scale * 0.5 + 1e-6);
      }
    }
  });

  test("writeBitloop rejects scales off the log8 grid, zeros off the fixed8 grid and a missing reference", async () => {
    const q = quantize(randomTensor([4, 64], 1), { kind: "matmul_nk" }, {
      bits: 4,
      blockSize: 32,
      scaleDtype: "log8",
      zeroPoint: "fixed8",
    });
    const bad = async (record: QuantizedTensor, pattern: RegExp) =>
      await expect(writeBitloop(modelWith(new Map([["w", record]])))).rejects.toThrow(pattern);
    const scales = q.scales.slice();
    scales[2] = Math.fround(scales[2]! * 1.01);
    await bad({ ...q, scales }, /"w": scale 2 is .*not a log8 value of reference/);
    const zeros = q.zeros!.slice();
    zeros[1] = 1 / 32;
    await bad({ ...q, zeros }, /"w": zero point 1 is 0\.03125, not a multiple of 1\/16 .*fixed8 at 4 bits/);
    const { scaleRef: _, ...noRef } = q;
    await bad(noRef, /"w": log8 scales need a positive float32 scaleRef/);
    await bad({ ...q, scaleDtype: "float32" }, /"w": a scaleRef only goes with log8 scales/);
  });

  test("a log8 tensor whose reference is zeroed in the file is a ModelFormatError", async () => {
    const q = quantize(randomTensor([4, 64], 2), { kind: "matmul_nk" }, { bits: 4, blockSize: 32, scaleDtype: "log8" });
    const { model: file } = await writeBitloop(modelWith(new Map([["w", q]])));
    const quant = fbTensor(file, "w").quantization()! as unknown as { bb: flatbuffers.ByteBuffer; bb_pos: number };
    const at = BITLOOP_HEADER_SIZE + quant.bb_pos + quant.bb.__offset(quant.bb_pos, 4 + 2 * 17);
    new DataView(file.buffer, file.byteOffset).setFloat32(at, 0, true);
    expect(await readError(await reseal(file))).toMatch(/"w" has log8 scales but scale reference 0/);
  });
});
