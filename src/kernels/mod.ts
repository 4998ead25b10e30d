/**
 * Compute kernels: Rust compiled to wasm (scalar, SIMD128, SIMD128 + relaxed SIMD), chosen by one
 * dispatch table, with scalar TypeScript references that define what each kernel computes.
 *
 * @example
 * ```ts
 * import { loadKernels } from "./mod.ts";
 * const kernels = await loadKernels();
 * const rows = kernels.quantizeRowsInt8(new Float32Array([0.5, -1]), { k: 2 });
 * if (rows.q[1] !== -127) throw new Error("symmetric int8");
 * ```
 * @module
 */
export * from "./activation.ts";
export * from "./dispatch.ts";
export * from "./kernel_error.ts";
export * from "./kernel_module.ts";
export * from "./kernels.ts";
export * from "./status.ts";
export * from "./wasm_features.ts";
export * from "./wasm_heap.ts";
export * from "./cpu_features.ts";
export * from "./native.ts";
export * from "./ref/activation_ref.ts";
export * from "./ref/f32_conv2d_ref.ts";
export * from "./ref/f32_gemm_ref.ts";
export * from "./ref/qd8_f32_qcw_gemm_ref.ts";
export * from "./ref/quantize_rows_ref.ts";
