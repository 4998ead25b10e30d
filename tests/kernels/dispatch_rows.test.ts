// dispatchRows(): the whole dispatch table as info/bench print it, and the native int8 GEMM holding
// its weights once (no wasm copy) when a native variant serves.
import { describe, expect, test } from "bun:test";
import { dispatchRows, loadKernels } from "../../src/kernels/dispatch.ts";
import { Kernels } from "../../src/kernels/kernels.ts";
import { loadKernelModule } from "../../src/kernels/kernel_module.ts";
import { NativeKernels } from "../../src/kernels/native.ts";
import type { FfiArgument, NativeLibrary } from "../../src/platform/ffi.ts";
import type { NativeCpu } from "../../src/kernels/cpu_features.ts";

const X64: NativeCpu = {
  os: "linux",
  arch: "x64",
  asimd: false,
  dotprod: false,
  i8mm: false,
  sve: false,
  source: "none",
};
const A53: NativeCpu = { ...X64, arch: "arm64", asimd: true, source: "auxv" };

describe("dispatchRows", () => {
  test("lists every row: declined ones with their reason, the chosen build, and the unused ones", async () => {
    const kernels = await loadKernels({ features: { simd128: true, relaxedSimd: false }, cpu: X64 });
    const rows = dispatchRows(kernels, { simd128: true, relaxedSimd: false });
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ["native-i8mm", "declined"],
      ["native-dotprod", "declined"],
      ["wasm-relaxed", "declined"],
      ["wasm-simd128", "chosen"],
      ["wasm-scalar", "unused"],
    ]);
    expect(rows[0]!.reason).toContain("not Linux aarch64");
    expect(rows[2]!.reason).toContain("relaxed SIMD");
    expect(rows[3]!.reason).toBeUndefined();
  });

  test("says why a CPU without the features declines, and why a build the engine has was not used", async () => {
    const features = { simd128: true, relaxedSimd: true };
    const kernels = await loadKernels({ variant: "simd128", features, cpu: A53 });
    const rows = dispatchRows(kernels, features);
    expect(rows[0]!.reason).toContain("lacks i8mm");
    expect(rows[1]!.reason).toContain("lacks dotprod");
    expect(rows[2]).toMatchObject({ status: "unused", reason: expect.stringContaining("asks for the simd128 build") });
  });

  test("marks every row unused when the reference kernels ran", () => {
    expect(dispatchRows(undefined).every((r) => r.status === "unused" && r.reason === "the reference kernels ran"))
      .toBe(true);
  });
});

describe("native int8 GEMM weights", () => {
  test("are held once, in the native layout, when a native variant serves", async () => {
    const calls: Array<readonly FfiArgument[]> = [];
    const lib: NativeLibrary = { call: (_name, args) => (calls.push(args), 0), close: () => {} };
    const module = await loadKernelModule("scalar");
    const kernels = new Kernels(module, { native: new NativeKernels("dotprod", lib) });
    const before = module.heap.allocatedBytes;
    const n = 64, k = 256;
    const codes = Uint8Array.from({ length: n * k }, (_, i) => i % 16);
    const packed = kernels.packQcw({ n, k, bits: 4, codes, scales: new Float32Array(n).fill(0.01) });
    expect(module.heap.allocatedBytes - before).toBeLessThanOrEqual(64); // a placeholder, not n·k/2 bytes
    kernels.qd8F32QcwGemm(new Float32Array(2 * k).fill(1), packed);
    expect(calls.length).toBe(1);
    // the native layout keeps 4-bit codes packed: half a byte each; byte i of a 32-group holds codes i, 16 + i
    expect(calls[0]![6]).toBe(4);
    const w = calls[0]![10] as Uint8Array;
    expect(w.length).toBe((n * k) / 2);
    expect([w[0], w[1], w[15], w[16]]).toEqual([0x00, 0x11, 0xff, 0x00]);
    expect(kernels.ran()).toContain("qd8-f32-qc4w-gemm-1x4c4-dotprod");
    expect(dispatchRows(kernels).find((r) => r.name === "native-dotprod")?.status).toBe("chosen");
    packed.dispose();
  });
});
