// Quantized weights ↔ the bytes and enum values the bitloop format stores them as (private to bitloop/).
// The FlatBuffers side is in _encode.ts / _decode.ts; layout.ts specifies the format.
import { float16BitsToFloat32, float16ToFloat32Array, float32ToFloat16Bits } from "../../graph/float16.ts";
import { groupCount, groupLayout, groupLengths, type WeightLayoutKind } from "../../graph/group_layout.ts";
import { pack, packedByteLength, unpack } from "../../graph/pack.ts";
import type { GroupLayout, QuantizedTensor } from "../../graph/quantized_tensor.ts";
import {
  DType as FbDType,
  PackedLayout,
  WeightLayoutKind as FbLayoutKind,
  ZeroPointMode,
} from "./schema/generated/bitloop_generated.ts";

/** IR layout kinds and their schema enum values. */
export const LAYOUT_KINDS: Readonly<Record<WeightLayoutKind, FbLayoutKind>> = {
  conv: FbLayoutKind.Conv,
  conv_transpose: FbLayoutKind.ConvTranspose,
  matmul_kn: FbLayoutKind.MatmulKn,
  matmul_nk: FbLayoutKind.MatmulNk,
  rnn: FbLayoutKind.Rnn,
  gather: FbLayoutKind.Gather,
};

/** The IR layout kind of a schema enum value, or undefined for an unknown one. */
export function layoutKindOf(value: number): WeightLayoutKind | undefined {
  return (Object.keys(LAYOUT_KINDS) as WeightLayoutKind[]).find((k) => LAYOUT_KINDS[k] === value);
}

/** The packed bytes of one quantized tensor, as the data section holds them. */
export interface QuantizedBytes {
  /** Packed codes (the record's `data`). */
  codes: Uint8Array;
  /** Scales at the scale dtype, little-endian. */
  scales: Uint8Array;
  /** Zero points (integer: packed at `bits` bits; float: at the scale dtype), or undefined when symmetric. */
  zeros: Uint8Array | undefined;
}

/** The enum values of a record's small fields. */
export function packedLayoutOf(q: QuantizedTensor): PackedLayout {
  return q.packing === "group" ? PackedLayout.LsbFirstGroupAligned : PackedLayout.LsbFirst;
}

/** The convolution groups a layout was computed with (only a ConvTranspose's can differ from 1). */
export function groupsOf(layout: GroupLayout): number {
  return layout.kind === "conv_transpose" && layout.channelsPerOuter > 0
    ? layout.channels / layout.channelsPerOuter
    : 1;
}

/**
 * Why a record is not self-consistent (its layout is not the one its dims, kind and block size give,
 * or an array has the wrong length), or undefined when it is.
 */
export function quantizedProblem(q: QuantizedTensor): string | undefined {
  if (!Number.isInteger(q.bits) || q.bits < 2 || q.bits > 8) return `bits must be 2..8, got ${q.bits}`;
  if (!Number.isSafeInteger(q.blockSize) || q.blockSize < 0) return `invalid block size ${q.blockSize}`;
  if (q.dtype !== "float32" && q.dtype !== "float16") return `dtype must be float32 or float16, got ${q.dtype}`;
  if (q.packing !== "continuous" && q.packing !== "group") return `unknown packing "${q.packing}"`;
  if (q.zeroPoint !== "integer" && q.zeroPoint !== "float") return `unknown zero point mode "${q.zeroPoint}"`;
  if (q.scaleDtype !== "float32" && q.scaleDtype !== "float16") return `unknown scale dtype "${q.scaleDtype}"`;
  for (const d of q.dims) if (!Number.isSafeInteger(d) || d < 0) return `invalid dim ${d} in [${q.dims}]`;
  let expected: GroupLayout;
  try {
    expected = groupLayout(q.dims, { kind: q.layout.kind, group: groupsOf(q.layout) }, q.blockSize);
  } catch (error) {
    return (error as Error).message;
  }
  const keys = Object.keys(expected) as (keyof GroupLayout)[];
  const differs = keys.find((k) => expected[k] !== q.layout[k]);
  if (differs) return `its layout's ${differs} is ${q.layout[differs]}, dims [${q.dims}] give ${expected[differs]}`;
  const count = groupCount(expected);
  const size = q.dims.reduce((a, b) => a * b, 1);
  const codeBytes = packedByteLength(q.bits, size, q.packing === "group" ? groupLengths(expected) : undefined);
  if (q.data.length !== codeBytes) return `${size} codes need ${codeBytes} packed bytes, it has ${q.data.length}`;
  if (q.scales.length !== count) return `${count} groups need ${count} scales, it has ${q.scales.length}`;
  if (q.symmetric && q.zeros !== undefined) return "a symmetric tensor has zero points";
  if (!q.symmetric && q.zeros?.length !== count) {
    return `${count} groups need ${count} zero points, it has ${q.zeros?.length ?? 0}`;
  }
  return undefined;
}

function floatBytes(values: Float32Array, half: boolean, what: string): Uint8Array {
  if (!half) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const h = float32ToFloat16Bits(v);
    if (float16BitsToFloat32(h) !== v && !(v !== v)) {
      throw new RangeError(`${what} ${i} is ${v}, not exact in float16 (the record's scale dtype)`);
    }
    out[i] = h;
  }
  return new Uint8Array(out.buffer);
}

/** The bytes to store for `q` (checked with {@link quantizedProblem} first). Throws `RangeError` for values the record's dtypes cannot hold exactly. */
export function quantizedBytes(q: QuantizedTensor, name: string): QuantizedBytes {
  const half = q.scaleDtype === "float16";
  const scales = floatBytes(q.scales, half, `Quantized tensor "${name}": scale`);
  let zeros: Uint8Array | undefined;
  if (q.zeros && q.zeroPoint === "float") {
    zeros = floatBytes(q.zeros, half, `Quantized tensor "${name}": zero point`);
  } else if (q.zeros) {
    const codes = new Uint8Array(q.zeros.length);
    const max = (1 << q.bits) - 1;
    for (let i = 0; i < codes.length; i++) {
      const z = q.zeros[i]!;
      if (!Number.isInteger(z) || z < 0 || z > max) {
        throw new RangeError(`Quantized tensor "${name}": integer zero point ${i} is ${z}, not in 0..${max}`);
      }
      codes[i] = z;
    }
    zeros = pack(codes, q.bits);
  }
  return { codes: q.data, scales, zeros };
}

/** Byte length of `count` scales (or float zero points) at a scale dtype. */
export function floatBytesLength(count: number, half: boolean): number {
  return count * (half ? 2 : 4);
}

/** Bytes the zero points of a `bits`-bit asymmetric tensor with `count` groups take. */
export function zeroBytesLength(count: number, bits: number, mode: "integer" | "float", half: boolean): number {
  return mode === "integer" ? packedByteLength(bits, count) : floatBytesLength(count, half);
}

/** Scales (or float zero points) from their stored bytes (copied). */
export function readFloats(bytes: Uint8Array, half: boolean): Float32Array {
  if (half) {
    const bits = new Uint16Array(bytes.length / 2);
    new Uint8Array(bits.buffer).set(bytes);
    return float16ToFloat32Array(bits);
  }
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Integer zero points from their packed bytes. */
export function readIntegerZeros(bytes: Uint8Array, bits: number, count: number): Float32Array {
  return Float32Array.from(unpack(bytes, bits, count));
}

/** The schema enum of a scale dtype. */
export function scaleDtypeCode(half: boolean): FbDType {
  return half ? FbDType.Float16 : FbDType.Float32;
}

export { PackedLayout, ZeroPointMode };
