/**
 * What bitloop reads from an MNN `.mnn` file: the op list with tensor names, and every convolution's
 * geometry and decoded float32 weights (`read_mnn_weights.ts`).
 * @module
 */

/** The geometry of an MNN convolution (`Convolution2DCommon`), MNN's field names and defaults. */
export interface MnnConvolutionCommon {
  /** Horizontal padding (used when `pads` is empty). */
  padX: number;
  /** Vertical padding (used when `pads` is empty). */
  padY: number;
  /** Kernel width. */
  kernelX: number;
  /** Kernel height. */
  kernelY: number;
  /** Horizontal stride. */
  strideX: number;
  /** Vertical stride. */
  strideY: number;
  /** Horizontal dilation. */
  dilateX: number;
  /** Vertical dilation. */
  dilateY: number;
  /** 0 CAFFE (explicit pads), 1 VALID, 2 SAME. */
  padMode: number;
  /** Groups. */
  group: number;
  /** Output channels. */
  outputCount: number;
  /** Input channels (0 when the converter left it out). */
  inputCount: number;
  /** A fused ReLU. */
  relu: boolean;
  /** A fused ReLU6. */
  relu6: boolean;
  /** Explicit pads, `[top, left, bottom, right]` as MNN's ONNX converter writes them; may be empty. */
  pads: number[];
  /** Output padding of a deconvolution; may be empty. */
  outPads: number[];
  /** A deconvolution whose output shape comes from an input. */
  hasOutputShape: boolean;
}

/** How a convolution's weights were stored in the file. */
export type MnnWeightEncoding =
  /** `Convolution2D.weight`, float32. */
  | "float"
  /** IDSTQuan type 3: IEEE half. */
  | "float16"
  /** IDSTQuan type 1 (table + packed indices) or 4 (raw int8), with scales. */
  | "quantized"
  /** IDSTQuan with `index`: sparse float weights. */
  | "sparse"
  /** No weights in the file: they come from an input tensor, or were left out (MNN benchmark files). */
  | "none";

/** The weight quantization of a `"quantized"` convolution. */
export interface MnnWeightQuantization {
  /** Index width in bits. */
  bits: number;
  /** Quantization groups (output channel × block; input channel × block for a deconvolution). */
  groups: number;
  /** Contiguous weights per group. */
  groupSize: number;
  /** Scales with a per-group minimum (`[min, scale]` alphas) rather than scale only. */
  asymmetric: boolean;
  /** Scales were stored as FP16 (`alphaFp16`). */
  fp16Scales: boolean;
  /** The quantized value `q` of every weight, in stored order. */
  values: Int8Array;
  /** Per-group scales. */
  scales: Float32Array;
  /** Per-group minimums (asymmetric); a weight is `(q − aMin)·scale + min`. */
  mins: Float32Array | undefined;
  /** The quantized value that maps to `min` (asymmetric, usually `−2^(bits−1)`); 0 when symmetric (`q·scale`). */
  aMin: number;
}

/** A convolution-family op's parameters (`Convolution2D`). */
export interface MnnConvolution {
  /** Geometry. */
  common: MnnConvolutionCommon;
  /** How the weights were stored. */
  encoding: MnnWeightEncoding;
  /** Decoded float32 weights (a copy), undefined for `"none"`. */
  weight: Float32Array | undefined;
  /**
   * Shape of `weight`: `[outputCount, inputCount/group, kernelY, kernelX]` for a convolution, and
   * `[inputCount, outputCount/group, kernelY, kernelX]` for a deconvolution (MNN keeps ONNX's
   * ConvTranspose layout); undefined for `"none"`.
   */
  weightDims: number[] | undefined;
  /** Bias (a copy), undefined when the file has none. */
  bias: Float32Array | undefined;
  /** Quantization details, for `"quantized"`. */
  quantization: MnnWeightQuantization | undefined;
  /** True when the weights came from an external weight file. */
  external: boolean;
}

/** One MNN op. */
export interface MnnOp {
  /** Position in `Net.oplists`. */
  index: number;
  /** The op's name (MNN's ONNX converter names a conv after its ONNX output tensor). */
  name: string;
  /** MNN `OpType` value. */
  type: number;
  /** Its name (`op_type_name.ts`). */
  typeName: string;
  /** `Op.main_type`: the `OpParameter` union member (9 = Convolution2D, 0 = none). */
  mainType: number;
  /** Input tensor names. */
  inputs: string[];
  /** Output tensor names. */
  outputs: string[];
  /** `Op.externalPath`, when the op's data lives in a file of its own. */
  externalPath: string | undefined;
  /** The parameters of a convolution-family op (`mainType` 9). */
  convolution: MnnConvolution | undefined;
}

/** An MNN network as bitloop reads it. */
export interface MnnNet {
  /** `Net.bizCode`. */
  bizCode: string | undefined;
  /** `Net.sourceType`: 0 Caffe, 1 TensorFlow, 2 TFLite, 3 ONNX, 4 Torch. */
  sourceType: number;
  /** `Net.mnn_uuid`. */
  uuid: string | undefined;
  /** Every tensor's name, by index. */
  tensorNames: string[];
  /** `Net.outputName`. */
  outputNames: string[];
  /** The ops, in file order. */
  ops: MnnOp[];
}
