/**
 * The one dispatch table (STYLE.md rule 14): kernel backends in order of preference, each able to
 * decline with a reason. Today the table holds the three wasm builds; the native aarch64 libraries
 * (i8mm, then dotprod) go above them when they exist.
 * @module
 */
import { Kernels } from "./kernels.ts";
import { loadKernelModule, type WasmVariant } from "./kernel_module.ts";
import { detectWasmFeatures, type WasmFeatures } from "./wasm_features.ts";

/** One row of the table. */
export interface KernelBackend {
  /** Backend name, e.g. `wasm-relaxed`. */
  readonly name: string;
  /** The wasm build it loads. */
  readonly variant: WasmVariant;
  /** What it needs, in words. */
  readonly requires: string;
  /** `undefined` to accept, or the reason it declines on this engine. */
  decline(features: WasmFeatures): string | undefined;
}

/** Backends, best first. */
export const KERNEL_BACKENDS: readonly KernelBackend[] = [
  {
    name: "wasm-relaxed",
    variant: "relaxed",
    requires: "WebAssembly SIMD128 and relaxed SIMD",
    decline: (f) => (f.relaxedSimd ? undefined : "the engine does not validate relaxed SIMD"),
  },
  {
    name: "wasm-simd128",
    variant: "simd128",
    requires: "WebAssembly SIMD128",
    decline: (f) => (f.simd128 ? undefined : "the engine does not validate SIMD128"),
  },
  { name: "wasm-scalar", variant: "scalar", requires: "WebAssembly", decline: () => undefined },
];

/** The outcome of walking the table. */
export interface BackendChoice {
  /** The first backend that accepted. */
  backend: KernelBackend;
  /** Backends above it and why each declined. */
  declined: Array<{ name: string; reason: string }>;
}

/**
 * Walks the table and returns the first backend that accepts (`only` restricts it to one variant).
 *
 * @example
 * ```ts
 * const choice = selectBackend({ simd128: true, relaxedSimd: false });
 * if (choice.backend.variant !== "simd128" || choice.declined[0]?.name !== "wasm-relaxed") throw new Error("table");
 * ```
 */
export function selectBackend(features: WasmFeatures, only?: WasmVariant): BackendChoice {
  const declined: BackendChoice["declined"] = [];
  for (const backend of KERNEL_BACKENDS) {
    if (only !== undefined && backend.variant !== only) continue;
    const reason = backend.decline(features);
    if (reason === undefined) return { backend, declined };
    declined.push({ name: backend.name, reason });
  }
  const why = declined.map((d) => `${d.name}: ${d.reason}`).join("; ");
  throw new RangeError(`No kernel backend accepts this engine${only === undefined ? "" : ` (only ${only})`}: ${why}`);
}

/** Options of {@link loadKernels}. */
export interface LoadKernelsOptions {
  /** Force one wasm build (still declined if the engine cannot run it). @default the best available */
  variant?: WasmVariant;
  /** Engine features to assume instead of probing (tests). @default detectWasmFeatures() */
  features?: WasmFeatures;
  /** Module bytes to use instead of the committed `kernels/dist` file for the chosen build. */
  wasm?: BufferSource;
}

/**
 * Picks the best backend for this engine, loads it and returns its {@link Kernels}.
 *
 * @example
 * ```ts
 * const kernels = await loadKernels();
 * if (!kernels.names.qc4w.startsWith("qd8-f32-qc4w-gemm-")) throw new Error(kernels.names.qc4w);
 * ```
 */
export async function loadKernels(options: LoadKernelsOptions = {}): Promise<Kernels> {
  const { backend } = selectBackend(options.features ?? detectWasmFeatures(), options.variant);
  return new Kernels(await loadKernelModule(backend.variant, options.wasm));
}
