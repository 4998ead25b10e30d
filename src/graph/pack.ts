/**
 * Sub-byte packing of quantization codes, bitloop's layout. Codes of `b` bits (2..8) form one
 * little-endian bit stream, LSB first:
 *
 * 1. code `i` (of a continuous stream) occupies stream bits `[i·b, (i+1)·b)`, its least significant
 *    bit first;
 * 2. stream bit `j` is bit `j mod 8` (0 = least significant) of byte `floor(j / 8)`;
 * 3. unused bits of the last byte are 0; the stream takes `ceil(n·b / 8)` bytes, so 3-bit codes waste at
 *    most 7 bits in total, never a byte per group.
 *
 * So for 4 bits byte `k` is `code[2k] | code[2k+1] << 4`; for 2 bits `c0 | c1<<2 | c2<<4 | c3<<6`; for 3
 * bits the first byte is `c0 | c1<<3 | (c2 & 3)<<6` and `c2`'s top bit opens the next byte.
 *
 * Group-aligned packing (pass `groupLengths`): every group starts a new byte — the same stream rules
 * per group, each group padded with zero bits to a whole byte — so a kernel can seek to any group
 * (`Σ ceil(len·b/8)` bytes in total). For groups whose `len·b` is a multiple of 8 (e.g. blocks of 32)
 * both layouts are the same bytes.
 *
 * MNN's converter uses the opposite bit order; see `src/formats/mnn/pack_msb_first.ts`. This layout is part of the
 * quantized-tensor record (`quantized_tensor.ts`), so it lives beside it; `src/quant/pack.ts` re-exports it.
 * @module
 */

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new RangeError(`Code width must be 1..8 bits, got ${bits}`);
  }
}

function checkGroups(groupLengths: ArrayLike<number>, count: number): void {
  let total = 0;
  for (let g = 0; g < groupLengths.length; g++) total += groupLengths[g]!;
  if (total !== count) {
    throw new RangeError(`Group lengths add up to ${total} codes, but there are ${count}`);
  }
}

/**
 * Bytes taken by `count` codes of `bits` bits, continuous, or group-aligned when `groupLengths` is given.
 *
 * @example
 * ```ts
 * if (packedByteLength(3, 10) !== 4) throw new Error("30 bits → 4 bytes");
 * if (packedByteLength(3, 10, [5, 5]) !== 4) throw new Error("2 × 15 bits → 2 × 2 bytes");
 * ```
 */
export function packedByteLength(bits: number, count: number, groupLengths?: ArrayLike<number>): number {
  checkBits(bits);
  if (!groupLengths) return Math.ceil((count * bits) / 8);
  let bytes = 0;
  for (let g = 0; g < groupLengths.length; g++) bytes += Math.ceil((groupLengths[g]! * bits) / 8);
  return bytes;
}

/**
 * Packs `codes` (each `< 2^bits`) LSB-first as this module describes; group-aligned when `groupLengths`
 * (summing to `codes.length`) is given. Throws `RangeError` for a code that does not fit.
 *
 * @example
 * ```ts
 * const bytes = pack(new Uint8Array([1, 2, 3]), 4);
 * if (bytes.length !== 2 || bytes[0] !== 0x21 || bytes[1] !== 0x03) throw new Error("nibbles, low first");
 * ```
 */
export function pack(codes: Uint8Array, bits: number, groupLengths?: ArrayLike<number>): Uint8Array {
  checkBits(bits);
  if (groupLengths) checkGroups(groupLengths, codes.length);
  const out = new Uint8Array(packedByteLength(bits, codes.length, groupLengths));
  const limit = 1 << bits;
  let o = 0;
  let acc = 0;
  let held = 0;
  let i = 0;
  const groups = groupLengths ? groupLengths.length : 1;
  for (let g = 0; g < groups; g++) {
    const end = groupLengths ? i + groupLengths[g]! : codes.length;
    for (; i < end; i++) {
      const c = codes[i]!;
      if (c >= limit) throw new RangeError(`Code ${c} at index ${i} does not fit in ${bits} bits`);
      acc |= c << held;
      held += bits;
      while (held >= 8) {
        out[o++] = acc & 0xff;
        acc >>>= 8;
        held -= 8;
      }
    }
    if (held > 0) {
      out[o++] = acc;
      acc = 0;
      held = 0;
    }
  }
  return out;
}

/**
 * Unpacks `count` codes of `bits` bits written by {@link pack} (with the same `groupLengths`, if any).
 * Throws `RangeError` when `bytes` is shorter than the layout needs.
 *
 * @example
 * ```ts
 * const codes = unpack(new Uint8Array([0x21, 0x03]), 4, 3);
 * if (codes.join() !== "1,2,3") throw new Error("round trip");
 * ```
 */
export function unpack(bytes: Uint8Array, bits: number, count: number, groupLengths?: ArrayLike<number>): Uint8Array {
  checkBits(bits);
  if (groupLengths) checkGroups(groupLengths, count);
  const need = packedByteLength(bits, count, groupLengths);
  if (bytes.length < need) {
    throw new RangeError(`Packed ${bits}-bit codes: ${count} codes need ${need} bytes, got ${bytes.length}`);
  }
  const out = new Uint8Array(count);
  const mask = (1 << bits) - 1;
  let b = 0;
  let acc = 0;
  let held = 0;
  let i = 0;
  const groups = groupLengths ? groupLengths.length : 1;
  for (let g = 0; g < groups; g++) {
    const end = groupLengths ? i + groupLengths[g]! : count;
    for (; i < end; i++) {
      while (held < bits) {
        acc |= bytes[b++]! << held;
        held += 8;
      }
      out[i] = acc & mask;
      acc >>>= bits;
      held -= bits;
    }
    acc = 0;
    held = 0;
  }
  return out;
}
