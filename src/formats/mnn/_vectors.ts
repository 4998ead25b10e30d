// Raw FlatBuffers vectors of a verified `.mnn` buffer as bytes, and little-endian copies of them as typed
// arrays (copies are aligned whatever the vector's offset, and never alias the file).
import type * as flatbuffers from "flatbuffers";
import { ModelFormatError } from "../../errors.ts";
import { freshBytes } from "../_fresh_bytes.ts";

/** A generated table accessor: its buffer and position. */
export interface FbTable {
  bb: flatbuffers.ByteBuffer | null;
  bb_pos: number;
}

/** The bytes of the vector in field `slot` of `table` (`elemBytes` each), or undefined when it is absent. */
export function vectorBytes(table: FbTable, slot: number, elemBytes: number): Uint8Array | undefined {
  const bb = table.bb!;
  const o = bb.__offset(table.bb_pos, 4 + 2 * slot);
  if (o === 0) return undefined;
  const start = bb.__vector(table.bb_pos + o);
  return bb.bytes().subarray(start, start + bb.__vector_len(table.bb_pos + o) * elemBytes);
}

/** An aligned copy of `bytes` (whose length is a multiple of 4) as float32 values. */
export function float32s(bytes: Uint8Array | undefined): Float32Array {
  return bytes ? new Float32Array(freshBytes(bytes).buffer) : new Float32Array(0);
}

/** An aligned copy of `bytes` as int32 values. */
export function int32s(bytes: Uint8Array | undefined): Int32Array {
  return bytes ? new Int32Array(freshBytes(bytes).buffer) : new Int32Array(0);
}

/** An aligned copy of `bytes` as uint32 values. */
export function uint32s(bytes: Uint8Array | undefined): Uint32Array {
  return bytes ? new Uint32Array(freshBytes(bytes).buffer) : new Uint32Array(0);
}

/** An aligned copy of `bytes` as uint16 values. */
export function uint16s(bytes: Uint8Array | undefined): Uint16Array {
  return bytes ? new Uint16Array(freshBytes(bytes).buffer) : new Uint16Array(0);
}

/** int64 values as numbers; throws a ModelFormatError naming `what` for one outside 0..2^53. */
export function nonNegativeInt64s(bytes: Uint8Array | undefined, what: string): number[] {
  if (!bytes) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 8 }, (_, i) => {
    const v = view.getBigInt64(8 * i, true);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ModelFormatError("mnn", `${what}: value ${v} at position ${i} is out of range`);
    }
    return Number(v);
  });
}
