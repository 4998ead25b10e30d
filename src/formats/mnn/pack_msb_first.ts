/**
 * MNN's bit packing (`IDSTEncoder::FillBuffer`, DESIGN.md §6), for the MNN writer and reader. Codes of
 * `b` bits (1..8) form one continuous big-endian bit stream, MSB first:
 *
 * 1. code `i` occupies stream bits `[i·b, (i+1)·b)`, its most significant bit first;
 * 2. stream bit `j` is bit `7 − (j mod 8)` (7 = most significant) of byte `floor(j / 8)`;
 * 3. unused low bits of the last byte are 0; `ceil(n·b / 8)` bytes in total.
 *
 * So for 4 bits byte `k` is `code[2k] << 4 | code[2k+1]`; for 3 bits the first byte is
 * `c0<<5 | c1<<2 | c2>>1`. MNN packs its table indices `u = q + 2^(b−1)`, which are bitloop's unsigned
 * codes for the same grid.
 * @module
 */

/**
 * Packs `codes` (each `< 2^bits`) MSB-first, MNN's layout. Throws `RangeError` for a code that does not
 * fit.
 *
 * @example
 * ```ts
 * const bytes = packMsbFirst(new Uint8Array([1, 2, 3]), 4);
 * if (bytes[0] !== 0x12 || bytes[1] !== 0x30) throw new Error("high nibble first");
 * ```
 */
export function packMsbFirst(codes: Uint8Array, bits: number): Uint8Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new RangeError(`Code width must be 1..8 bits, got ${bits}`);
  }
  const out = new Uint8Array(Math.ceil((codes.length * bits) / 8));
  const limit = 1 << bits;
  let o = 0;
  let acc = 0;
  let held = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c >= limit) throw new RangeError(`Code ${c} at index ${i} does not fit in ${bits} bits`);
    acc = (acc << bits) | c;
    held += bits;
    if (held >= 8) {
      held -= 8;
      out[o++] = acc >>> held;
      acc &= (1 << held) - 1;
    }
  }
  if (held > 0) out[o] = acc << (8 - held);
  return out;
}

/**
 * Unpacks `count` codes of `bits` bits packed MSB-first (MNN's layout). Throws `RangeError` when `bytes`
 * is shorter than `ceil(count·bits/8)`.
 *
 * @example
 * ```ts
 * if (unpackMsbFirst(new Uint8Array([0x12, 0x30]), 4, 3).join() !== "1,2,3") throw new Error("round trip");
 * ```
 */
export function unpackMsbFirst(bytes: Uint8Array, bits: number, count: number): Uint8Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new RangeError(`Code width must be 1..8 bits, got ${bits}`);
  }
  const need = Math.ceil((count * bits) / 8);
  if (bytes.length < need) {
    throw new RangeError(`MSB-first ${bits}-bit codes: ${count} codes need ${need} bytes, got ${bytes.length}`);
  }
  const out = new Uint8Array(count);
  const mask = (1 << bits) - 1;
  let b = 0;
  let acc = 0;
  let held = 0;
  for (let i = 0; i < count; i++) {
    if (held < bits) {
      acc = ((acc << 8) | bytes[b++]!) & 0xffff;
      held += 8;
    }
    held -= bits;
    out[i] = (acc >>> held) & mask;
  }
  return out;
}
