/**
 * Feature probes for the WebAssembly engine: tiny hand-assembled modules checked with
 * `WebAssembly.validate`, so nothing is compiled or run (DESIGN.md §3: detect, never assume).
 * @module
 */

/** What the engine can run. */
export interface WasmFeatures {
  /** Fixed-width SIMD (`v128`). */
  simd128: boolean;
  /** Relaxed SIMD, probed with `i32x4.relaxed_dot_i8x16_i7x16_add_s`, the op the int8 kernels need. */
  relaxedSimd: boolean;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** Type section `() -> v128` and a function section declaring one function of it. */
const SIGNATURE = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];

/** A module whose one function has `body` (instructions, without the final `end`). */
function probe(body: readonly number[]): Uint8Array<ArrayBuffer> {
  const fn = [0x00, ...body, 0x0b]; // no locals, body, end
  const code = [0x01, fn.length, ...fn];
  return new Uint8Array([...HEADER, ...SIGNATURE, 0x0a, code.length, ...code]);
}

/** `v128.const 0`. */
const SIMD128_PROBE = probe(V128_ZERO);
/** `i32x4.relaxed_dot_i8x16_i7x16_add_s(0, 0, 0)` (opcode 0xfd 0x113). */
const RELAXED_PROBE = probe([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x93, 0x02]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

let cached: WasmFeatures | undefined;

/**
 * Probes the engine once (later calls return the same object).
 *
 * @example
 * ```ts
 * const f = detectWasmFeatures();
 * if (f.relaxedSimd && !f.simd128) throw new Error("relaxed SIMD implies SIMD128");
 * ```
 */
export function detectWasmFeatures(): WasmFeatures {
  if (cached === undefined) {
    const simd128 = validates(SIMD128_PROBE);
    cached = Object.freeze({ simd128, relaxedSimd: simd128 && validates(RELAXED_PROBE) });
  }
  return cached;
}

/** The probe modules, for tests that check they are well formed apart from the feature. */
export const WASM_FEATURE_PROBES: Readonly<{ simd128: Uint8Array<ArrayBuffer>; relaxedSimd: Uint8Array<ArrayBuffer> }> =
  {
    simd128: SIMD128_PROBE,
    relaxedSimd: RELAXED_PROBE,
  };
