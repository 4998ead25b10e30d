// A convolution's raw fields taken from a verified `.mnn` buffer (`convSourceOf`), and their decoding to an
// MnnConvolution (`decodeConvolution`) once any external weight file is at hand.
//
// External data (MNNConvert --saveExternalData): `Convolution2D.external = [offset, size, ...]`, the
// vectors stored back to back from `offset` in the weight file and emptied in the model. Quantized
// (IDSTQuan present): sizes of `buffer` (int8), `alpha` (float32), `bias` (float32), `index` (uint32), the
// last two optional. Float: sizes of `weight`, `bias` (float32). `alphaFp16` is never stored externally.
import { ModelFormatError } from "../../errors.ts";
import type { Convolution2D as FbConvolution2D } from "./schema/generated/mnn/convolution2d.ts";
import { decodeIdstQuan, type IdstQuanFields } from "./decode_idst_quan.ts";
import type { MnnConvolution, MnnConvolutionCommon, MnnWeightQuantization } from "./mnn_net.ts";
import { MNN_CONV_OP_TYPES } from "./op_type_name.ts";
import { float32s, int32s, nonNegativeInt64s, uint16s, uint32s, vectorBytes } from "./_vectors.ts";

/** Most weights one convolution may decode to (a sparse tensor's `weightSize` is not backed by bytes). */
const MAX_SPARSE_WEIGHTS = 2 ** 28;

/** Where a convolution's vectors are in the external weight file. */
export interface ExternalRanges {
  /** `Op.externalPath`, or undefined for the model's own `<model>.weight`. */
  path: string | undefined;
  /** Byte offset of the first vector. */
  offset: number;
  /** Byte sizes of the vectors, in storage order. */
  sizes: number[];
}

/** Everything decoding needs, before external data is read. */
export interface ConvSource {
  where: string;
  opType: number;
  common: MnnConvolutionCommon;
  weight: Uint8Array | undefined;
  bias: Uint8Array | undefined;
  quan:
    | Omit<IdstQuanFields, "buffer" | "alpha" | "alphaFp16" | "index"> & {
      buffer: Uint8Array | undefined;
      alpha: Uint8Array | undefined;
      alphaFp16: Uint8Array | undefined;
      index: Uint8Array | undefined;
    }
    | undefined;
  external: ExternalRanges | undefined;
}

/** Reads a convolution's fields (no decoding yet). */
export function convSourceOf(
  conv: FbConvolution2D,
  opType: number,
  where: string,
  externalPath: string | undefined,
): ConvSource {
  const c = conv.common();
  const common: MnnConvolutionCommon = {
    padX: c?.padX() ?? 0,
    padY: c?.padY() ?? 0,
    kernelX: c?.kernelX() ?? 1,
    kernelY: c?.kernelY() ?? 1,
    strideX: c?.strideX() ?? 1,
    strideY: c?.strideY() ?? 1,
    dilateX: c?.dilateX() ?? 1,
    dilateY: c?.dilateY() ?? 1,
    padMode: c?.padMode() ?? 0,
    group: c?.group() ?? 1,
    outputCount: c?.outputCount() ?? 0,
    inputCount: c?.inputCount() ?? 0,
    relu: c?.relu() ?? false,
    relu6: c?.relu6() ?? false,
    pads: c ? [...int32s(vectorBytes(c, 14, 4))] : [],
    outPads: c ? [...int32s(vectorBytes(c, 15, 4))] : [],
    hasOutputShape: c?.hasOutputShape() ?? false,
  };
  const q = conv.quanParameter();
  const quan = q
    ? {
      type: q.type(),
      quantScale: q.quantScale(),
      aMin: q.aMin(),
      readType: q.readType(),
      hasScaleInt: q.hasScaleInt(),
      shapeInt32: q.shapeInt32(),
      weightSize: q.weightSize(),
      buffer: vectorBytes(q, 0, 1),
      alpha: vectorBytes(q, 1, 4),
      alphaFp16: vectorBytes(q, 14, 2),
      index: vectorBytes(q, 13, 4),
    }
    : undefined;
  const ext = nonNegativeInt64s(vectorBytes(conv, 6, 8), `Op "${where}": Convolution2D.external`);
  return {
    where,
    opType,
    common,
    weight: vectorBytes(conv, 1, 4),
    bias: vectorBytes(conv, 2, 4),
    quan,
    external: ext.length > 1 ? { path: externalPath, offset: ext[0]!, sizes: ext.slice(1) } : undefined,
  };
}

/** Splits a convolution's external vectors out of `file`. */
function externalVectors(source: ConvSource, file: Uint8Array): (Uint8Array | undefined)[] {
  const { offset, sizes, path } = source.external!;
  const total = sizes.reduce((a, b) => a + b, 0);
  const name = path === undefined ? "the model's weight file" : `weight file "${path}"`;
  if (offset + total > file.length) {
    throw new ModelFormatError(
      "mnn",
      `Op "${source.where}": external data [${offset}, ${offset + total}) lies outside ${name} ` +
        `(${file.length} bytes): truncated or wrong weight file`,
    );
  }
  let at = offset;
  return sizes.map((n) => {
    const part = n === 0 ? undefined : file.subarray(at, at + n);
    at += n;
    return part;
  });
}

function checkElements(bytes: Uint8Array | undefined, size: number, what: string, where: string): void {
  if (bytes && bytes.length % size !== 0) {
    throw new ModelFormatError("mnn", `Op "${where}": ${what} has ${bytes.length} bytes, not a multiple of ${size}`);
  }
}

/** The shape of `count` weights of this convolution (see MnnConvolution.weightDims). */
function weightDimsOf(source: ConvSource, count: number): number[] {
  const { outputCount: oc, inputCount: ic, group: g, kernelX: kx, kernelY: ky } = source.common;
  const deconv = source.opType === MNN_CONV_OP_TYPES.Deconvolution ||
    source.opType === MNN_CONV_OP_TYPES.DeconvolutionDepthwise;
  const fail = (why: string): never => {
    throw new ModelFormatError(
      "mnn",
      `Op "${source.where}": ${count} weights do not fit outputCount ${oc}, inputCount ${ic}, group ${g}, ` +
        `kernel ${ky}×${kx}${why}`,
    );
  };
  if (!(oc > 0 && g > 0 && kx > 0 && ky > 0)) fail("");
  let dims: number[];
  if (deconv) {
    if (oc % g !== 0) fail(" (outputCount is not a multiple of group)");
    dims = [ic > 0 ? ic : count / ((oc / g) * ky * kx), oc / g, ky, kx];
  } else {
    if (ic > 0 && ic % g !== 0) fail(" (inputCount is not a multiple of group)");
    dims = [oc, ic > 0 ? ic / g : count / (oc * ky * kx), ky, kx];
  }
  if (!Number.isInteger(dims[0]) || !Number.isInteger(dims[1]) || dims.reduce((a, b) => a * b, 1) !== count) fail("");
  return dims;
}

/** Decodes a convolution's weights; `file` is its external weight file when it has external data. */
export function decodeConvolution(source: ConvSource, file: Uint8Array | undefined): MnnConvolution {
  const { where, quan } = source;
  let weightBytes = source.weight, biasBytes = source.bias;
  let buffer = quan?.buffer, alpha = quan?.alpha, index = quan?.index;
  if (source.external) {
    const parts = externalVectors(source, file!);
    if (quan) [buffer, alpha, biasBytes, index] = parts;
    else [weightBytes, biasBytes] = parts;
  }
  checkElements(weightBytes, 4, "Convolution2D.weight", where);
  checkElements(biasBytes, 4, "Convolution2D.bias", where);
  checkElements(alpha, 4, "IDSTQuan.alpha", where);
  checkElements(index, 4, "IDSTQuan.index", where);
  const bias = biasBytes ? float32s(biasBytes) : undefined;
  if (bias && bias.length !== source.common.outputCount) {
    throw new ModelFormatError(
      "mnn",
      `Op "${where}": ${bias.length} bias values for outputCount ${source.common.outputCount}`,
    );
  }
  const base = { common: source.common, bias, external: source.external !== undefined };
  const hasQuantData = quan !== undefined && (buffer !== undefined || index !== undefined);
  if (!hasQuantData) {
    if (!weightBytes || weightBytes.length === 0) {
      return { ...base, encoding: "none", weight: undefined, weightDims: undefined, quantization: undefined };
    }
    const weight = float32s(weightBytes);
    return {
      ...base,
      encoding: "float",
      weight,
      weightDims: weightDimsOf(source, weight.length),
      quantization: undefined,
    };
  }
  if (index !== undefined && quan!.weightSize > MAX_SPARSE_WEIGHTS) {
    throw new ModelFormatError("mnn", `Op "${where}": sparse weightSize ${quan!.weightSize} is implausibly large`);
  }
  const decoded = decodeIdstQuan({
    ...quan!,
    buffer: buffer ?? new Uint8Array(0),
    alpha: float32s(alpha),
    alphaFp16: uint16s(quan!.alphaFp16),
    index: index === undefined ? undefined : uint32s(index),
  }, where);
  const quantization: MnnWeightQuantization | undefined = decoded.kind === "quantized"
    ? {
      bits: decoded.bits!,
      groups: decoded.groups!,
      groupSize: decoded.groupSize!,
      asymmetric: decoded.asymmetric,
      fp16Scales: decoded.fp16Scales,
      values: decoded.values!,
      scales: decoded.scales!,
      mins: decoded.mins,
      aMin: decoded.aMin,
    }
    : undefined;
  return {
    ...base,
    encoding: decoded.kind,
    weight: decoded.weight,
    weightDims: weightDimsOf(source, decoded.weight.length),
    quantization,
  };
}
