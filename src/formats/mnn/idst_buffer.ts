/**
 * The `IDSTQuan.buffer` of a weight-quantized MNN convolution (`type = 1`, written by MNNConvert
 * `--weightQuantBits`, DESIGN.md §6). Byte by byte:
 *
 * 1. `ndim`: 1 byte (MNNConvert writes 2; a reader accepts 1..4).
 * 2. dims: `ndim` × uint16 little-endian, or × uint32 when `IDSTQuan.shapeInt32` is true (written when a
 *    dim exceeds 65535). MNNConvert writes `{oc·blockNum, blockSize}`: one row per quantization group.
 * 3. table size `T`: 1 byte, 0 meaning 256.
 * 4. table: `T` × int8, the quantized values; MNNConvert writes `−2^(b−1) .. 2^(b−1)−1` in order. MNN's
 *    reader sorts the table ascending before use, and so does this one.
 * 5. indices: `N = product(dims)` indices into the sorted table, each `b = max(1, ceil(log2 T))` bits,
 *    bit-packed MSB-first across byte boundaries (`pack_msb_first.ts`), `ceil(N·b/8)` bytes.
 *    With MNNConvert's table an index is `u = q + 2^(b−1)`.
 *
 * Bytes after the indices are ignored, as MNN ignores them.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { unpackMsbFirst } from "./pack_msb_first.ts";

/** The parsed contents of a type-1 `IDSTQuan.buffer`. */
export interface IdstBuffer {
  /** The stored dims (`[groups, groupSize]` from MNNConvert). */
  dims: number[];
  /** The value table, sorted ascending. */
  table: Int8Array;
  /** Index width in bits, from the table size. */
  bits: number;
  /** The quantized value of every weight, `table[index]`, in stored order. */
  values: Int8Array;
  /** Bytes of the buffer the layout covers (header, table and indices). */
  byteLength: number;
}

/** Bytes of the header before the table: ndim, dims, table size. */
export function idstHeaderBytes(ndim: number, shapeInt32: boolean): number {
  return 1 + ndim * (shapeInt32 ? 4 : 2) + 1;
}

/** Bits per index for a table of `size` entries (MNN's `atLestBitsCnt`, at least 1). */
export function idstIndexBits(size: number): number {
  return Math.max(1, Math.ceil(Math.log2(size)));
}

/**
 * Parses a type-1 `IDSTQuan.buffer` (layout above). `where` names the op in error messages. Throws
 * {@link ModelFormatError} (format `"mnn"`) when the buffer is shorter than its header says, declares
 * 0 or more than 4 dims, or holds an index past the end of its table.
 *
 * @example
 * ```ts
 * // 2 dims {1, 3}, a 16-entry table −8..7, then 4-bit indices 8+1, 8−1, 8+7 (q = 1, −1, 7)
 * const table = Array.from({ length: 16 }, (_, i) => (i - 8) & 0xff);
 * const buffer = new Uint8Array([2, 1, 0, 3, 0, 16, ...table, 0x97, 0xf0]);
 * const parsed = parseIdstBuffer(buffer, false, "conv1");
 * if (parsed.bits !== 4 || parsed.values.join() !== "1,-1,7") throw new Error("decoded");
 * ```
 */
export function parseIdstBuffer(buffer: Uint8Array, shapeInt32: boolean, where: string): IdstBuffer {
  const fail = (message: string, cause?: unknown): never => {
    throw new ModelFormatError("mnn", `Op "${where}": IDSTQuan buffer ${message}`, { cause });
  };
  if (buffer.length < 1) fail("is empty");
  const ndim = buffer[0]!;
  if (ndim < 1 || ndim > 4) fail(`declares ${ndim} dims, expected 1..4`);
  const header = idstHeaderBytes(ndim, shapeInt32);
  if (buffer.length < header) fail(`has ${buffer.length} bytes, its ${ndim}-dim header needs ${header}`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let k = 0; k < ndim; k++) {
    const d = shapeInt32 ? view.getUint32(1 + 4 * k, true) : view.getUint16(1 + 2 * k, true);
    dims.push(d);
    count *= d;
  }
  const tableSize = buffer[header - 1]! === 0 ? 256 : buffer[header - 1]!;
  const bits = idstIndexBits(tableSize);
  const indexBytes = Math.ceil((count * bits) / 8);
  const byteLength = header + tableSize + indexBytes;
  if (buffer.length < byteLength) {
    fail(
      `has ${buffer.length} bytes; dims [${dims.join(", ")}] with a ${tableSize}-entry table and ${bits}-bit ` +
        `indices need ${byteLength}`,
    );
  }
  const table = Int8Array.from(new Int8Array(buffer.buffer, buffer.byteOffset + header, tableSize)).sort();
  const indices = unpackMsbFirst(buffer.subarray(header + tableSize, byteLength), bits, count);
  const values = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const u = indices[i]!;
    if (u >= tableSize) fail(`index ${u} at weight ${i} is past its ${tableSize}-entry table`);
    values[i] = table[u]!;
  }
  return { dims, table, bits, values, byteLength };
}
