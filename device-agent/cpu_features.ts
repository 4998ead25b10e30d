/**
 * CPU and engine feature detection (DESIGN.md §3). aarch64 features come from the ELF auxiliary vector
 * in `/proc/self/auxv`: pairs of u64 (type, value); `AT_HWCAP` (16) bit 1 = asimd, bit 20 = asimddp
 * (dotprod), bit 22 = sve; `AT_HWCAP2` (26) bit 13 = i8mm. It is right under qemu-user too, where
 * `/proc/cpuinfo` shows the host. Other architectures report the aarch64 features as false. WebAssembly
 * SIMD128 and relaxed SIMD come from the kernels' probes (src/kernels/wasm_features.ts), never assumed.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { CpuFeatures } from "../src/client/protocol.ts";
import { aarch64Features, parseAuxv } from "../src/kernels/cpu_features.ts";
import { detectWasmFeatures } from "../src/kernels/wasm_features.ts";

/** The auxv parser lives in src/kernels/cpu_features.ts, shared with the kernels' dispatch table. */
export { aarch64Features, parseAuxv };

/** The WebAssembly SIMD features this runtime validates (the kernels' own probes). */
export function wasmFeatures(): Pick<CpuFeatures, "wasmSimd128" | "wasmRelaxedSimd"> {
  const { simd128, relaxedSimd } = detectWasmFeatures();
  return { wasmSimd128: simd128, wasmRelaxedSimd: relaxedSimd };
}

/**
 * Every feature of this CPU and runtime, and where the aarch64 ones came from.
 *
 * @example
 * ```ts
 * const { features } = await detectCpuFeatures("x64");
 * if (features.dotprod) throw new Error("x64 has no aarch64 dotprod");
 * ```
 */
export async function detectCpuFeatures(
  arch: string,
  readAuxv: () => Promise<Uint8Array> = async () => new Uint8Array(await readFile("/proc/self/auxv")),
): Promise<{ features: CpuFeatures; source: "auxv" | "none" }> {
  const wasm = wasmFeatures();
  const none = { asimd: false, dotprod: false, i8mm: false, sve: false };
  if (arch !== "arm64") return { features: { ...none, ...wasm }, source: "none" };
  try {
    const { hwcap, hwcap2 } = parseAuxv(await readAuxv());
    return { features: { ...aarch64Features(hwcap, hwcap2), ...wasm }, source: "auxv" };
  } catch {
    return { features: { ...none, ...wasm }, source: "none" };
  }
}
