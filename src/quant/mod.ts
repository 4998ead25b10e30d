/**
 * Weight quantization math: 2–8 bit linear quantization (symmetric or asymmetric, per output channel
 * or block-wise along the reduction axis), fitted by min-max, a clipping-range search or HQQ; code
 * packing (bitloop's LSB-first and MNN's MSB-first layouts); FP16 storage; error and size metrics.
 *
 * @example
 * ```ts
 * import { dequantize, quantize, reconstructionError, storageBits } from "./mod.ts";
 * import { Tensor } from "../graph/tensor.ts";
 *
 * const w = new Tensor("float32", Float32Array.from({ length: 64 * 288 }, (_, i) => Math.sin(i * 0.37)), [64, 32, 3, 3]);
 * const q = quantize(w, { kind: "conv" }, { bits: 4, blockSize: 16, algorithm: "hqq", scaleDtype: "float16" });
 * const err = reconstructionError(w.data as Float32Array, dequantize(q).data as Float32Array);
 * if (!(err.sqnr > 20) || storageBits(q).bitsPerWeight !== 4 + 20 / 144) throw new Error("4-bit, 144-weight blocks");
 * ```
 * @module
 */
export * from "./balanced_rounding.ts";
export * from "./bias_correction.ts";
export * from "./channel_statistics.ts";
export * from "./clip_search.ts";
export * from "./compress_model.ts";
export * from "./compress_report.ts";
export * from "./compression_policy.ts";
export * from "./dequantize.ts";
export * from "./dequantize_model.ts";
export * from "./estimate_input_moments.ts";
export * from "./expected_input_means.ts";
export * from "./fp16.ts";
export * from "./grid.ts";
export * from "./group_layout.ts";
export * from "./hqq.ts";
export * from "./input_moments.ts";
export * from "./linear.ts";
export * from "./metrics.ts";
export * from "./pack.ts";
export * from "./param_storage.ts";
export * from "../graph/compact_params.ts";
export * from "../formats/mnn/pack_msb_first.ts";
export * from "./quantize.ts";
export type * from "./quantized_tensor.ts";
export * from "./weight_layout_of.ts";
