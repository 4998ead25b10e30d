/**
 * Sub-byte packing of quantization codes (bitloop's LSB-first layout). The layout belongs to the
 * quantized-tensor record, which the file formats read and write, so it is defined in
 * `src/graph/pack.ts`; this module re-exports it for the quantizers.
 * @module
 */
export * from "../graph/pack.ts";
