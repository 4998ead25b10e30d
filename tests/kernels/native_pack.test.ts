// packNativeQcw, the native aarch64 weight layout, checked on any host (the kernels themselves run under
// qemu in native_arm64.test.ts): 4-bit codes take half a byte, 2-bit a quarter, 8-bit one signed byte;
// an independent decoder of the layout rule (kernels/native/README.md) gets every code back; the per-block
// sums are those of the stored codes; codes that do not fit their width are refused.
import { describe, expect, test } from "bun:test";
import { nativeQcwBytes, packNativeQcw } from "../../src/kernels/native.ts";
import { qcwBlockLength, qcwBlocks, type QcwWeights } from "../../src/kernels/ref/qd8_f32_qcw_gemm_ref.ts";
import { seededRandom } from "../_random.ts";

// The stored code at position kk of column j, straight from the README's rule: inside a block, groups of
// 32 codes then of 8; group of G codes at position p → bytes from p·bits/8, code i in byte i % B at bit
// ⌊i/B⌋·bits, B = G·bits/8.
function storedCode(bytes: Uint8Array, kp: number, bits: number, bl: number, j: number, kk: number): number {
  const col = (j * kp * bits) / 8;
  if (bits === 8) return (bytes[col + kk]! << 24) >> 24;
  const k0 = Math.floor(kk / bl) * bl;
  const k1 = Math.min(k0 + bl, kp);
  const groups: Array<[number, number]> = [];
  let p = k0;
  for (; p + 32 <= k1; p += 32) groups.push([p, 32]);
  for (; p < k1; p += 8) groups.push([p, 8]);
  const [start, g] = groups.find(([s, len]) => kk >= s && kk < s + len)!;
  const b = (g * bits) / 8;
  const i = kk - start;
  return (bytes[col + (start * bits) / 8 + (i % b)]! >> (Math.floor(i / b) * bits)) & ((1 << bits) - 1);
}

describe("packNativeQcw", () => {
  const next = seededRandom(41);
  // [n, k, bits, blockSize]: odd k tails, blocks of 8..96, per channel
  const cases: Array<[number, number, 2 | 4 | 8, number]> = [
    [3, 1, 4, 0],
    [5, 71, 4, 40],
    [4, 200, 4, 0],
    [3, 113, 4, 56],
    [2, 15, 4, 8],
    [5, 57, 2, 8],
    [7, 99, 2, 0],
    [3, 130, 2, 64],
    [2, 300, 2, 96],
    [4, 45, 2, 24],
    [3, 90, 8, 40],
    [2, 37, 8, 0],
  ];
  for (const [n, k, bits, blockSize] of cases) {
    test(`n=${n} k=${k} bits=${bits} block=${blockSize}: size, codes and sums`, () => {
      const nb = qcwBlocks(k, blockSize);
      const w: QcwWeights = {
        n,
        k,
        bits,
        blockSize,
        codes: Uint8Array.from({ length: n * k }, () => Math.floor(next() * 2 ** bits)),
        scales: new Float32Array(n * nb).fill(0.01),
      };
      const p = packNativeQcw(w);
      const kp = Math.ceil(k / 8) * 8;
      expect(p.kp).toBe(kp);
      expect(p.codes.length).toBe((n * kp * bits) / 8);
      expect(p.codes.length).toBe(nativeQcwBytes(n, k, bits));
      const bl = qcwBlockLength(k, blockSize);
      const sums = new Int32Array(n * nb);
      for (let j = 0; j < n; j++) {
        for (let kk = 0; kk < kp; kk++) {
          const got = storedCode(p.codes, kp, bits, bl, j, kk);
          const want = kk < k ? w.codes[j * k + kk]! - (bits === 8 ? 128 : 0) : 0;
          if (got !== want) expect({ j, kk, got }).toEqual({ j, kk, got: want });
          sums[j * nb + Math.floor(kk / bl)]! += got;
        }
      }
      expect([...p.codeSum]).toEqual([...sums]);
    });
  }

  test("4-bit weights take half a byte per padded code, 2-bit a quarter", () => {
    const w = (bits: 2 | 4 | 8): QcwWeights => ({
      n: 96,
      k: 100,
      bits,
      blockSize: 32,
      codes: new Uint8Array(9600),
      scales: new Float32Array(96 * 4),
    });
    expect(packNativeQcw(w(8)).codes.length).toBe(96 * 104);
    expect(packNativeQcw(w(4)).codes.length).toBe((96 * 104) / 2);
    expect(packNativeQcw(w(2)).codes.length).toBe((96 * 104) / 4);
  });

  test("refuses codes that do not fit the bit width, and a wrong code count", () => {
    const base = { n: 1, k: 8, blockSize: 0, scales: new Float32Array([1]) };
    expect(() => packNativeQcw({ ...base, bits: 4, codes: new Uint8Array([1, 2, 3, 16, 0, 0, 0, 0]) })).toThrow(
      /code 16 at column 0, position 3 does not fit 4 bits/,
    );
    expect(() => packNativeQcw({ ...base, bits: 2, codes: new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0]) })).toThrow(
      /does not fit 2 bits/,
    );
    expect(() => packNativeQcw({ ...base, bits: 2, codes: new Uint8Array(7) })).toThrow(/expected n·k = 8/);
  });
});
