// How the fp32 GEMM tiles read A (kernels/src/f32_gemm_a4.rs): one vector load per k with the 4 rows
// interleaved (3 loads per k with B, plus 4 lane shuffles), or one splat load per row and k (6 loads). Both
// give the same bits; the engine and build decide which is faster. Deno's V8 runs wasm without a trap
// handler, so every load carries an explicit bounds check: in the relaxed build (one fused multiply-add per
// product, so the shuffles have a port of their own) vector loads ran PP-OCR's 1×1 and im2col convs, the
// Winograd GEMMs and MatMuls in 0.80–0.96× the time (interleaved A/B runs, .tmpw scripts, not committed).
// Deno's SIMD128 build (a multiply and an add per product, which the shuffles compete with) went either way
// (0.88–1.12×), and Bun's JavaScriptCore, which checks bounds with its signal handler, went either way too
// (0.87–1.13× on a loaded machine), so those keep splat loads, as does any engine not measured.
import type { KernelModule, WasmVariant } from "./kernel_module.ts";

const configured = new WeakSet<KernelModule>();

/** True when the GEMM tiles should read A with vector loads: the relaxed build under Deno. */
export function gemmVectorLoadsPay(userAgent: string | undefined, variant: WasmVariant): boolean {
  return variant === "relaxed" && userAgent !== undefined && userAgent.startsWith("Deno/");
}

/** Sets `module`'s A-load mode for this engine, once per module (later calls return at once). */
export function configureGemmLoads(module: KernelModule): void {
  if (configured.has(module)) return;
  const agent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent;
  module.exports.bl_f32_gemm_set_vector_loads(gemmVectorLoadsPay(agent, module.variant) ? 1 : 0);
  configured.add(module);
}
