import { describe, expect, test } from "bun:test";
import { aarch64Features, detectCpuFeatures, parseAuxv, wasmFeatures } from "../../device-agent/cpu_features.ts";
import { auth, makeApp, removeDir, tinyModel, upload } from "./_fixture.ts";

/** An auxv image from (type, value) pairs, ended by AT_NULL. */
function auxv(pairs: [number, bigint][]): Uint8Array {
  const bytes = new Uint8Array((pairs.length + 1) * 16);
  const view = new DataView(bytes.buffer);
  pairs.forEach(([type, value], i) => {
    view.setBigUint64(i * 16, BigInt(type), true);
    view.setBigUint64(i * 16 + 8, value, true);
  });
  return bytes;
}

describe("CPU features", () => {
  test("parseAuxv reads AT_HWCAP and AT_HWCAP2 and stops at AT_NULL", () => {
    const bytes = auxv([[6, 4096n], [16, 0xabcn], [26, 0x2000n]]);
    expect(parseAuxv(bytes)).toEqual({ hwcap: 0xabcn, hwcap2: 0x2000n });
  });

  test("HWCAP bits map to asimd (1), dotprod (20), sve (22) and HWCAP2 bit 13 to i8mm", () => {
    expect(aarch64Features((1n << 1n) | (1n << 20n), 1n << 13n)).toEqual({
      asimd: true,
      dotprod: true,
      sve: false,
      i8mm: true,
    });
    expect(aarch64Features(1n << 1n, 0n)).toEqual({ asimd: true, dotprod: false, sve: false, i8mm: false });
    expect(aarch64Features(1n << 22n, 0n).sve).toBe(true);
  });

  test("arm64 takes its features from auxv; other architectures report them false", async () => {
    const arm = await detectCpuFeatures("arm64", () => Promise.resolve(auxv([[16, 1n << 20n], [26, 0n]])));
    expect(arm.source).toBe("auxv");
    expect(arm.features.dotprod).toBe(true);
    expect(arm.features.i8mm).toBe(false);
    const unreadable = await detectCpuFeatures("arm64", () => Promise.reject(new Error("no /proc")));
    expect(unreadable.source).toBe("none");
    const x64 = await detectCpuFeatures("x64");
    expect(x64).toMatchObject({ source: "none", features: { asimd: false, dotprod: false, i8mm: false, sve: false } });
  });

  test("wasm SIMD128 and relaxed SIMD validate in this runtime (Bun 1.4)", () => {
    expect(wasmFeatures()).toEqual({ wasmSimd128: true, wasmRelaxedSimd: true });
  });
});

describe("GET /v1/device", () => {
  test("describes arch, runtime, CPU, memory, kernels and models", async () => {
    const { app, dir } = await makeApp();
    const id = await upload(app, tinyModel());
    await app.request(`/v1/models/${id}/infer`, {
      method: "POST",
      body: JSON.stringify({ inputs: { x: { dtype: "float32", dims: [1, 4], data: [1, 2, 3, 4] } } }),
      headers: auth({ "Content-Type": "application/json" }),
    });
    const info = await (await app.request("/v1/device", { headers: auth() })).json();
    expect(info).toMatchObject({
      arch: process.arch,
      os: process.platform,
      runtime: { name: "bun", version: process.versions.bun },
      cpu: {
        cores: expect.any(Number),
        features: { wasmSimd128: true },
        featureSource: process.arch === "arm64" ? "auxv" : "none",
      },
      memory: { totalBytes: expect.any(Number), freeBytes: expect.any(Number), agentRssBytes: expect.any(Number) },
      kernels: ["reference-scalar"],
      models: { stored: 1, loaded: [id] },
    });
    await removeDir(dir);
  });
});
