// Test tensors of every dtype .npy holds, with edge values, shared by the npy suites.
import type { DType } from "../../../src/graph/dtype.ts";
import { Tensor } from "../../../src/graph/tensor.ts";

/** One tensor per dtype (shape [2, 3]) holding that dtype's extremes. */
export function everyDType(): Tensor[] {
  const f16 = [0x0000, 0x8000, 0x3c00, 0x7bff, 0xfc00, 0x7e00]; // 0, -0, 1, 65504, -inf, NaN
  const cases: [DType, ArrayLike<number> | bigint[]][] = [
    ["float32", [0, -0, 1.5, -3.4028234663852886e38, Infinity, NaN]],
    ["float64", [0, -0, Math.PI, -Number.MAX_VALUE, -Infinity, Number.MIN_VALUE]],
    ["float16", f16],
    ["int8", [-128, -1, 0, 1, 100, 127]],
    ["uint8", [0, 1, 2, 128, 254, 255]],
    ["int16", [-32768, -1, 0, 1, 1000, 32767]],
    ["uint16", [0, 1, 2, 32768, 65534, 65535]],
    ["int32", [-2147483648, -1, 0, 1, 123456789, 2147483647]],
    ["uint32", [0, 1, 2, 2147483648, 4294967294, 4294967295]],
    ["int64", [-(2n ** 63n), -1n, 0n, 1n, 2n ** 53n + 1n, 2n ** 63n - 1n]],
    ["uint64", [0n, 1n, 2n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n]],
    ["bool", [0, 1, 1, 0, 0, 1]],
  ];
  return cases.map(([type, values]) => {
    const t = Tensor.zeros(type, [2, 3]);
    (t.data as unknown as { set(v: ArrayLike<number | bigint>): void }).set(values as ArrayLike<number | bigint>);
    return t;
  });
}

/** The raw bytes of a tensor's elements. */
export function bytesOf(t: Tensor): Uint8Array {
  const data = t.data as Exclude<Tensor["data"], string[]>;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A .npy file built by hand: any version, any header text, any data bytes. */
export function handMadeNpy(major: number, header: string, data: Uint8Array, minor = 0): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prefix = major === 1 ? 10 : 12;
  let length = text.length + 1;
  length += (64 - ((prefix + length) % 64)) % 64;
  const out = new Uint8Array(prefix + length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, length, true);
  else view.setUint32(8, length, true);
  out.fill(0x20, prefix, prefix + length - 1);
  out.set(text, prefix);
  out[prefix + length - 1] = 0x0a;
  out.set(data, prefix + length);
  return out;
}
