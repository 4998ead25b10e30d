// Quantized weights in the bitloop format (1.1): exact round trips of codes, scales and zero points for
// every setting, 64-byte aligned parts in the data section or the sidecar, and corrupt quantization
// tables rejected as ModelFormatErrors.
import { describe, expect, test } from "bun:test";
import * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../../src/errors.ts";
import {
  BITLOOP_HEADER_SIZE,
  dataOffsetOf,
  decodeHeader,
  encodeHeader,
  metaChecksumInput,
} from "../../../src/formats/bitloop/layout.ts";
import { readBitloop } from "../../../src/formats/bitloop/read.ts";
import {
  DataLocation,
  Model as FbModel,
  type Quantization as FbQuantization,
  type Tensor as FbTensor,
} from "../../../src/formats/bitloop/schema/generated/bitloop_generated.ts";
import { writeBitloop } from "../../../src/formats/bitloop/write.ts";
import { emptyGraph, type Model } from "../../../src/graph/graph.ts";
import type { WeightLayout } from "../../../src/graph/group_layout.ts";
import type { QuantizedTensor } from "../../../src/graph/quantized_tensor.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { quantize, type QuantizeOptions } from "../../../src/quant/quantize.ts";
import { randomTensor, seededRandom } from "../../_random.ts";

const LAYOUTS: [string, number[], WeightLayout][] = [
  ["conv", [6, 5, 3, 3], { kind: "conv" }],
  ["conv_transpose", [8, 3, 2, 2], { kind: "conv_transpose", group: 2 }],
  ["matmul_kn", [2, 7, 9], { kind: "matmul_kn" }],
  ["matmul_nk", [9, 7], { kind: "matmul_nk" }],
  ["rnn", [2, 12, 5], { kind: "rnn" }],
  ["gather", [11, 3, 2], { kind: "gather" }],
];

/** A model holding `q` (under `name`) next to one float initializer, plus a subgraph with its own quantized weight. */
function modelWith(quantized: Map<string, QuantizedTensor>): Model {
  const graph = emptyGraph("main");
  graph.initializers.set("bias", new Tensor("float32", Float32Array.of(1, -2, 3), [3]));
  for (const [k, q] of quantized) graph.quantized.set(k, q);
  const sub = emptyGraph("body");
  sub.quantized.set("inner", quantize(randomTensor([4, 6], 9), { kind: "matmul_nk" }, { bits: 5, blockSize: 4 }));
  sub.nodes.push({ name: "", op: "MatMul", domain: "", inputs: ["x", "inner"], outputs: ["y"], attributes: {} });
  graph.nodes.push({
    name: "if",
    op: "If",
    domain: "",
    inputs: ["c"],
    outputs: ["y"],
    attributes: { then_branch: { kind: "graph", value: sub } },
  });
  return { graph, opsets: { "": 17 }, irVersion: 8, producer: { name: "t", version: "0" }, metadata: {} };
}

/** The record as plain data, bytes and floats as arrays, so toEqual compares them exactly. */
function plain(q: QuantizedTensor): unknown {
  return { ...q, data: [...q.data], scales: [...q.scales], zeros: q.zeros && [...q.zeros], dims: [...q.dims] };
}

function fbRoot(file: Uint8Array): FbModel {
  const meta = file.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + decodeHeader(file).metaLength);
  return FbModel.getRootAsModel(new flatbuffers.ByteBuffer(meta));
}

function fbTensor(file: Uint8Array, name: string): FbTensor {
  const g = fbRoot(file).graph()!;
  for (let i = 0; i < g.initializersLength(); i++) if (g.initializers(i)!.name() === name) return g.initializers(i)!;
  throw new Error(`no tensor ${name}`);
}

describe("quantized tensors in bitloop files", () => {
  test("every bit width, grid, zero-point mode, scale dtype, packing and layout round-trips exactly", async () => {
    const quantized = new Map<string, QuantizedTensor>();
    let seed = 1;
    for (const [kind, dims, layout] of LAYOUTS) {
      for (let bits = 2; bits <= 8; bits++) {
        const options: QuantizeOptions = {
          bits,
          blockSize: [0, 2, 3, 4][bits % 4]!,
          symmetric: bits % 3 === 0,
          zeroPoint: bits % 2 === 0 ? "integer" : "float",
          scaleDtype: bits % 4 < 2 ? "float16" : "float32",
          packing: bits === 3 || bits === 5 ? "group" : "continuous",
          algorithm: (["minmax", "mse", "hqq"] as const)[bits % 3]!,
        };
        const q = quantize(randomTensor(dims, seed++), layout, options);
        quantized.set(`${kind}_${bits}`, { ...q, sqnr: bits * 3.5 });
      }
    }
    quantized.set("exact", {
      ...quantize(randomTensor([2, 4], 99), { kind: "matmul_nk" }, { bits: 8 }),
      sqnr: Infinity,
    });
    const half = quantize(new Tensor("float16", Uint16Array.of(0x3c00, 0xbc00, 0x3800, 0), [2, 2]), { kind: "rnn" });
    quantized.set("from_half", half);
    const model = modelWith(quantized);
    for (const externalData of [false, true]) {
      const files = await writeBitloop(model, { externalData, sidecarName: "q.weight" });
      const back = await readBitloop(files.model, { readSidecar: () => Promise.resolve(files.sidecar!) });
      expect([...back.graph.quantized.keys()]).toEqual([...quantized.keys()]);
      for (const [name, q] of quantized) expect(plain(back.graph.quantized.get(name)!)).toEqual(plain(q));
      expect(back.graph.quantized.get("from_half")!.sqnr).toBeUndefined();
      expect(back.graph.initializers.get("bias")!.data).toEqual(Float32Array.of(1, -2, 3));
      const sub = back.graph.nodes[0]!.attributes["then_branch"]!;
      expect(sub.kind === "graph" && plain(sub.value.quantized.get("inner")!)).toEqual(
        plain(
          model.graph.nodes[0]!.attributes["then_branch"]!.kind === "graph"
            ? (model.graph.nodes[0]!.attributes["then_branch"]!.value.quantized.get("inner")!)
            : half,
        ),
      );
      // Writing what was read gives the same bytes.
      const again = await writeBitloop(back, { externalData, sidecarName: "q.weight" });
      expect(Buffer.from(again.model).equals(Buffer.from(files.model))).toBe(true);
    }
  });

  test("codes, scales and zero points each start 64-byte aligned; fp16 scales take 2 bytes and integer zeros `bits` bits", async () => {
    const q = quantize(randomTensor([16, 40], 3), { kind: "matmul_nk" }, {
      bits: 3,
      blockSize: 32,
      scaleDtype: "float16",
    });
    const { model: file } = await writeBitloop(modelWith(new Map([["w", q]])));
    const t = fbTensor(file, "w");
    const quant = t.quantization() as FbQuantization;
    expect(t.location()).toBe(DataLocation.Inline);
    expect(Number(t.offset()) % 64).toBe(0);
    expect(Number(t.length())).toBe(Math.ceil((640 * 3) / 8));
    expect(Number(quant.scalesOffset()) % 64).toBe(0);
    expect(Number(quant.scalesLength())).toBe(32 * 2);
    expect(Number(quant.zerosOffset()) % 64).toBe(0);
    expect(Number(quant.zerosLength())).toBe(Math.ceil((32 * 3) / 8));
    // The codes are viewed in place: the record's data is the file's bytes at the stored offset.
    const back = await readBitloop(file);
    const data = back.graph.quantized.get("w")!.data;
    expect(data.buffer).toBe(file.buffer);
    expect(data.byteOffset).toBe(dataOffsetOf(decodeHeader(file).metaLength) + Number(t.offset()));
  });

  test("writeBitloop rejects inconsistent records with a RangeError naming the tensor", async () => {
    const q = quantize(randomTensor([4, 8], 1), { kind: "matmul_nk" }, { bits: 4, scaleDtype: "float16" });
    const bad = async (record: QuantizedTensor, pattern: RegExp) =>
      await expect(writeBitloop(modelWith(new Map([["w", record]])))).rejects.toThrow(pattern);
    await bad({ ...q, scales: q.scales.slice(1) }, /"w": 4 groups need 4 scales, it has 3/);
    await bad({ ...q, data: q.data.slice(1) }, /"w": 32 codes need 16 packed bytes, it has 15/);
    await bad({ ...q, scales: Float32Array.of(0.1, 0.1, 0.1, 0.1) }, /"w": scale 0 is 0\.1.*not exact in float16/);
    await bad({ ...q, zeros: Float32Array.of(1, 2, 3, 16) }, /integer zero point 3 is 16, not in 0\.\.15/);
    await bad({ ...q, bits: 9 }, /"w": bits must be 2\.\.8/);
    await bad({ ...q, dims: [4, 9] }, /"w": its layout's channelStride is 8, dims \[4,9\] give 9/);
    const graph = modelWith(new Map([["bias", q]]));
    await expect(writeBitloop(graph)).rejects.toThrow(/"bias" is both an initializer and a quantized tensor/);
  });
});

async function digest(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** Recomputes the header checksums after an edit of the FlatBuffers block. */
async function reseal(file: Uint8Array): Promise<Uint8Array> {
  const header = decodeHeader(file);
  header.metaSha256 = await digest(
    metaChecksumInput(file, file.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + header.metaLength)),
  );
  header.dataSha256 = await digest(file.subarray(dataOffsetOf(header.metaLength)));
  file.set(encodeHeader(header), 0);
  return file;
}

/** File offset of a stored field (slot numbers as in bitloop.fbs). */
function fieldAt(table: { bb: flatbuffers.ByteBuffer | null; bb_pos: number }, slot: number): number {
  const o = table.bb!.__offset(table.bb_pos, 4 + 2 * slot);
  if (o === 0) throw new Error(`field ${slot} is not stored`);
  return BITLOOP_HEADER_SIZE + table.bb_pos + o;
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

describe("corrupt quantization tables", () => {
  const q = quantize(randomTensor([8, 64], 5), { kind: "matmul_nk" }, { bits: 4, blockSize: 32 });
  const written = writeBitloop(modelWith(new Map([["w", q]])));

  /** The file with `edit` applied to the bytes of field `slot` of the tensor's Quantization table (or the Tensor). */
  async function patched(slot: number, edit: (view: DataView, at: number) => void, table: "q" | "t" = "q") {
    const file = (await written).model.slice();
    const t = fbTensor(file, "w");
    edit(new DataView(file.buffer), fieldAt(table === "q" ? t.quantization()! : t, slot));
    return await reseal(file);
  }

  test("bad bit widths, layouts, packings, lengths and offsets are ModelFormatErrors naming the tensor", async () => {
    const cases: [number, (v: DataView, at: number) => void, RegExp, ("q" | "t")?][] = [
      [0, (v, at) => v.setUint8(at, 9), /Quantized tensor "w" has 9 bits/],
      [8, (v, at) => v.setUint8(at, 77), /"w" has unknown weight layout 77/],
      [7, (v, at) => v.setUint16(at, 9, true), /"w" has unknown packed layout 9/],
      [13, (v, at) => v.setBigUint64(at, 7n, true), /"w": its scales need 64 bytes, the file says 7/],
      [
        12,
        (v, at) => v.setBigUint64(at, v.getBigUint64(at, true) + 4n, true),
        /scales offset \d+ is not 64-byte aligned/,
      ],
      [14, (v, at) => v.setBigUint64(at, 1n << 40n, true), /"w": zero points bytes \[1099511627776, .*\) lie outside/],
      [5, (v, at) => v.setBigUint64(at, 3n, true), /"w": its codes need 256 bytes, the file says 3/, "t"],
      [1, (v, at) => v.setUint32(at, 0xffffffff, true), /"w": its scales need 32 bytes, the file says 64/],
    ];
    for (const [slot, edit, pattern, table] of cases) {
      expect(await readError(await patched(slot, edit, table))).toMatch(pattern);
    }
  });

  test("dims far larger than the file are rejected before any per-group array is made", async () => {
    const file = (await written).model.slice();
    const t = fbTensor(file, "w");
    const dims = fieldAt(t, 2);
    const vector = dims + new DataView(file.buffer).getUint32(dims, true);
    new DataView(file.buffer).setBigInt64(vector + 4, 1n << 40n, true);
    expect(await readError(await reseal(file))).toMatch(/"w": dims \[1099511627776,64\] need more code bytes/);
  });

  test("random byte flips in the metadata of a quantized file never cause anything but a ModelFormatError", async () => {
    const base = (await written).model;
    const metaLength = decodeHeader(base).metaLength;
    const next = seededRandom(11);
    for (let i = 0; i < 300; i++) {
      const file = base.slice();
      const at = BITLOOP_HEADER_SIZE + Math.floor(next() * metaLength);
      file[at] = file[at]! ^ (1 + Math.floor(next() * 255));
      await readError(await reseal(file)); // throws on anything but success or a ModelFormatError
    }
  });
});
