import { describe, expect, test } from "bun:test";
import { KERNEL_BACKENDS, loadKernels, selectBackend } from "../../src/kernels/dispatch.ts";
import { WASM_VARIANTS } from "../../src/kernels/kernel_module.ts";
import { detectWasmFeatures, WASM_FEATURE_PROBES } from "../../src/kernels/wasm_features.ts";
import { WasmHeap } from "../../src/kernels/wasm_heap.ts";
import { availableVariants, kernelsFor } from "./_kernel_suite.ts";

const NAME = /^(f32|qd8)(-[a-z0-9]+)+-(\d+x\d+(c4)?-)?(relaxed|simd128|scalar)$/;

describe("dispatch table", () => {
  test("walks backends best first and records why the better ones declined", () => {
    expect(KERNEL_BACKENDS.map((b) => b.name)).toEqual([
      "native-i8mm",
      "native-dotprod",
      "wasm-relaxed",
      "wasm-simd128",
      "wasm-scalar",
    ]);
    expect(selectBackend({ simd128: true, relaxedSimd: true }).backend.variant).toBe("relaxed");
    const plain = selectBackend({ simd128: false, relaxedSimd: false });
    expect(plain.backend.variant).toBe("scalar");
    expect(plain.declined.map((d) => d.name)).toEqual([
      "native-i8mm",
      "native-dotprod",
      "wasm-relaxed",
      "wasm-simd128",
    ]);
    expect(() => selectBackend({ simd128: true, relaxedSimd: false }, "relaxed")).toThrow(/relaxed SIMD/);
  });

  test("loadKernels picks the best build this engine validates", async () => {
    const kernels = await loadKernels();
    const f = detectWasmFeatures();
    expect(kernels.variant).toBe(f.relaxedSimd ? "relaxed" : f.simd128 ? "simd128" : "scalar");
    const forced = await loadKernels({ features: { simd128: false, relaxedSimd: false } });
    expect(forced.variant).toBe("scalar");
  });

  test("native rows accept only Linux aarch64 with the feature, best first, and decline elsewhere with a reason", () => {
    const wasm = { simd128: true, relaxedSimd: true };
    const cpu = {
      os: "linux",
      arch: "arm64",
      asimd: true,
      dotprod: true,
      i8mm: true,
      sve: false,
      source: "auxv" as const,
    };
    expect(selectBackend({ ...wasm, cpu }).backend.name).toBe("native-i8mm");
    const a76 = selectBackend({ ...wasm, cpu: { ...cpu, i8mm: false } });
    expect(a76.backend.name).toBe("native-dotprod");
    expect(a76.declined[0]?.reason).toMatch(/lacks i8mm/);
    const a53 = selectBackend({ ...wasm, cpu: { ...cpu, i8mm: false, dotprod: false } });
    expect(a53.backend.name).toBe("wasm-relaxed");
    const x64 = selectBackend({ ...wasm, cpu: { ...cpu, arch: "x64" } });
    expect(x64.declined.map((d) => d.reason)).toEqual([
      "the host is linux x64, not Linux aarch64",
      "the host is linux x64, not Linux aarch64",
    ]);
    expect(selectBackend({ ...wasm, cpu }, undefined, { kind: "wasm" }).backend.name).toBe("wasm-relaxed");
  });

  test("loadKernels records why the native rows declined and falls back to wasm for the int8 GEMM", async () => {
    const cpu = {
      os: "linux",
      arch: "arm64",
      asimd: true,
      dotprod: true,
      i8mm: true,
      sve: false,
      source: "auxv" as const,
    };
    // Pretend aarch64 with both features but give a library that cannot load: both rows decline, wasm runs.
    const kernels = await loadKernels({ cpu, nativeLibrary: "/nonexistent/libbitloop_native_arm64.so" });
    expect(kernels.native).toBeUndefined();
    expect(kernels.backends).toEqual([`wasm-${kernels.variant}`]);
    expect(kernels.declined.slice(0, 2).map((d) => d.name)).toEqual(["native-i8mm", "native-dotprod"]);
    expect(kernels.declined[0]?.reason).toMatch(/cannot load the library/);
    expect(kernels.names.qc4w).toEndWith(`-${kernels.variant}`);
  });

  test("probe modules are valid wasm apart from the feature they test", () => {
    // Both probes validate on Deno 2.9 and Bun 1.4; a SIMD-less engine would reject them, never throw.
    expect(WebAssembly.validate(WASM_FEATURE_PROBES.simd128)).toBe(detectWasmFeatures().simd128);
    expect(WebAssembly.validate(WASM_FEATURE_PROBES.relaxedSimd)).toBe(detectWasmFeatures().relaxedSimd);
  });

  for (const variant of WASM_VARIANTS) {
    test(`kernel names of the ${variant} build follow the naming grammar and its reported tiles`, async () => {
      if (!availableVariants().includes(variant)) return;
      const kernels = await kernelsFor(variant);
      for (const name of Object.values(kernels.names)) expect(name).toMatch(NAME);
      const [mr, nr] = kernels.module.tile(4);
      expect(kernels.names.qc4w).toBe(`qd8-f32-qc4w-gemm-${mr}x${nr}c4-${variant}`);
      const before = kernels.ran().length;
      kernels.quantizeRowsInt8(new Float32Array(8), { k: 8 });
      expect(kernels.ran()).toContain(kernels.names.qd8Quantize);
      expect(kernels.ran().length).toBeGreaterThanOrEqual(Math.max(before, 1));
    });
  }
});

describe("WasmHeap", () => {
  test("allocates 64-byte aligned blocks, coalesces freed ones and grows memory on demand", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new WasmHeap(memory, 100);
    const a = heap.alloc(10), b = heap.alloc(100), c = heap.alloc(64);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(a).toBeGreaterThanOrEqual(100);
    heap.free(b);
    expect(heap.alloc(128)).toBe(b); // reuses the hole exactly
    heap.free(a);
    heap.free(b);
    heap.free(c);
    expect(heap.allocatedBytes).toBe(0);
    const big = heap.alloc(300_000);
    expect(heap.memoryBytes).toBeGreaterThanOrEqual(300_000);
    expect(big).toBe(a); // everything coalesced back into one block from the start
    heap.f32(big, 75_000).fill(1);
    heap.free(big);
    expect(() => heap.free(big)).toThrow(/not allocated/);
    expect(() => heap.alloc(-1)).toThrow(RangeError);
  });
});
