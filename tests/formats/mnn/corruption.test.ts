// Corrupt MNN files: every failure must be a ModelFormatError (format "mnn") naming what and where, or —
// where a change is not detectable (MNN files carry no checksums) — a successful read; never another error
// type, a hang, or an allocation the file does not back.
import { describe, expect, test } from "bun:test";
import * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../../src/errors.ts";
import { readMnnWeights, type ReadMnnWeightsOptions } from "../../../src/formats/mnn/mod.ts";
import {
  Convolution2D,
  IDSTQuan,
  Net,
  type Op,
  OpParameter,
} from "../../../src/formats/mnn/schema/generated/mnn_generated.ts";
import { seededRandom } from "../../_random.ts";
import { HAVE_MNN, mnnBytes } from "./_mnn_files.ts";

/** The error a read rejects with, or "ok". Fails the test on anything but a ModelFormatError. */
async function outcome(bytes: Uint8Array, options: ReadMnnWeightsOptions = {}): Promise<ModelFormatError | "ok"> {
  try {
    await readMnnWeights(bytes, options);
    return "ok";
  } catch (error) {
    if (!(error instanceof ModelFormatError) || error.format !== "mnn") {
      throw new Error(`expected an MNN ModelFormatError, got ${(error as Error)?.name}: ${(error as Error)?.message}`, {
        cause: error,
      });
    }
    return error;
  }
}

async function expectError(bytes: Uint8Array, pattern: RegExp, options: ReadMnnWeightsOptions = {}): Promise<void> {
  const result = await outcome(bytes, options);
  expect(result === "ok" ? "read succeeded" : result.message).toMatch(pattern);
}

function net(bytes: Uint8Array): Net {
  return Net.getRootAsNet(new flatbuffers.ByteBuffer(bytes));
}

/** File offset of a stored field of a table (slot numbers as in mnn.fbs). */
function fieldAt(table: { bb: flatbuffers.ByteBuffer | null; bb_pos: number }, slot: number): number {
  const o = table.bb!.__offset(table.bb_pos, 4 + 2 * slot);
  if (o === 0) throw new Error(`field ${slot} is not stored`);
  return table.bb_pos + o;
}

/** File offset of the length word of the vector in field `slot`. */
function vectorAt(table: { bb: flatbuffers.ByteBuffer | null; bb_pos: number }, slot: number): number {
  const at = fieldAt(table, slot);
  return at + new DataView(table.bb!.bytes().buffer, table.bb!.bytes().byteOffset).getInt32(at, true);
}

/** The i-th convolution op of a file, with its Convolution2D and IDSTQuan. */
function conv(bytes: Uint8Array, i = 0): { op: Op; conv: Convolution2D; quan: IDSTQuan | null } {
  const n = net(bytes);
  for (let k = 0, seen = 0; k < n.oplistsLength(); k++) {
    const op = n.oplists(k)!;
    if (op.mainType() !== OpParameter.Convolution2D || seen++ !== i) continue;
    const c = op.main(new Convolution2D()) as Convolution2D;
    return { op, conv: c, quan: c.quanParameter(new IDSTQuan()) };
  }
  throw new Error(`no conv ${i}`);
}

function setI32(bytes: Uint8Array, at: number, v: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(at, v, true);
  return bytes;
}

describe.skipIf(!HAVE_MNN)("corrupt MNN files", () => {
  const file = HAVE_MNN ? mnnBytes("cls.w4.mnn") : new Uint8Array(0);

  test("truncation at the first 200 bytes and at 300 seeded points fails, unless only zero padding is cut", async () => {
    const next = seededRandom(21);
    const cuts = [...Array.from({ length: 200 }, (_, i) => i), file.length - 1, file.length - 8];
    for (let i = 0; i < 300; i++) cuts.push(Math.floor(next() * file.length));
    for (const cut of cuts) {
      const result = await outcome(file.subarray(0, cut));
      // The file ends with the bizCode string's terminating zero, which no reader touches.
      const onlyZerosCut = file.subarray(cut).every((b) => b === 0);
      expect(result === "ok" && !onlyZerosCut ? `cut ${cut} read` : "fine").toBe("fine");
      if (!onlyZerosCut) expect(result).toBeInstanceOf(ModelFormatError);
    }
  });

  test("400 seeded 1–3 bit flips read or fail with a ModelFormatError, never anything else", async () => {
    const next = seededRandom(22);
    let errors = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = file.slice();
      // Half the flips land in the first 8 KiB, where the tables and vtables of the op list live.
      const span = i % 2 === 0 ? 8192 : bytes.length;
      for (let k = 1 + (i % 3); k > 0; k--) bytes[Math.floor(next() * span)]! ^= 1 << Math.floor(next() * 8);
      if ((await outcome(bytes)) !== "ok") errors++;
    }
    expect(errors).toBeGreaterThan(20);
  });

  test("files of random bytes are rejected", async () => {
    const next = seededRandom(23);
    for (let i = 0; i < 100; i++) {
      const bytes = Uint8Array.from({ length: 64 + Math.floor(next() * 4096) }, () => Math.floor(next() * 256));
      expect(await outcome(bytes)).toBeInstanceOf(ModelFormatError);
    }
    await expectError(new Uint8Array(0), /Corrupt MNN file: root offset \(4 bytes\) runs outside the 0-byte block/);
  });

  test("a root, vector length or string running outside the file is rejected by name and offset", async () => {
    await expectError(setI32(file.slice(), 0, 1 << 30), /Net table \(4 bytes\) runs outside .* at offset 1073741824/);
    const { op, conv: c } = conv(file);
    await expectError(setI32(file.slice(), vectorAt(c, 2), 0x7fffffff), /\[f32\] vector of 2147483647 .* runs outside/);
    await expectError(setI32(file.slice(), vectorAt(c, 2), -3), /\[f32\] vector length -3 is negative/);
    await expectError(setI32(file.slice(), vectorAt(op, 3), 1 << 24), /string \(16777216 bytes\) runs outside/);
  });

  test("an op list whose entries all point at one big op is stopped by the verifier's byte budget", async () => {
    const bytes = file.slice();
    const n = net(bytes);
    const list = vectorAt(n, 3);
    const count = n.oplistsLength();
    let big = 0, bigSize = 0;
    for (let k = 0; k < count; k++) {
      const size = n.oplists(k)!.main(new Convolution2D())?.quanParameter()?.bufferLength() ?? 0;
      if (n.oplists(k)!.mainType() === OpParameter.Convolution2D && size > bigSize) [big, bigSize] = [k, size];
    }
    const target = n.oplists(big)!.bb_pos;
    for (let k = 0; k < count; k++) setI32(bytes, list + 4 + 4 * k, target - (list + 4 + 4 * k));
    await expectError(bytes, /objects overlap \(shared or cyclic offsets\)/);
  });

  test("a corrupt IDSTQuan buffer, alpha count or tensor index is a ModelFormatError naming the op", async () => {
    const { op, quan } = conv(file);
    const name = op.name()!;
    const buffer = vectorAt(quan!, 0) + 4;
    const ndim = file.slice();
    ndim[buffer] = 9;
    await expectError(ndim, new RegExp(`Op "${name}": IDSTQuan buffer declares 9 dims`));
    const table = file.slice();
    table[buffer + 5] = 0; // a 256-entry table: 8-bit indices no longer fit the buffer
    await expectError(table, /IDSTQuan buffer has 130 bytes; dims \[8, 27\] with a 256-entry table .* need 478/);
    const alpha = setI32(file.slice(), vectorAt(quan!, 1), quan!.alphaLength() - 2);
    await expectError(alpha, new RegExp(`Op "${name}": 14 asymmetric alpha values do not split 216 weights`));
    const index = setI32(file.slice(), vectorAt(op, 0) + 4, 100000);
    await expectError(index, new RegExp(`Op "${name}": input tensor index 100000 is outside the 158 tensor names`));
    const kernel = setI32(file.slice(), fieldAt(conv(file).conv.common()!, 2), 5);
    await expectError(kernel, /216 weights do not fit outputCount 8, inputCount 3, group 1, kernel 3×5/);
  });
});

describe.skipIf(!HAVE_MNN)("MNN external weight files", () => {
  const model = HAVE_MNN ? mnnBytes("cls.w4b32.ext.mnn") : new Uint8Array(0);
  const sidecar = HAVE_MNN ? mnnBytes("cls.w4b32.ext.mnn.weight") : new Uint8Array(0);
  const from = (bytes: Uint8Array): ReadMnnWeightsOptions => ({ readSidecar: () => Promise.resolve(bytes) });

  test("a truncated weight file is rejected naming the op and the range it needs", async () => {
    await expectError(
      model,
      /Op "p2o\.Add\.87__matmul_converted": external data \[100754, 101000\) lies outside the model's weight file \(100999 bytes\): truncated or wrong weight file/,
      from(sidecar.subarray(0, sidecar.length - 1)),
    );
    for (const cut of [0, 100, 50_000]) expect(await outcome(model, from(sidecar.subarray(0, cut)))).not.toBe("ok");
  });

  test("a negative or huge external offset or size is rejected before any read", async () => {
    const at = vectorAt(conv(model).conv, 6) + 4;
    for (const [slot, value] of [[1, -5n], [0, 2n ** 60n]] as const) {
      const bytes = model.slice();
      new DataView(bytes.buffer).setBigInt64(at + 8 * slot, value, true);
      await expectError(
        bytes,
        new RegExp(`Convolution2D\\.external: value ${value} at position ${slot} is out of range`),
        from(sidecar),
      );
    }
  });

  test("a weight file that cannot be read is a ModelFormatError carrying the cause; none given is a TypeError", async () => {
    const cause = new Error("ENOENT: no such file");
    const result = await outcome(model, { readSidecar: () => Promise.reject(cause) });
    expect((result as ModelFormatError).message).toBe(
      "Cannot read the model's weight file (<model>.weight): ENOENT: no such file",
    );
    expect((result as ModelFormatError).cause).toBe(cause);
    await expect(readMnnWeights(model)).rejects.toThrow(TypeError);
    const asked: (string | undefined)[] = [];
    await readMnnWeights(model, { readSidecar: (p) => (asked.push(p), Promise.resolve(sidecar)) });
    expect(asked).toEqual([undefined]); // one read for all 54 convs
  });
});
