// Corrupt bitloop files: every failure must be a ModelFormatError (or, where a change is not detectable,
// a successful read), never another error type, a hang, or a huge allocation.
import { beforeAll, describe, expect, test } from "bun:test";
import * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../../src/errors.ts";
import { loadModel } from "../../../src/formats/load.ts";
import {
  BITLOOP_HEADER_SIZE,
  dataOffsetOf,
  decodeHeader,
  encodeHeader,
  metaChecksumInput,
} from "../../../src/formats/bitloop/layout.ts";
import { readBitloop, type ReadBitloopOptions } from "../../../src/formats/bitloop/read.ts";
import {
  Model as FbModel,
  type Tensor as FbTensor,
} from "../../../src/formats/bitloop/schema/generated/bitloop_generated.ts";
import { writeBitloop } from "../../../src/formats/bitloop/write.ts";
import { seededRandom } from "../../_random.ts";
import { zooPath } from "../../zoo/zoo.ts";
import { sampleModel } from "./_sample_model.ts";

async function digest(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** Recomputes the header's checksums of the FlatBuffers block and data section after an edit. */
async function reseal(file: Uint8Array): Promise<Uint8Array> {
  const header = decodeHeader(file);
  const dataOffset = dataOffsetOf(header.metaLength);
  header.metaSha256 = await digest(
    metaChecksumInput(file, file.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + header.metaLength)),
  );
  header.dataSha256 = await digest(file.subarray(dataOffset));
  file.set(encodeHeader(header), 0);
  return file;
}

function root(file: Uint8Array): FbModel {
  const meta = file.subarray(BITLOOP_HEADER_SIZE, BITLOOP_HEADER_SIZE + decodeHeader(file).metaLength);
  return FbModel.getRootAsModel(new flatbuffers.ByteBuffer(meta));
}

/** File offset of a stored field of a table (slot numbers as in bitloop.fbs). */
function fieldAt(table: { bb: flatbuffers.ByteBuffer | null; bb_pos: number }, slot: number): number {
  const o = table.bb!.__offset(table.bb_pos, 4 + 2 * slot);
  if (o === 0) throw new Error(`field ${slot} is not stored`);
  return BITLOOP_HEADER_SIZE + table.bb_pos + o;
}

function initializer(file: Uint8Array, name: string): FbTensor {
  const g = root(file).graph()!;
  for (let i = 0; i < g.initializersLength(); i++) if (g.initializers(i)!.name() === name) return g.initializers(i)!;
  throw new Error(`no initializer ${name}`);
}

/** The error a read rejects with, or "ok". Fails the test on anything but a ModelFormatError. */
async function outcome(bytes: Uint8Array, options: ReadBitloopOptions = {}): Promise<ModelFormatError | "ok"> {
  try {
    await readBitloop(bytes, options);
    return "ok";
  } catch (error) {
    if (!(error instanceof ModelFormatError)) {
      throw new Error(`expected a ModelFormatError, got ${(error as Error)?.name}: ${(error as Error)?.message}`, {
        cause: error,
      });
    }
    return error;
  }
}

async function expectError(bytes: Uint8Array, pattern: RegExp, options: ReadBitloopOptions = {}): Promise<void> {
  const result = await outcome(bytes, options);
  expect(result === "ok" ? "read succeeded" : result.message).toMatch(pattern);
}

let zooFile: Uint8Array;
let sample: Uint8Array;

beforeAll(async () => {
  zooFile = (await writeBitloop(await loadModel(zooPath("ppocr_cls")))).model;
  sample = (await writeBitloop(sampleModel())).model;
});

describe("corrupt bitloop files", () => {
  test("truncation at every header byte and 300 seeded points of a zoo-model file is a ModelFormatError", async () => {
    const next = seededRandom(7);
    const cuts = [...Array.from({ length: 200 }, (_, i) => i), zooFile.length - 1, zooFile.length - 64];
    for (let i = 0; i < 300; i++) cuts.push(Math.floor(next() * zooFile.length));
    for (const cut of cuts) {
      const result = await outcome(zooFile.subarray(0, cut));
      expect(result === "ok" ? `cut ${cut} read` : "error").toBe("error");
    }
  });

  test("every single-bit flip in the header is caught", async () => {
    for (let at = 0; at < BITLOOP_HEADER_SIZE; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = sample.slice();
        bytes[at]! ^= 1 << bit;
        const result = await outcome(bytes);
        expect(result === "ok" ? `flip of bit ${bit} at ${at} read` : "error").toBe("error");
      }
    }
  });

  test("300 seeded bit flips anywhere in a zoo-model file are all caught (header, checksums, padding)", async () => {
    const next = seededRandom(11);
    for (let i = 0; i < 300; i++) {
      const bytes = zooFile.slice();
      // Half the flips land in the header and metadata, where structure lives; the rest anywhere.
      const span = i % 2 === 0 ? dataOffsetOf(decodeHeader(zooFile).metaLength) : bytes.length;
      const at = Math.floor(next() * span);
      bytes[at]! ^= 1 << Math.floor(next() * 8);
      const result = await outcome(bytes);
      expect(result === "ok" ? `flip at ${at} read` : "error").toBe("error");
    }
  });

  test("bit flips inside the FlatBuffers block with valid checksums never escape the verifier", async () => {
    const metaLength = decodeHeader(zooFile).metaLength;
    const next = seededRandom(12);
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = zooFile.slice();
      for (let k = 1 + (i % 3); k > 0; k--) {
        bytes[BITLOOP_HEADER_SIZE + Math.floor(next() * metaLength)]! ^= 1 << Math.floor(next() * 8);
      }
      if ((await outcome(await reseal(bytes), { verifyData: false })) !== "ok") errors++;
    }
    expect(errors).toBeGreaterThan(0);
  });

  test("a FlatBuffers block of random bytes with a valid checksum is rejected", async () => {
    const next = seededRandom(13);
    for (let i = 0; i < 50; i++) {
      const bytes = sample.slice();
      const metaLength = decodeHeader(bytes).metaLength;
      for (let k = BITLOOP_HEADER_SIZE; k < BITLOOP_HEADER_SIZE + metaLength; k++) bytes[k] = Math.floor(next() * 256);
      expect(await outcome(await reseal(bytes))).toBeInstanceOf(ModelFormatError);
    }
  });

  test("flipped data bytes fail the data checksum, and read (changed) with verifyData: false", async () => {
    const bytes = sample.slice();
    bytes[bytes.length - 1]! ^= 0x10;
    await expectError(bytes, /data section does not match its sha256/);
    expect(await outcome(bytes, { verifyData: false })).toBe("ok");
    const padded = sample.slice();
    padded[dataOffsetOf(decodeHeader(sample).metaLength) - 1] = 1;
    await expectError(padded, /padding after the FlatBuffers block is not zero/);
  });

  test("a tensor whose offset or length points past the data section is rejected without allocating", async () => {
    const t = initializer(sample, "f64");
    const offset = sample.slice();
    new DataView(offset.buffer).setBigUint64(fieldAt(t, 4), 2n ** 40n, true);
    await expectError(
      await reseal(offset),
      /Tensor "f64": bytes \[1099511627776, .*\) lie outside the \d+-byte data section/,
    );
    const huge = sample.slice();
    new DataView(huge.buffer).setBigUint64(fieldAt(t, 5), 2n ** 62n, true);
    await expectError(await reseal(huge), /Tensor "f64" byte length 4611686018427387904 is out of range/);
    const misaligned = sample.slice();
    new DataView(misaligned.buffer).setBigUint64(fieldAt(t, 4), 72n, true);
    await expectError(await reseal(misaligned), /Tensor "f64": data offset 72 is not 64-byte aligned/);
  });

  test("dims whose product disagrees with the data length are rejected, naming the tensor", async () => {
    const t = initializer(sample, "f32");
    const bytes = sample.slice();
    const dims = BITLOOP_HEADER_SIZE + t.bb!.__vector(fieldAt(t, 2) - BITLOOP_HEADER_SIZE);
    new DataView(bytes.buffer).setBigInt64(dims + 8, 4n, true);
    await expectError(await reseal(bytes), /Tensor "f32": dims \[2,4\] need 32 bytes of float32, the file says 24/);
    const negative = sample.slice();
    new DataView(negative.buffer).setBigInt64(dims, -2n, true);
    await expectError(await reseal(negative), /Tensor "f32" has invalid dim -2/);
    const giant = sample.slice();
    new DataView(giant.buffer).setBigInt64(dims, 2n ** 52n, true);
    new DataView(giant.buffer).setBigInt64(dims + 8, 2n ** 52n, true);
    await expectError(await reseal(giant), /Tensor "f32": dims \[4503599627370496,4503599627370496\] need/);
  });

  test("unknown enum values and out-of-range vectors are rejected by name", async () => {
    const t = initializer(sample, "f64");
    const dtype = sample.slice();
    dtype[fieldAt(t, 1)] = 99;
    await expectError(await reseal(dtype), /Tensor "f64" has unknown dtype code 99/);
    const vector = sample.slice();
    const dimsRef = fieldAt(t, 2);
    const dimsLen = dimsRef + new DataView(vector.buffer).getInt32(dimsRef, true);
    new DataView(vector.buffer).setInt32(dimsLen, 0x7fffffff, true);
    await expectError(await reseal(vector), /Corrupt FlatBuffers block: \[i64\] vector of 2147483647 .* runs outside/);
    new DataView(vector.buffer).setInt32(dimsLen, -5, true);
    await expectError(await reseal(vector), /vector length -5 is negative/);
    const rootOffset = sample.slice();
    new DataView(rootOffset.buffer).setInt32(BITLOOP_HEADER_SIZE, 1 << 30, true);
    await expectError(await reseal(rootOffset), /Model table .* runs outside/);
    const ident = sample.slice();
    ident[BITLOOP_HEADER_SIZE + 4] = 0x58;
    await expectError(await reseal(ident), /file identifier is "XLFB", expected "BLFB"/);
  });

  test("a subgraph offset pointing back at its parent (a cycle) is rejected, not followed forever", async () => {
    const bytes = sample.slice();
    const model = root(bytes);
    const main = model.graph()!;
    const ifNode = main.nodes(1)!;
    const attr = ifNode.attributes(0)!;
    expect(attr.name()).toBe("then_branch");
    const at = fieldAt(attr, 6);
    new DataView(bytes.buffer).setInt32(at, BITLOOP_HEADER_SIZE + main.bb_pos - at, true);
    await expectError(await reseal(bytes), /objects overlap|nested deeper/);
  });

  test("the external flag and the stored sidecar name must agree, and the name must be bare", async () => {
    const flagged = sample.slice();
    flagged[12] = 1;
    await expectError(flagged, /header and FlatBuffers block do not match their sha256/);
    await expectError(await reseal(flagged), /flags external data but no sidecar name is stored/);
    const { model } = await writeBitloop(sampleModel(), { externalData: true, sidecarName: "evil.weigh" });
    const text = Buffer.from(model);
    const at = text.indexOf("evil.weigh");
    text.write("../", at);
    await expectError(
      await reseal(new Uint8Array(text.buffer, text.byteOffset, text.length)),
      /"\.\.\/l\.weigh" is not a bare file name/,
    );
  });
});

describe("bitloop sidecar checks", () => {
  let model: Uint8Array;
  let sidecar: Uint8Array;
  beforeAll(async () => {
    ({ model, sidecar } = (await writeBitloop(sampleModel(), { externalData: true })) as Required<
      Awaited<ReturnType<typeof writeBitloop>>
    >);
  });
  const from = (bytes: Uint8Array) => ({ readSidecar: () => Promise.resolve(bytes) });

  test("a sidecar with other bytes of the same length is rejected by its sha256", async () => {
    const wrong = sidecar.slice();
    wrong[wrong.length >> 1]! ^= 1;
    await expectError(
      model,
      /Sidecar "model\.bitloop\.weight" does not belong to this model: its sha256 is [0-9a-f]{64}/,
      from(wrong),
    );
    expect(await outcome(model, { ...from(wrong), verifyData: false })).toBe("ok");
  });

  test("a truncated or longer sidecar is rejected by its length", async () => {
    await expectError(
      model,
      new RegExp(`has ${sidecar.length - 1} bytes, the model expects ${sidecar.length}`),
      from(sidecar.subarray(1)),
    );
    const longer = new Uint8Array(sidecar.length + 64);
    longer.set(sidecar);
    await expectError(model, /truncated or wrong sidecar/, from(longer));
  });

  test("a sidecar that cannot be read is a ModelFormatError carrying the cause", async () => {
    const cause = new Error("ENOENT: no such file");
    const result = await outcome(model, { readSidecar: () => Promise.reject(cause) });
    expect(result).toBeInstanceOf(ModelFormatError);
    expect((result as ModelFormatError).message).toBe(
      `Cannot read the sidecar "model.bitloop.weight": ENOENT: no such file`,
    );
    expect((result as ModelFormatError).cause).toBe(cause);
  });

  test("reading an external-data model without readSidecar is a TypeError that says what to pass", async () => {
    await expect(readBitloop(model)).rejects.toThrow(TypeError);
    await expect(readBitloop(model)).rejects.toThrow(/pass readSidecar/);
  });

  test("an external tensor with an unknown location code is rejected", async () => {
    const bytes = model.slice();
    bytes[fieldAt(initializer(bytes, "f64"), 3)] = 5;
    await expectError(await reseal(bytes), /Tensor "f64" has unknown data location 5/, from(sidecar));
  });
});
