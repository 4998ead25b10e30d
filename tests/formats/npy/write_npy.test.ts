import { describe, expect, test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { readNpy, readNpyHeader } from "../../../src/formats/npy/read_npy.ts";
import { NPY_ALIGN, writeNpy } from "../../../src/formats/npy/write_npy.ts";
import { bytesOf, everyDType } from "./_npy_cases.ts";

describe("writeNpy()", () => {
  for (const t of everyDType()) {
    test(`round-trips ${t.type} through readNpy() bit for bit`, () => {
      const back = readNpy(writeNpy(t));
      expect(back.type).toBe(t.type);
      expect(back.dims).toEqual(t.dims);
      expect(bytesOf(back)).toEqual(bytesOf(t));
    });
  }

  test("writes each block of the 1.0 layout with its documented size", () => {
    const t = new Tensor("float32", new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const bytes = writeNpy(t);
    expect([...bytes.subarray(0, 6)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // 1. magic: 6 bytes
    expect([bytes[6], bytes[7]]).toEqual([1, 0]); // 2. version: 2 bytes
    const headerLength = bytes[8]! | (bytes[9]! << 8); // 3. header length: 2 bytes
    expect((10 + headerLength) % NPY_ALIGN).toBe(0); // 4. header ends on a 64-byte boundary
    expect(bytes[10 + headerLength - 1]).toBe(0x0a);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength)).trimEnd();
    expect(header).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(bytes.length - 10 - headerLength).toBe(24); // 5. data: 6 × 4 bytes
  });

  test("writes scalars, 1-D and empty tensors with Python's tuple syntax", () => {
    const header = (t: Tensor) => {
      const bytes = writeNpy(t);
      return new TextDecoder().decode(bytes.subarray(10, readNpyHeader(bytes).dataOffset)).trimEnd();
    };
    expect(header(new Tensor("float64", new Float64Array([7]), []))).toContain("'shape': (), }");
    expect(header(new Tensor("int32", new Int32Array(5), [5]))).toContain("'shape': (5,), }");
    expect(header(new Tensor("uint8", new Uint8Array(0), [0, 4]))).toContain("'shape': (0, 4), }");
    const scalar = readNpy(writeNpy(new Tensor("float64", new Float64Array([7]), [])));
    expect(scalar.dims).toEqual([]);
    expect(scalar.data[0]).toBe(7);
    expect(readNpy(writeNpy(new Tensor("uint8", new Uint8Array(0), [0, 4]))).dims).toEqual([0, 4]);
  });

  test("writes only the viewed part of a subarray", () => {
    const whole = new Float32Array([9, 1, 2, 9]);
    const back = readNpy(writeNpy(new Tensor("float32", whole.subarray(1, 3), [2])));
    expect([...back.data as Float32Array]).toEqual([1, 2]);
  });

  test("switches to format 2.0 when the header outgrows 65535 bytes", () => {
    const dims = new Array<number>(30000).fill(1);
    const bytes = writeNpy(new Tensor("int8", new Int8Array([5]), dims));
    expect([bytes[6], bytes[7]]).toEqual([2, 0]);
    const header = readNpyHeader(bytes);
    expect(header.dataOffset % NPY_ALIGN).toBe(0);
    const back = readNpy(bytes);
    expect(back.dims.length).toBe(30000);
    expect(back.data[0]).toBe(5);
  });

  test("rejects string tensors with a TypeError", () => {
    expect(() => writeNpy(new Tensor("string", ["a"], [1]))).toThrow(TypeError);
  });
});
