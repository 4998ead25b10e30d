// Runs inside arm64 Deno or Bun (under qemu, see native_arm64.test.ts): random qd8-f32-qcXw GEMMs
// (odd shapes; 8, 4 and 2 bits; per channel and per block; symmetric and asymmetric) through the
// dispatch table, compared exactly with qd8F32QcwGemmRef. 4- and 2-bit cases cover the packed layout's
// 32-code groups, 8-code groups and odd k tails (blocks of 8, 16, 24, 40, 56, 64, 96 and per channel).
// Prints one JSON line: the backends chosen, why the better ones declined, the kernels that ran, the case
// count, every mismatch, and per bit width the padded code count and the native packed bytes.
//   qemu-aarch64-static <deno> run -A tests/kernels/_native_gemm_check.ts
import { loadKernels } from "../../src/kernels/dispatch.ts";
import { packNativeQcw } from "../../src/kernels/native.ts";
import { qcwBlocks, type QcwWeights, qd8F32QcwGemmRef } from "../../src/kernels/ref/qd8_f32_qcw_gemm_ref.ts";
import { quantizeRowsRef } from "../../src/kernels/ref/quantize_rows_ref.ts";
import type { Activation } from "../../src/kernels/activation.ts";
import { seededRandom } from "../_random.ts";

const kernels = await loadKernels();
const next = seededRandom(20261127);
const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
const floats = (n: number, lo: number, hi: number): Float32Array =>
  Float32Array.from({ length: n }, () => lo + next() * (hi - lo));

// [m, n, k, bits, blockSize, asymmetric weights, float A (quantized by the kernels), activation]
type Case = [number, number, number, 2 | 4 | 8, number, boolean, boolean, Activation];
const CASES: Case[] = [
  [1, 1, 1, 8, 0, false, false, "none"],
  [3, 5, 7, 8, 0, false, false, "none"],
  [5, 7, 37, 8, 0, true, true, "relu"],
  [4, 9, 64, 8, 16, false, false, "none"],
  [7, 13, 70, 8, 32, true, false, "none"],
  [2, 3, 17, 4, 0, false, true, "none"],
  [6, 11, 45, 4, 0, true, false, "relu6"],
  [9, 6, 96, 4, 32, false, false, "none"],
  [3, 17, 100, 4, 24, true, true, { kind: "leakyrelu", alpha: 0.1 }],
  [5, 4, 33, 2, 0, false, false, "none"],
  [2, 5, 48, 2, 16, true, false, "none"],
  [16, 16, 256, 4, 64, false, true, "none"],
  [17, 19, 129, 8, 0, true, true, "none"],
  [3, 4, 90, 8, 40, false, true, "none"],
  [3, 6, 71, 4, 40, true, true, "none"],
  [4, 5, 200, 4, 0, false, false, "none"],
  [7, 3, 61, 4, 16, true, false, "relu"],
  [5, 9, 113, 4, 56, false, true, "none"],
  [2, 4, 15, 4, 8, true, false, "none"],
  [5, 9, 57, 2, 8, true, false, "none"],
  [2, 7, 99, 2, 0, false, true, "none"],
  [3, 5, 130, 2, 64, true, false, "none"],
  [1, 9, 300, 2, 96, true, true, "none"],
  [6, 4, 45, 2, 24, false, false, "relu6"],
  [8, 8, 64, 2, 32, false, true, "none"],
];

const mismatches: string[] = [];
let count = 0;
// Per bit width: Σ n·kp (codes after padding k to 8) and Σ bytes of the native layout (packNativeQcw).
const packed: Record<string, { codes: number; bytes: number }> = {};
for (const [m, n, k, bits, blockSize, asymW, floatA, activation] of CASES) {
  for (const asymA of [false, true]) {
    const nb = qcwBlocks(k, blockSize);
    const w: QcwWeights = {
      n,
      k,
      bits,
      blockSize,
      codes: Uint8Array.from({ length: n * k }, () => int(0, 2 ** bits - 1)),
      scales: floats(n * nb, 0.001, 0.05),
      bias: floats(n, -1, 1),
    };
    if (asymW) w.offsets = floats(n * nb, -0.5, 0.1);
    const x = floats(m * k, -2, 3);
    const rows = floatA ? quantizeRowsRef(x, { m, k, asymmetric: asymA }) : {
      m,
      k,
      q: Int8Array.from({ length: m * k }, () => int(-128, 127)),
      scale: floats(m, 0.001, 0.1),
      zeroPoint: Int32Array.from({ length: m }, () => (asymA ? int(-128, 127) : 0)),
    };
    const p = (packed[bits] ??= { codes: 0, bytes: 0 });
    p.codes += n * Math.ceil(k / 8) * 8;
    p.bytes += packNativeQcw(w).codes.length;
    const handle = kernels.packQcw(w);
    try {
      const got = kernels.qd8F32QcwGemm(floatA ? x : rows, handle, { activation, asymmetric: asymA });
      const want = qd8F32QcwGemmRef(rows, w, activation);
      count++;
      for (let i = 0; i < want.length; i++) {
        if (got[i] !== want[i] && !(got[i] === 0 && want[i] === 0)) {
          mismatches.push(
            `m=${m} n=${n} k=${k} bits=${bits} bs=${blockSize} asymA=${asymA} [${i}]: ${got[i]} != ${want[i]}`,
          );
          break;
        }
      }
    } finally {
      handle.dispose();
    }
  }
}
console.log(JSON.stringify({
  backends: kernels.backends,
  declined: kernels.declined,
  ran: kernels.ran(),
  cases: count,
  mismatches,
  packed,
}));
