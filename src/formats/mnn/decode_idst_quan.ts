/**
 * Decodes an MNN `IDSTQuan` (a convolution's compressed weights) to float32 weights, reproducing MNN's own
 * load-time dequantization (`ConvolutionCommon::load`, DESIGN.md §6) including its float32 rounding:
 *
 * - `type 1` (MNNConvert `--weightQuantBits`): table + MSB-first indices (`idst_buffer.ts`). The weights
 *   form `G` equal groups of contiguous weights (one per output channel × block, the buffer's rows).
 *   Symmetric (`readType = 0`): `alpha[g]` is the scale and `w = q·scale`, `G = alpha.length`.
 *   Asymmetric (`readType ≠ 0`): `alpha` holds `[min, scale]` pairs, `G = alpha.length / 2`, and
 *   `w = (q − aMin)·scale + min` (`aMin = 0` means −128), computed as MNN does:
 *   `w = f32(q·scale) + f32(min − f32(aMin·scale))`. Unless `has_scaleInt`, every alpha is first
 *   multiplied by `quantScale` (MNNConvert writes 1). FP16 scales (`scaleStorage = FP16`) come from
 *   `alphaFp16`.
 * - `type 3` (`--fp16`): `buffer` holds the weights as IEEE half, little-endian.
 * - `type 4`: `buffer` holds the int8 values directly; dequantized as type 1.
 * - sparse (`index` present): `w[index[i]] = alpha[i]`, the rest 0, `weightSize` weights.
 *
 * `type 2` (sparse quantized) is not read.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { float16ToFloat32Array } from "../../graph/float16.ts";
import { parseIdstBuffer } from "./idst_buffer.ts";

/** The fields of an `IDSTQuan` table that decoding uses, with vectors already resolved (inline or sidecar). */
export interface IdstQuanFields {
  /** 1 table-quantized, 2 sparse quantized, 3 fp16, 4 raw int8. */
  type: number;
  /** `buffer`, as bytes. */
  buffer: Uint8Array;
  /** `alpha` (FP32 scales, or `[min, scale]` pairs). */
  alpha: Float32Array;
  /** `alphaFp16`: the same as FP16 bits, used when `alpha` is empty. */
  alphaFp16: Uint16Array;
  /** `quantScale`. */
  quantScale: number;
  /** `aMin`: the lowest quantized value of an asymmetric grid; 0 means −128. */
  aMin: number;
  /** `readType`: non-zero for asymmetric `[min, scale]` alphas. */
  readType: number;
  /** `has_scaleInt`. */
  hasScaleInt: boolean;
  /** `shapeInt32`: buffer dims are uint32. */
  shapeInt32: boolean;
  /** `weightSize`: weight count of a sparse tensor. */
  weightSize: number;
  /** `index`: positions of a sparse tensor's non-zero weights, when it is sparse. */
  index: Uint32Array | undefined;
}

/** Decoded weights and what the encoding was. */
export interface DecodedIdstQuan {
  /** The float32 weights, in stored order. */
  weight: Float32Array;
  /** `"quantized"` (types 1, 4), `"float16"` (type 3) or `"sparse"`. */
  kind: "quantized" | "float16" | "sparse";
  /** Index width in bits (quantized), from the table size; 8 for type 4. */
  bits: number | undefined;
  /** Quantization groups (quantized): `G` above. */
  groups: number | undefined;
  /** Weights per group (quantized). */
  groupSize: number | undefined;
  /** True when the alphas are `[min, scale]` pairs. */
  asymmetric: boolean;
  /** True when the scales were stored as FP16. */
  fp16Scales: boolean;
  /** The quantized values (quantized). */
  values: Int8Array | undefined;
  /** Per-group scales, `quantScale` applied (quantized). */
  scales: Float32Array | undefined;
  /** Per-group minimums, `quantScale` applied (asymmetric). */
  mins: Float32Array | undefined;
  /** The quantized value that maps to `min`: `aMin` (−128 when stored as 0); 0 when symmetric. */
  aMin: number;
}

/**
 * Decodes an IDSTQuan to float32 weights exactly as MNN dequantizes them at load. `where` names the op in
 * error messages. Throws {@link ModelFormatError} (format `"mnn"`) for a corrupt or unsupported encoding:
 * a buffer shorter than its layout, alphas that do not divide the weights into whole groups, a sparse
 * index out of range.
 *
 * @example
 * ```ts
 * // 2 weights in one asymmetric 4-bit group: min −1, scale 0.5, q = −8 and 7 → −1 and 6.5
 * const table = Array.from({ length: 16 }, (_, i) => (i - 8) & 0xff);
 * const fields = {
 *   type: 1, buffer: new Uint8Array([2, 1, 0, 2, 0, 16, ...table, 0x0f]), alpha: new Float32Array([-1, 0.5]),
 *   alphaFp16: new Uint16Array(0), quantScale: 1, aMin: -8, readType: 1, hasScaleInt: false,
 *   shapeInt32: false, weightSize: 0, index: undefined,
 * };
 * if (decodeIdstQuan(fields, "conv").weight.join() !== "-1,6.5") throw new Error("dequantized");
 * ```
 */
export function decodeIdstQuan(quan: IdstQuanFields, where: string): DecodedIdstQuan {
  const fail = (message: string): never => {
    throw new ModelFormatError("mnn", `Op "${where}": ${message}`);
  };
  const fp16Scales = quan.alpha.length === 0 && quan.alphaFp16.length > 0;
  const alpha = fp16Scales ? float16ToFloat32Array(quan.alphaFp16) : quan.alpha;
  const base = {
    bits: undefined,
    groups: undefined,
    groupSize: undefined,
    asymmetric: false,
    fp16Scales,
    values: undefined,
    scales: undefined,
    mins: undefined,
    aMin: 0,
  };
  if (quan.index !== undefined) return { ...base, kind: "sparse", weight: sparseWeights(quan, alpha, fail) };
  if (quan.type === 3) {
    if (quan.buffer.length % 2 !== 0) fail(`fp16 IDSTQuan buffer has an odd length ${quan.buffer.length}`);
    const halves = new Uint16Array(quan.buffer.length / 2);
    const view = new DataView(quan.buffer.buffer, quan.buffer.byteOffset, quan.buffer.byteLength);
    for (let i = 0; i < halves.length; i++) halves[i] = view.getUint16(2 * i, true);
    return { ...base, kind: "float16", weight: float16ToFloat32Array(halves) };
  }
  let values: Int8Array;
  let bits: number;
  if (quan.type === 1) {
    ({ values, bits } = parseIdstBuffer(quan.buffer, quan.shapeInt32, where));
  } else if (quan.type === 4) {
    values = new Int8Array(quan.buffer.buffer, quan.buffer.byteOffset, quan.buffer.byteLength);
    bits = 8;
  } else {
    return fail(
      quan.type === 2
        ? "sparse quantized weights (IDSTQuan type 2) are not supported"
        : `unknown IDSTQuan type ${quan.type}`,
    );
  }
  const asymmetric = quan.readType !== 0;
  const groups = asymmetric ? Math.floor(alpha.length / 2) : alpha.length;
  if (groups === 0 || (asymmetric && alpha.length % 2 !== 0) || values.length % groups !== 0) {
    fail(
      `${alpha.length} ${asymmetric ? "asymmetric " : ""}alpha values do not split ${values.length} weights ` +
        `into equal groups`,
    );
  }
  const groupSize = values.length / groups;
  const weight = new Float32Array(values.length);
  const scales = new Float32Array(groups);
  const mins = asymmetric ? new Float32Array(groups) : undefined;
  const clampMin = !asymmetric ? 0 : quan.aMin === 0 ? -128 : quan.aMin;
  const factor = quan.hasScaleInt ? 1 : quan.quantScale;
  const f32 = Math.fround;
  for (let g = 0; g < groups; g++) {
    let scale: number, offset: number;
    if (asymmetric) {
      scale = f32(alpha[2 * g + 1]! * factor);
      offset = f32(f32(alpha[2 * g]! - f32(clampMin * alpha[2 * g + 1]!)) * factor);
      mins![g] = alpha[2 * g]! * factor;
    } else {
      scale = f32(alpha[g]! * factor);
      offset = 0;
    }
    scales[g] = scale;
    for (let i = g * groupSize, end = i + groupSize; i < end; i++) weight[i] = f32(values[i]! * scale) + offset;
  }
  return {
    ...base,
    kind: "quantized",
    weight,
    bits,
    groups,
    groupSize,
    asymmetric,
    values,
    scales,
    mins,
    aMin: clampMin,
  };
}

function sparseWeights(quan: IdstQuanFields, alpha: Float32Array, fail: (message: string) => never): Float32Array {
  const index = quan.index!;
  if (alpha.length !== index.length) fail(`sparse weights: ${index.length} indices but ${alpha.length} values`);
  const weight = new Float32Array(quan.weightSize);
  for (let i = 0; i < index.length; i++) {
    const at = index[i]!;
    if (at >= quan.weightSize) fail(`sparse weight index ${at} is past weightSize ${quan.weightSize}`);
    weight[at] = alpha[i]!;
  }
  return weight;
}
