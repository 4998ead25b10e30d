/**
 * MNN interop: read `.mnn` files written by MNNConvert (DESIGN.md §6) — the op list, and every
 * convolution's weights decoded to float32 from plain floats, FP16 or MNN's weight quantization
 * (IDSTQuan: table + MSB-first packed indices, symmetric or asymmetric scales, FP32 or FP16 scales,
 * inline or in an external `.weight` file) exactly as MNN's runtime dequantizes them.
 *
 * @example
 * ```ts
 * import { readMnnWeights } from "./mod.ts";
 *
 * const net = await readMnnWeights(await Deno.readFile("cls.w4.mnn"));
 * const convs = net.ops.filter((op) => op.convolution?.encoding === "quantized");
 * if (convs.some((op) => op.convolution!.quantization!.bits !== 4)) throw new Error("4-bit weights");
 * ```
 * @module
 */
export * from "./build_flatbuffer_tree.ts";
export * from "./decode_idst_quan.ts";
export * from "./diff_flatbuffer_trees.ts";
export * from "./encode_idst_quan.ts";
export * from "./flatbuffer_tree.ts";
export * from "./idst_buffer.ts";
export * from "./mnn_schema.ts";
export type * from "./mnn_net.ts";
export * from "./op_type_name.ts";
export * from "./read_mnn_weights.ts";
export * from "./verify_mnn.ts";
export * from "./write_mnn.ts";
