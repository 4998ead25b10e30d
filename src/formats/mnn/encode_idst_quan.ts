/**
 * The inverse of `decode_idst_quan.ts` for type 1: a bitloop {@link QuantizedTensor} as the fields of an
 * MNN `IDSTQuan` table, the way MNNConvert `--weightQuantBits` writes them (DESIGN.md §6), so MNN's
 * runtime and bitloop's reader both dequantize it to the quantizer's grid.
 *
 * bitloop's codes are unsigned, `w = (u − zero)·scale`; MNN's are signed table values `q` with
 * `w = q·scale` (symmetric) or `w = (q − aMin)·scale + min` (asymmetric). With MNNConvert's table
 * `−2^(b−1) .. 2^(b−1)−1` (sorted, as MNN sorts it) the stored index of a weight is its code `u`, its value
 * `q = u − 2^(b−1)`, and:
 * - symmetric (zero fixed at `2^(b−1)`): `alpha[g] = scale`, `readType = 0`, `aMin = 0`;
 * - asymmetric: `alpha[2g..2g+1] = [min, scale]` with `min = −zero·scale` (rounded to float32),
 *   `aMin = −2^(b−1)`, `readType = groups` (MNNConvert writes oc·blockNum there).
 * FP16 scales (`alphaFp16`, `scaleStorage = FP16`, MNNConvert `--weightQuantScaleBit 16`) hold the same
 * values as IEEE half: scales the quantizer fitted at float16 are exact, an asymmetric `min` is rounded to
 * half (at most 2^−11 of |min|, a shift of under 1/16 of a step at 8 bits).
 *
 * MNN needs equal groups of contiguous weights (one buffer row each), so the tensor must have been
 * quantized in the `conv` layout with a block size that divides its reduction rows (or per channel).
 * @module
 */
import { float32ToFloat16Array } from "../../graph/float16.ts";
import { groupCount, groupLengths } from "../../graph/group_layout.ts";
import { unpack } from "../../graph/pack.ts";
import type { QuantizedTensor } from "../../graph/quantized_tensor.ts";
import { packMsbFirst } from "./pack_msb_first.ts";

/** The IDSTQuan fields of one quantized weight (everything else is MNNConvert's constants, see `write_mnn.ts`). */
export interface IdstQuanEncoding {
  /** `buffer`: header, table and MSB-first indices (`idst_buffer.ts`). */
  buffer: Uint8Array;
  /** `alpha` (FP32 scales or `[min, scale]` pairs), or undefined with FP16 scales. */
  alpha: Float32Array | undefined;
  /** `alphaFp16`: the same values as half bits, when FP16 scales were asked for. */
  alphaFp16: Uint16Array | undefined;
  /** `aMaxOrBits`: the code width. */
  bits: number;
  /** `aMin`: `−2^(bits−1)` when asymmetric, else 0. */
  aMin: number;
  /** `readType`: the group count when asymmetric, else 0. */
  readType: number;
  /** `shapeInt32`: the buffer's dims are uint32 (a dim above 65535). */
  shapeInt32: boolean;
  /** Quantization groups (buffer rows). */
  groups: number;
}

/** Options for {@link encodeIdstQuan}. */
export interface EncodeIdstQuanOptions {
  /**
   * Store the scales as IEEE half (`alphaFp16`).
   * @default false
   */
  fp16Scales?: boolean;
  /**
   * Names the weight in errors.
   * @default "weight"
   */
  name?: string;
}

/**
 * Encodes `q` as MNN `IDSTQuan` type-1 fields. Throws `RangeError` when `q` cannot be stored that way:
 * a layout other than `conv`, or groups of unequal length (a ragged last block).
 *
 * @example
 * ```ts
 * import { decodeIdstQuan } from "./decode_idst_quan.ts";
 * // 2 channels × 4 weights, asymmetric 4-bit: codes 0..15, w = (u − zero)·scale
 * const q = {
 *   algorithm: "minmax", bits: 4, symmetric: false, blockSize: 0, dims: [2, 4, 1, 1], dtype: "float32",
 *   layout: { kind: "conv", channels: 2, channelsPerOuter: 2, outerStride: 0, channelStride: 4, rows: 4,
 *     rowStride: 1, inner: 1, blockRows: 4, blocksPerChannel: 1 },
 *   packing: "continuous", data: new Uint8Array([0x10, 0xf8, 0x32, 0x54]), scales: new Float32Array([0.5, 1]),
 *   zeros: new Float32Array([8, 2]), zeroPoint: "float", scaleDtype: "float32",
 * } as const;
 * const e = encodeIdstQuan(q);
 * const w = decodeIdstQuan({ type: 1, buffer: e.buffer, alpha: e.alpha!, alphaFp16: new Uint16Array(0),
 *   quantScale: 1, aMin: e.aMin, readType: e.readType, hasScaleInt: false, shapeInt32: e.shapeInt32,
 *   weightSize: 0, index: undefined }, "conv").weight;
 * if (w.join() !== "-4,-3.5,0,3.5,0,1,2,3") throw new Error("(u − zero)·scale");
 * ```
 */
export function encodeIdstQuan(q: QuantizedTensor, options: EncodeIdstQuanOptions = {}): IdstQuanEncoding {
  const name = options.name ?? "weight";
  const g = q.layout;
  if (g.kind !== "conv" || g.channelsPerOuter !== g.channels) {
    throw new RangeError(`Cannot store "${name}" as MNN IDSTQuan: its groups use the ${g.kind} layout, MNN needs conv`);
  }
  if (g.rows % g.blockRows !== 0) {
    throw new RangeError(
      `Cannot store "${name}" as MNN IDSTQuan: blocks of ${g.blockRows} rows leave a ragged last block of ` +
        `${g.rows % g.blockRows} (MNN needs equal groups; use a block size that divides ${g.rows})`,
    );
  }
  const groups = groupCount(g);
  const count = q.dims.reduce((a, b) => a * b, 1);
  const groupSize = count / groups;
  const codes = unpack(q.data, q.bits, count, q.packing === "group" ? groupLengths(g) : undefined);
  const half = 1 << (q.bits - 1);
  const tableSize = 1 << q.bits;
  const shapeInt32 = groups > 0xffff || groupSize > 0xffff;
  const dimBytes = shapeInt32 ? 4 : 2;
  const header = 1 + 2 * dimBytes + 1;
  const indices = packMsbFirst(codes, q.bits);
  const buffer = new Uint8Array(header + tableSize + indices.length);
  const view = new DataView(buffer.buffer);
  buffer[0] = 2;
  if (shapeInt32) {
    view.setUint32(1, groups, true);
    view.setUint32(5, groupSize, true);
  } else {
    view.setUint16(1, groups, true);
    view.setUint16(3, groupSize, true);
  }
  buffer[header - 1] = tableSize & 0xff; // 256 is written as 0
  for (let i = 0; i < tableSize; i++) buffer[header + i] = (i - half) & 0xff;
  buffer.set(indices, header + tableSize);
  let alpha: Float32Array;
  if (q.symmetric) {
    alpha = Float32Array.from(q.scales);
  } else {
    alpha = new Float32Array(2 * groups);
    for (let k = 0; k < groups; k++) {
      alpha[2 * k] = -q.zeros![k]! * q.scales[k]!;
      alpha[2 * k + 1] = q.scales[k]!;
    }
  }
  const fp16 = options.fp16Scales ?? false;
  return {
    buffer,
    alpha: fp16 ? undefined : alpha,
    alphaFp16: fp16 ? float32ToFloat16Array(alpha) : undefined,
    bits: q.bits,
    aMin: q.symmetric ? 0 : -half,
    readType: q.symmetric ? 0 : groups,
    shapeInt32,
    groups,
  };
}
