// Run under Deno by deno_smoke.test.ts: every build Deno validates against the references, one case each.
import { loadKernels } from "../../src/kernels/dispatch.ts";
import { f32GemmRef } from "../../src/kernels/ref/f32_gemm_ref.ts";
import { qd8F32QcwGemmRef } from "../../src/kernels/ref/qd8_f32_qcw_gemm_ref.ts";
import { quantizeRowsRef } from "../../src/kernels/ref/quantize_rows_ref.ts";
import { WASM_VARIANTS } from "../../src/kernels/kernel_module.ts";
import { detectWasmFeatures } from "../../src/kernels/wasm_features.ts";

const f = detectWasmFeatures();
const [m, n, k] = [7, 13, 45];
const x = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.37) * 2);
const b = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.11));
const codes = new Uint8Array(n * k).map((_, i) => (i * 5 + 1) % 16);
const w = { n, k, bits: 4 as const, codes, scales: new Float32Array(n * 6).fill(0.02), blockSize: 8 };
const lines: string[] = [`features ${JSON.stringify(f)}`];
for (const variant of WASM_VARIANTS) {
  if ((variant === "relaxed" && !f.relaxedSimd) || (variant === "simd128" && !f.simd128)) continue;
  const kernels = await loadKernels({ variant });
  using pb = kernels.packF32Gemm(b, { k, n });
  const c = kernels.gemmF32(x, pb, { activation: "relu" });
  const cr = f32GemmRef(x, b, { m, n, k, activation: "relu" });
  const gemmErr = Math.max(...c.map((v, i) => Math.abs(v - cr[i]!)));
  using pq = kernels.packQcw(w);
  const q = kernels.qd8F32QcwGemm(x, pq, { asymmetric: true });
  const qr = qd8F32QcwGemmRef(quantizeRowsRef(x, { m, k, asymmetric: true }), w);
  const mismatches = q.filter((v, i) => v !== qr[i]).length;
  const ok = gemmErr <= 1e-5 * Math.max(...cr.map(Math.abs)) && mismatches === 0;
  lines.push(
    `${ok ? "ok" : "FAIL"} ${kernels.variant} ${
      kernels.ran().join(",")
    } gemmErr=${gemmErr} qd8Mismatches=${mismatches}`,
  );
}
console.log(lines.join("\n"));
