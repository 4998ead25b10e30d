// Quantized weights ↔ the bytes and enum values the bitloop format stores them as (private to bitloop/).
// The FlatBuffers side is in _encode.ts / _decode.ts; layout.ts specifies the format.
import { float16BitsToFloat32, float16ToFloat32Array, float32ToFloat16Bits } from "../../graph/float16.ts";
import { groupCount, groupLayout, groupLengths, type WeightLayoutKind } from "../../graph/group_layout.ts";
import { pack, packedByteLength, unpack } from "../../graph/pack.ts";
import type {
  GroupLayout,
  QuantizedTensor,
  ScaleDtype,
  ZeroPointMode as ZeroMode,
} from "../../graph/quantized_tensor.ts";
import { exactLog8Code, fixed8Code, fixed8Units, log8Scale } from "../../graph/compact_params.ts";
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
  /** Scales at the scale dtype, little-endian (log8: one code byte each). */
  scales: Uint8Array;
  /**
   * Zero points (integer: packed at `bits` bits; fixed8: a byte each; float: at the float scale dtype),
   * or undefined when symmetric.
   */
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
  if (q.zeroPoint !== "integer" && q.zeroPoint !== "float" && q.zeroPoint !== "fixed8") {
    return `unknown zero point mode "${q.zeroPoint}"`;
  }
  if (q.scaleDtype !== "float32" && q.scaleDtype !== "float16" && q.scaleDtype !== "log8") {
    return `unknown scale dtype "${q.scaleDtype}"`;
  }
  if (q.scaleDtype === "log8") {
    const ref = q.scaleRef;
    if (ref === undefined || !(ref > 0 && ref < Infinity) || Math.fround(ref) !== ref) {
      return `log8 scales need a positive float32 scaleRef, got ${ref}`;
    }
  } else if (q.scaleRef !== undefined) {
    return `a scaleRef only goes with log8 scales, not ${q.scaleDtype}`;
  }
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
  const what = `Quantized tensor "${name}"`;
  const scales = q.scaleDtype === "log8"
    ? log8Bytes(q.scales, q.scaleRef!, what)
    : floatBytes(q.scales, q.scaleDtype === "float16", `${what}: scale`);
  let zeros: Uint8Array | undefined;
  if (q.zeros && q.zeroPoint === "float") {
    zeros = floatBytes(q.zeros, q.scaleDtype === "float16", `${what}: zero point`);
  } else if (q.zeros && q.zeroPoint === "fixed8") {
    zeros = new Uint8Array(q.zeros.length);
    for (let i = 0; i < zeros.length; i++) {
      const z = fixed8Code(q.zeros[i]!, q.bits);
      if (z < 0) {
        throw new RangeError(
          `${what}: zero point ${i} is ${q.zeros[i]}, not a multiple of 1/${fixed8Units(q.bits)} in 0..255/${
            fixed8Units(q.bits)
          } (fixed8 at ${q.bits} bits)`,
        );
      }
      zeros[i] = z;
    }
  } else if (q.zeros) {
    const codes = new Uint8Array(q.zeros.length);
    const max = (1 << q.bits) - 1;
    for (let i = 0; i < codes.length; i++) {
      const z = q.zeros[i]!;
      if (!Number.isInteger(z) || z < 0 || z > max) {
        throw new RangeError(`${what}: integer zero point ${i} is ${z}, not in 0..${max}`);
      }
      codes[i] = z;
    }
    zeros = pack(codes, q.bits);
  }
  return { codes: q.data, scales, zeros };
}

function log8Bytes(scales: Float32Array, ref: number, what: string): Uint8Array {
  const out = new Uint8Array(scales.length);
  for (let i = 0; i < scales.length; i++) {
    const q = exactLog8Code(ref, scales[i]!);
    if (q < 0) {
      throw new RangeError(`${what}: scale ${i} is ${scales[i]}, not a log8 value of reference ${ref}`);
    }
    out[i] = q;
  }
  return out;
}

/** Byte length of `count` scales at a scale dtype. */
export function scaleBytesLength(count: number, dtype: ScaleDtype): number {
  return count * (dtype === "log8" ? 1 : dtype === "float16" ? 2 : 4);
}

/** Bytes the zero points of a `bits`-bit asymmetric tensor with `count` groups take. */
export function zeroBytesLength(count: number, bits: number, mode: ZeroMode, dtype: ScaleDtype): number {
  if (mode === "integer") return packedByteLength(bits, count);
  if (mode === "fixed8") return count;
  return count * (dtype === "float16" ? 2 : 4);
}

/** Scales (or float zero points) from their stored float bytes (copied). */
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

/** Scales from their stored bytes at `dtype` (log8 codes decoded against `ref`). */
export function readScales(bytes: Uint8Array, dtype: ScaleDtype, ref: number): Float32Array {
  if (dtype !== "log8") return readFloats(bytes, dtype === "float16");
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = log8Scale(ref, bytes[i]!);
  return out;
}

/** Zero points from their stored bytes. */
export function readZeros(
  bytes: Uint8Array,
  bits: number,
  count: number,
  mode: ZeroMode,
  dtype: ScaleDtype,
): Float32Array {
  if (mode === "integer") return Float32Array.from(unpack(bytes, bits, count));
  if (mode === "fixed8") {
    const units = fixed8Units(bits);
    return Float32Array.from(bytes, (b) => b / units);
  }
  return readFloats(bytes, dtype === "float16");
}

/** The schema enum of a scale dtype (log8 codes are stored as Uint8). */
export function scaleDtypeCode(dtype: ScaleDtype): FbDType {
  return dtype === "log8" ? FbDType.Uint8 : dtype === "float16" ? FbDType.Float16 : FbDType.Float32;
}

/** The scale dtype of a schema enum value, or undefined for one scales cannot have. */
export function scaleDtypeOf(code: number): ScaleDtype | undefined {
  return code === FbDType.Uint8
    ? "log8"
    : code === FbDType.Float16
    ? "float16"
    : code === FbDType.Float32
    ? "float32"
    : undefined;
}

/** The schema enum of a zero point mode. */
export function zeroPointModeCode(mode: ZeroMode): ZeroPointMode {
  return mode === "fixed8" ? ZeroPointMode.Fixed8 : mode === "float" ? ZeroPointMode.Float : ZeroPointMode.Integer;
}

/** The zero point mode of a schema enum value, or undefined for an unknown one. */
export function zeroPointModeOf(code: number): ZeroMode | undefined {
  return code === ZeroPointMode.Integer
    ? "integer"
    : code === ZeroPointMode.Float
    ? "float"
    : code === ZeroPointMode.Fixed8
    ? "fixed8"
    : undefined;
}

export { PackedLayout, ZeroPointMode };
