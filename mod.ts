#!/usr/bin/env bun
/**
 * bitloop: import ONNX models into a small graph IR, compress their weights to 2–8 bits or FP16, store
 * them in the bitloop format, and run them (reference or wasm kernels, normal or low memory mode), from
 * Deno or Bun. Run as a program, this module is the `bitloop` CLI (`info`, `convert`, `compress`,
 * `validate`, `run`, `bench`, `agent`, `device`; see `bitloop --help`). Subsystems have their own entry
 * points in deno.json `exports` (`./quant`, `./kernels`, `./eval`, `./bench`, `./client`, `./agent`).
 *
 * @example
 * ```ts
 * import { InferenceSession, readNpy, Tensor } from "./mod.ts";
 *
 * const session = await InferenceSession.create("model.onnx");
 * const x = readNpy(await Deno.readFile("input.npy"));
 * const outputs = await session.run({ [session.inputNames[0]!]: x });
 * const y = outputs[session.outputNames[0]!]!;
 * if (!(y instanceof Tensor)) throw new Error("expected a tensor");
 * console.log(y.type, y.dims);
 * ```
 * @module
 */
export { type DType, type TensorData } from "./src/graph/dtype.ts";
export { Tensor } from "./src/graph/tensor.ts";
export type { Attribute, Dim, Graph, Model, Node, ValueInfo } from "./src/graph/graph.ts";
export { InputError, ModelFormatError, NodeExecutionError, UnsupportedOpError } from "./src/errors.ts";
export { InferenceSession, type NamedTensors, type SessionOptions } from "./src/runtime/session.ts";
export { detectFormat, loadModel, type LoadModelOptions, type ModelFormat } from "./src/formats/load.ts";
export { importOnnx } from "./src/formats/onnx/import_onnx.ts";
export { exportOnnx } from "./src/formats/onnx/export_onnx.ts";
export { readBitloop } from "./src/formats/bitloop/read.ts";
export { writeBitloop } from "./src/formats/bitloop/write.ts";
export type { QuantizedTensor } from "./src/graph/quantized_tensor.ts";
export { compressModel, type CompressOptions, type CompressResult } from "./src/quant/compress_model.ts";
export type { CompressReport, LayerReport } from "./src/quant/compress_report.ts";
export { type CompressionPolicy, parseCompressionPolicy } from "./src/quant/compression_policy.ts";
export { dequantizeModel } from "./src/quant/dequantize_model.ts";
export { prepareForCompression } from "./src/runtime/prepare_for_compression.ts";
export { readNpy } from "./src/formats/npy/read_npy.ts";
export { writeNpy } from "./src/formats/npy/write_npy.ts";

if (import.meta.main) {
  const cli = await import("./src/cli/main.ts");
  cli.exit(await cli.main(cli.processArgs()));
}
