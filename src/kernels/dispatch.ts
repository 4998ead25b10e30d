/**
 * The one dispatch table (STYLE.md rule 14): kernel backends in order of preference — native aarch64
 * i8mm, native aarch64 dotprod, wasm relaxed SIMD, wasm SIMD128, wasm scalar — each able to decline with
 * a reason. A native row serves the qd8-f32-qcXw GEMM only; every other kernel runs in the best wasm
 * build below it, so {@link loadKernels} picks one wasm row always and a native row when one accepts
 * and its library loads.
 * @module
 */
import { detectNativeCpu, type NativeCpu } from "./cpu_features.ts";
import { Kernels } from "./kernels.ts";
import { loadKernelModule, type WasmVariant } from "./kernel_module.ts";
import { loadNativeKernels, type NativeKernels, type NativeVariant } from "./native.ts";
import { detectWasmFeatures, type WasmFeatures } from "./wasm_features.ts";

/** What the table looks at: the wasm engine's features and, for the native rows, the CPU. */
export interface KernelFeatures extends WasmFeatures {
  /** The host CPU; the native rows decline without it. */
  cpu?: NativeCpu;
}

/** One row of the table. */
export interface KernelBackend {
  /** Backend name, e.g. `native-i8mm`, `wasm-relaxed`. */
  readonly name: string;
  /** The wasm build it loads (wasm rows). */
  readonly variant?: WasmVariant;
  /** The native variant it calls (native rows). */
  readonly native?: NativeVariant;
  /** What it needs, in words. */
  readonly requires: string;
  /** `undefined` to accept, or the reason it declines here. */
  decline(features: KernelFeatures): string | undefined;
}

function declineNative(f: KernelFeatures, feature: "i8mm" | "dotprod", hwcap: string): string | undefined {
  if (f.cpu === undefined) return "no CPU features were detected";
  if (f.cpu.os !== "linux" || f.cpu.arch !== "arm64") return `the host is ${f.cpu.os} ${f.cpu.arch}, not Linux aarch64`;
  return f.cpu[feature] ? undefined : `the CPU lacks ${feature} (${hwcap} in /proc/self/auxv)`;
}

/** Backends, best first. */
export const KERNEL_BACKENDS: readonly KernelBackend[] = [
  {
    name: "native-i8mm",
    native: "i8mm",
    requires: "Linux aarch64 with FEAT_I8MM (smmla), Deno or Bun FFI",
    decline: (f) => declineNative(f, "i8mm", "AT_HWCAP2 bit 13"),
  },
  {
    name: "native-dotprod",
    native: "dotprod",
    requires: "Linux aarch64 with FEAT_DotProd (sdot), Deno or Bun FFI",
    decline: (f) => declineNative(f, "dotprod", "AT_HWCAP bit 20"),
  },
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

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Which rows to walk. @default "all" */
  kind?: "all" | "wasm" | "native";
}

/**
 * Walks the table and returns the first backend that accepts (`only` restricts it to one wasm build).
 *
 * @example
 * ```ts
 * const choice = selectBackend({ simd128: true, relaxedSimd: false });
 * if (choice.backend.variant !== "simd128" || choice.declined.at(-1)?.name !== "wasm-relaxed") throw new Error("table");
 * ```
 */
export function selectBackend(
  features: KernelFeatures,
  only?: WasmVariant,
  options: SelectBackendOptions = {},
): BackendChoice {
  const kind = only !== undefined ? "wasm" : options.kind ?? "all";
  const declined: BackendChoice["declined"] = [];
  for (const backend of KERNEL_BACKENDS) {
    if (only !== undefined && backend.variant !== only) continue;
    if (kind === "wasm" && backend.variant === undefined) continue;
    if (kind === "native" && backend.native === undefined) continue;
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
  /** Consider the native rows. @default true */
  native?: boolean;
  /** CPU to assume instead of detecting it (tests). @default detectNativeCpu() */
  cpu?: NativeCpu;
  /** Native library path instead of the committed one. */
  nativeLibrary?: string;
}

/** Walks the native rows; returns the first that accepts and loads, and why the others did not. */
async function pickNative(
  features: KernelFeatures,
  options: LoadKernelsOptions,
  declined: BackendChoice["declined"],
): Promise<NativeKernels | undefined> {
  for (const backend of KERNEL_BACKENDS) {
    if (backend.native === undefined) continue;
    const reason = backend.decline(features);
    if (reason !== undefined) {
      declined.push({ name: backend.name, reason });
      continue;
    }
    try {
      const path = options.nativeLibrary;
      return await loadNativeKernels(backend.native, path === undefined ? {} : { path });
    } catch (error) {
      declined.push({ name: backend.name, reason: `cannot load the library: ${String(error)}` });
    }
  }
  return undefined;
}

/**
 * Picks the best backends for this engine and CPU, loads them and returns their {@link Kernels}
 * (`kernels.backend` names the rows chosen, `kernels.declined` the ones above them and why).
 *
 * @example
 * ```ts
 * const kernels = await loadKernels();
 * if (!kernels.names.qc4w.startsWith("qd8-f32-qc4w-gemm-")) throw new Error(kernels.names.qc4w);
 * ```
 */
export async function loadKernels(options: LoadKernelsOptions = {}): Promise<Kernels> {
  const features: KernelFeatures = { ...(options.features ?? detectWasmFeatures()) };
  const declined: BackendChoice["declined"] = [];
  let native: NativeKernels | undefined;
  if (options.native !== false) {
    features.cpu = options.cpu ?? await detectNativeCpu();
    native = await pickNative(features, options, declined);
  }
  const wasm = selectBackend(features, options.variant, { kind: "wasm" });
  if (native === undefined) declined.push(...wasm.declined);
  return new Kernels(await loadKernelModule(wasm.backend.variant!, options.wasm), { native, declined });
}

/** One row of the dispatch table as it stands for a loaded {@link Kernels} (for `info` and `bench`). */
export interface DispatchRow {
  /** Backend name, e.g. `native-i8mm`, `wasm-relaxed`. */
  name: string;
  /** What the row needs, in words. */
  requires: string;
  /** `chosen`: it serves kernels; `declined`: it cannot run here; `unused`: it could run, another serves. */
  status: "chosen" | "declined" | "unused";
  /** Why it declined or is unused (absent for chosen rows). */
  reason?: string;
}

/**
 * Every row of the table with its status for `kernels` (`undefined`: the reference kernels ran, no row
 * served): the rows in use, the rows that declined and why, and the rows that could run but were not
 * needed or not asked for.
 *
 * @example
 * ```ts
 * const kernels = await loadKernels({ native: false });
 * const rows = dispatchRows(kernels);
 * if (rows.length !== KERNEL_BACKENDS.length || !rows.some((r) => r.status === "chosen")) throw new Error("rows");
 * ```
 */
export function dispatchRows(
  kernels: Kernels | undefined,
  features: WasmFeatures = detectWasmFeatures(),
): DispatchRow[] {
  const used = new Set(kernels?.backends ?? []);
  const declined = new Map((kernels?.declined ?? []).map((d) => [d.name, d.reason]));
  const wasmChosen = KERNEL_BACKENDS.findIndex((b) => b.variant !== undefined && used.has(b.name));
  return KERNEL_BACKENDS.map((b, i): DispatchRow => {
    const row = { name: b.name, requires: b.requires };
    if (used.has(b.name)) return { ...row, status: "chosen" };
    const known = declined.get(b.name);
    if (known !== undefined) return { ...row, status: "declined", reason: known };
    if (kernels === undefined) return { ...row, status: "unused", reason: "the reference kernels ran" };
    if (b.native !== undefined) {
      const why = kernels.native === undefined
        ? "native kernels were not asked for"
        : `native-${kernels.native.variant} serves the int8 GEMM`;
      return { ...row, status: "unused", reason: `not tried: ${why}` };
    }
    const reason = b.decline(features);
    if (reason !== undefined) return { ...row, status: "declined", reason };
    return {
      ...row,
      status: "unused",
      reason: i < wasmChosen
        ? `this session asks for the ${kernels.variant} build (bit-identical fp32 results across engines)`
        : `a row above serves`,
    };
  });
}
