import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { ModelFormatError } from "../../../src/errors.ts";
import { readNpy, readNpyHeader } from "../../../src/formats/npy/read_npy.ts";
import { writeNpy } from "../../../src/formats/npy/write_npy.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { handMadeNpy } from "./_npy_cases.ts";

// Files written by NumPy (MNN reference inputs and outputs); present on the development machines.
import { MNN_DIR } from "../../_shared_mnn.ts";
const mnnFiles = existsSync(MNN_DIR) ? readdirSync(MNN_DIR).filter((f) => f.endsWith(".npy")).sort() : [];

function expectNpyError(bytes: Uint8Array, message: RegExp): ModelFormatError {
  try {
    readNpy(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as ModelFormatError).format).toBe("npy");
    expect((error as Error).message).toMatch(message);
    return error as ModelFormatError;
  }
  throw new Error("readNpy() did not throw");
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

describe("readNpy() on files NumPy wrote", () => {
  test.skipIf(mnnFiles.length === 0)("reads the MNN reference inputs and outputs with their shapes", () => {
    const shapes: Record<string, number[]> = {
      "cls.input.npy": [1, 3, 48, 192],
      "cls.output.normal.npy": [1, 2],
      "rec.input.npy": [1, 3, 48, 320],
      "rec.output.normal.npy": [1, 40, 6625],
      "det.input.npy": [1, 3, 320, 320],
      "det.output.normal.npy": [1, 1, 320, 320],
    };
    for (const [file, dims] of Object.entries(shapes)) {
      const t = readNpy(new Uint8Array(readFileSync(`${MNN_DIR}/${file}`)));
      expect(t.type).toBe("float32");
      expect(t.dims).toEqual(dims);
    }
    const input = readNpy(new Uint8Array(readFileSync(`${MNN_DIR}/cls.input.npy`)));
    const values = input.data as Float32Array;
    expect(values.every((v) => v >= -1 && v <= 1)).toBe(true); // documented: uniform in [-1, 1]
  });

  test.skipIf(mnnFiles.length === 0)("writeNpy() reproduces every NumPy-written file byte for byte", () => {
    for (const file of mnnFiles) {
      const bytes = new Uint8Array(readFileSync(`${MNN_DIR}/${file}`));
      expect({ file, same: Buffer.from(writeNpy(readNpy(bytes))).equals(Buffer.from(bytes)) }).toEqual({
        file,
        same: true,
      });
    }
  });
});

describe("readNpy() headers", () => {
  test("reads format 2.0 and 3.0 headers, keys in any order, Python 2 long integers", () => {
    const data = f32([1, 2, 3, 4, 5, 6]);
    const v2 = readNpy(handMadeNpy(2, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", data));
    expect(v2.dims).toEqual([2, 3]);
    const v3 = handMadeNpy(3, `{"descr": "<f4", "fortran_order": False, "shape": (6L,), }`, data);
    expect(readNpyHeader(v3).version).toEqual([3, 0]);
    expect([...readNpy(v3).data as Float32Array]).toEqual([1, 2, 3, 4, 5, 6]);
    const badUtf8 = v3.slice();
    badUtf8[12] = 0xff;
    expectNpyError(badUtf8, /not valid UTF-8/);
  });

  test("transposes fortran_order data to row-major", () => {
    // [[1, 2, 3], [4, 5, 6]] stored column-major.
    const t = readNpy(
      handMadeNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f32([1, 4, 2, 5, 3, 6])),
    );
    expect([...t.data as Float32Array]).toEqual([1, 2, 3, 4, 5, 6]);
    // A 2×3×2 array with element (i, j, k) = 100i + 10j + k.
    const dims = [2, 3, 2];
    const column: number[] = [];
    for (let k = 0; k < 2; k++) {
      for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) column.push(100 * i + 10 * j + k);
    }
    const header = "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3, 2), }";
    const big = new Uint8Array(new BigInt64Array(column.map(BigInt)).buffer);
    const u = readNpy(handMadeNpy(1, header, big));
    expect(u.dims).toEqual(dims);
    const expected: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) expected.push(BigInt(100 * i + 10 * j + k));
    }
    expect([...u.data as BigInt64Array]).toEqual(expected);
  });

  test("reads 1-byte types with any byte-order mark", () => {
    for (const descr of ["|u1", "<u1", ">u1", "=u1"]) {
      const t = readNpy(
        handMadeNpy(1, `{'descr': '${descr}', 'fortran_order': False, 'shape': (2,), }`, new Uint8Array([7, 9])),
      );
      expect(t.type).toBe("uint8");
    }
  });
});

describe('readNpy() errors are ModelFormatError("npy") that say what is wrong', () => {
  const good = writeNpy(new Tensor("float32", new Float32Array([1, 2, 3, 4]), [2, 2]));

  test("big-endian data", () => {
    const bytes = handMadeNpy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", f32([1]));
    expectNpyError(bytes, /big-endian.*"<f4"/);
  });

  test("unsupported, object and structured dtypes", () => {
    expectNpyError(
      handMadeNpy(1, "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(12)),
      /dtype "<U3" is not supported/,
    );
    expectNpyError(
      handMadeNpy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)),
      /dtype "\|O" is not supported/,
    );
    expectNpyError(
      handMadeNpy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)),
      /Structured npy dtypes are not supported/,
    );
  });

  test("truncated files at every length", () => {
    for (let n = 0; n < good.length; n++) {
      expect(() => readNpy(good.subarray(0, n))).toThrow(ModelFormatError);
    }
    expectNpyError(good.subarray(0, good.length - 1), /Truncated npy data: shape \[2, 2\] of float32 needs 16 bytes/);
    expectNpyError(good.subarray(0, 40), /Truncated npy header/);
    expectNpyError(good.subarray(0, 3), /Not an npy file/);
  });

  test("trailing bytes, wrong magic, unknown version", () => {
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(expectNpyError(longer, /3 unexpected bytes after the data/).offset).toBe(good.length);
    const magic = good.slice();
    magic[1] = 0x4d;
    expectNpyError(magic, /Not an npy file: expected the magic/);
    const version = good.slice();
    version[6] = 4;
    expectNpyError(version, /Unsupported npy format version 4\.0/);
  });

  test("corrupt headers", () => {
    const data = f32([1]);
    const cases: [string, RegExp][] = [
      ["not a dict", /Corrupt npy header: unexpected character/],
      ["{'descr': '<f4', 'fortran_order': False}", /missing|"shape" must be a tuple/],
      ["{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", /"fortran_order" must be True or False/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", /bad dimension/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", /unexpected key "extra"/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,", /Corrupt npy header/],
      ["{'descr: '<f4'}", /Corrupt npy header/],
    ];
    for (const [header, message] of cases) expectNpyError(handMadeNpy(1, header, data), message);
  });

  test("random bytes after a valid magic never escape as another error type", () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(10 + (i % 90));
      for (let j = 0; j < bytes.length; j++) bytes[j] = next();
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1 + (i % 3), 0]);
      expect(() => readNpy(bytes)).toThrow(ModelFormatError);
    }
  });

  test("a shape far larger than the file fails before allocating", () => {
    const bytes = handMadeNpy(
      1,
      "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000),}",
      f32([1]),
    );
    expectNpyError(bytes, /Truncated npy data/);
  });
});
