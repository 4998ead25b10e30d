/**
 * CPU and engine feature detection (DESIGN.md §3). aarch64 features come from the ELF auxiliary vector
 * in `/proc/self/auxv`: pairs of u64 (type, value); `AT_HWCAP` (16) bit 1 = asimd, bit 20 = asimddp
 * (dotprod), bit 22 = sve; `AT_HWCAP2` (26) bit 13 = i8mm. It is right under qemu-user too, where
 * `/proc/cpuinfo` shows the host. Other architectures report the aarch64 features as false. WebAssembly
 * SIMD128 and relaxed SIMD are detected by validating tiny modules, never assumed.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { CpuFeatures } from "../src/client/protocol.ts";
import { aarch64Features, parseAuxv } from "../src/kernels/cpu_features.ts";

// (func (result v128) (i8x16.popcnt (i8x16.splat (i32.const 0))))
const SIMD_MODULE: Uint8Array<ArrayBuffer> = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  10,
  1,
  8,
  0,
  65,
  0,
  253,
  15,
  253,
  98,
  11,
]);
// (func (result v128) (i8x16.relaxed_swizzle (i8x16.splat (i32.const 1)) (i8x16.splat (i32.const 2))))
const RELAXED_SIMD_MODULE: Uint8Array<ArrayBuffer> = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  15,
  1,
  13,
  0,
  65,
  1,
  253,
  15,
  65,
  2,
  253,
  15,
  253,
  128,
  2,
  11,
]);

/** The auxv parser lives in src/kernels/cpu_features.ts, shared with the kernels' dispatch table. */
export { aarch64Features, parseAuxv };

/** The WebAssembly SIMD features this runtime validates. */
export function wasmFeatures(): Pick<CpuFeatures, "wasmSimd128" | "wasmRelaxedSimd"> {
  const ok = (bytes: Uint8Array<ArrayBuffer>): boolean => {
    try {
      return WebAssembly.validate(bytes);
    } catch {
      return false;
    }
  };
  return { wasmSimd128: ok(SIMD_MODULE), wasmRelaxedSimd: ok(RELAXED_SIMD_MODULE) };
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
