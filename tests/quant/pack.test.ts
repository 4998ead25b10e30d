import { describe, expect, test } from "bun:test";
import { pack, packedByteLength, unpack } from "../../src/quant/pack.ts";
import { packMsbFirst, unpackMsbFirst } from "../../src/formats/mnn/pack_msb_first.ts";
import { seededRandom } from "../_random.ts";

const BITS = [2, 3, 4, 5, 6, 7, 8];

function randomCodes(n: number, bits: number, seed: number): Uint8Array {
  const next = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * (1 << bits)));
}

/** Reference: the stream as a string of bits, code by code, LSB first (or MSB first). */
function bitString(codes: Uint8Array, bits: number, msbFirst: boolean): string {
  let s = "";
  for (const c of codes) {
    const b = c.toString(2).padStart(bits, "0");
    s += msbFirst ? b : [...b].reverse().join("");
  }
  return s;
}

/** Reference: packs a bit string into bytes, stream bit j at bit (j mod 8) (or 7 − j mod 8). */
function bytesOfBits(s: string, msbFirst: boolean): Uint8Array {
  const out = new Uint8Array(Math.ceil(s.length / 8));
  for (let j = 0; j < s.length; j++) {
    if (s[j] === "1") out[j >> 3]! |= 1 << (msbFirst ? 7 - (j & 7) : j & 7);
  }
  return out;
}

describe("pack (LSB first)", () => {
  test("known bytes for 2, 3, 4 and 8 bits", () => {
    expect([...pack(new Uint8Array([1, 2, 3, 0, 3]), 2)]).toEqual([0b00111001, 0b00000011]);
    // 3 bits: c0=7 → bits 0..2, c1=0 → bits 3..5, c2=5 → bits 6..8 (its top bit opens byte 1).
    expect([...pack(new Uint8Array([7, 0, 5]), 3)]).toEqual([0x47, 0x01]);
    expect([...pack(new Uint8Array([1, 2, 3]), 4)]).toEqual([0x21, 0x03]);
    expect([...pack(new Uint8Array([0, 255, 7]), 8)]).toEqual([0, 255, 7]);
  });

  for (const bits of BITS) {
    test(`${bits}-bit codes match the bit-stream reference and round-trip, continuous and group-aligned`, () => {
      const codes = randomCodes(101, bits, bits);
      const packed = pack(codes, bits);
      expect(packed.length).toBe(Math.ceil((101 * bits) / 8));
      expect([...packed]).toEqual([...bytesOfBits(bitString(codes, bits, false), false)]);
      expect([...unpack(packed, bits, 101)]).toEqual([...codes]);

      const groups = [32, 32, 32, 5]; // a ragged last group
      const aligned = pack(codes, bits, groups);
      let offset = 0;
      const expected: number[] = [];
      for (const len of groups) {
        expected.push(...bytesOfBits(bitString(codes.subarray(offset, offset + len), bits, false), false));
        offset += len;
      }
      expect([...aligned]).toEqual(expected);
      expect(aligned.length).toBe(packedByteLength(bits, 101, groups));
      expect([...unpack(aligned, bits, 101, groups)]).toEqual([...codes]);
    });
  }

  test("3-bit codes waste nothing beyond the final byte; group alignment costs at most a byte per group", () => {
    for (let n = 0; n < 40; n++) expect(pack(new Uint8Array(n).fill(5), 3).length).toBe(Math.ceil((3 * n) / 8));
    expect(packedByteLength(3, 15, [5, 5, 5])).toBe(6); // 15 bits → 2 bytes per group
    expect(packedByteLength(3, 96, [32, 32, 32])).toBe(36); // 96 bits per group → aligned anyway
    expect([...pack(randomCodes(96, 3, 1), 3, [32, 32, 32])]).toEqual([...pack(randomCodes(96, 3, 1), 3)]);
  });

  test("codes that do not fit, short buffers and mismatched group lengths are RangeErrors", () => {
    expect(() => pack(new Uint8Array([4]), 2)).toThrow(/Code 4 at index 0 does not fit in 2 bits/);
    expect(() => unpack(new Uint8Array(1), 4, 3)).toThrow(/3 codes need 2 bytes, got 1/);
    expect(() => pack(new Uint8Array(4), 4, [3])).toThrow(/add up to 3 codes, but there are 4/);
    expect(() => pack(new Uint8Array(4), 9)).toThrow(RangeError);
  });
});

describe("packMsbFirst (MNN's layout)", () => {
  test("known bytes: high bits first, across byte boundaries", () => {
    expect([...packMsbFirst(new Uint8Array([1, 2, 3]), 4)]).toEqual([0x12, 0x30]);
    // 3 bits: 111 000 101 → 11100010 1·······
    expect([...packMsbFirst(new Uint8Array([7, 0, 5]), 3)]).toEqual([0xe2, 0x80]);
    expect([...packMsbFirst(new Uint8Array([2, 1, 0, 3, 1]), 2)]).toEqual([0b10010011, 0b01000000]);
  });

  for (const bits of BITS) {
    test(`${bits}-bit codes match the MSB-first bit-stream reference and round-trip`, () => {
      const codes = randomCodes(77, bits, 100 + bits);
      const packed = packMsbFirst(codes, bits);
      expect(packed.length).toBe(Math.ceil((77 * bits) / 8));
      expect([...packed]).toEqual([...bytesOfBits(bitString(codes, bits, true), true)]);
      expect([...unpackMsbFirst(packed, bits, 77)]).toEqual([...codes]);
    });
  }

  test("codes that do not fit and short buffers are RangeErrors", () => {
    expect(() => packMsbFirst(new Uint8Array([8]), 3)).toThrow(/does not fit in 3 bits/);
    expect(() => unpackMsbFirst(new Uint8Array(2), 3, 8)).toThrow(/8 codes need 3 bytes, got 2/);
  });
});
