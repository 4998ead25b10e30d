/**
 * The quantized-tensor record ({@link QuantizedTensor}, its layout types and small enums). It is plain
 * data the file formats store, so it is defined in `src/graph/quantized_tensor.ts`; this module
 * re-exports it for the quantizers.
 * @module
 */
export type * from "../graph/quantized_tensor.ts";
