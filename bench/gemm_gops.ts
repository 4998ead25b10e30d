/**
 * Int8 GEMM throughput of every wasm kernel build on a 256×256×256 problem (issue 4 target: ≥ 100 GOPS
 * under Deno for the best variant), plus the fp32 GEMM for scale. Operands are packed and placed in
 * kernel memory once; the timed loop calls only the GEMM export (the int8 rows are quantized once
 * before, as a runtime does when several weights share one input). GOPS = 2·m·n·k / seconds;
 * median and best of `REPEAT` timed batches after a warm-up.
 *
 * @example
 * ```sh
 * node_modules/.bin/deno run --allow-read bench/gemm_gops.ts
 * node_modules/.bin/bun bench/gemm_gops.ts relaxed   # only some builds
 * ```
 * @module
 */
import { loadKernelModule, type WasmVariant } from "../src/kernels/kernel_module.ts";
import { detectWasmFeatures } from "../src/kernels/wasm_features.ts";
import { kernelNames } from "../src/kernels/kernels.ts";

const M = 256, N = 256, K = 256;
const REPEAT = 60;
const MIN_REPEAT_MS = 5;
const WARMUP_MS = 300;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Seconds per call: warms up for `WARMUP_MS` (so the engine's optimizing tier has replaced its baseline
 * code: V8 compiles wasm with Liftoff first and swaps in TurboFan code later), then times batches long
 * enough to measure; returns the median and the best batch (the machine may be shared).
 */
function time(fn: () => void): Timing {
  const w0 = performance.now();
  while (performance.now() - w0 < WARMUP_MS) fn();
  let number = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < number; i++) fn();
    if (performance.now() - t0 >= MIN_REPEAT_MS) break;
    number *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    for (let i = 0; i < number; i++) fn();
    samples.push((performance.now() - t0) / 1000 / number);
  }
  return { median: median(samples), best: Math.min(...samples) };
}

/** Seconds per call: median and best batch. */
interface Timing {
  median: number;
  best: number;
}

function fill(view: Float32Array | Uint8Array, seed: number, scale: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < view.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    view[i] = view instanceof Uint8Array ? s >>> 24 : ((s >>> 8) / 16777216 - 0.5) * scale;
  }
}

/** One printed line: `work / seconds / 1e9` in `unit`. */
interface Row {
  name: string;
  work: number;
  timing: Timing;
  unit: string;
  note: string;
}

async function benchVariant(variant: WasmVariant): Promise<Row[]> {
  const mod = await loadKernelModule(variant);
  const ex = mod.exports;
  const heap = mod.heap;
  const names = kernelNames(mod);
  const rows: Row[] = [];
  const ops = 2 * M * N * K;
  // int8 activations, quantized once.
  const px = heap.alloc(M * K * 4), pq = heap.alloc(M * K), ps = heap.alloc(M * 4), pz = heap.alloc(M * 4);
  fill(heap.f32(px, M * K), 1, 2);
  if (ex.bl_qd8_quantize_rows(M, K, px, K, 0, pq, K, ps, pz) !== 0) throw new Error("quantize failed");
  // The same rows quantized asymmetrically (non-zero zero points): what `low` mode runs.
  const pqa = heap.alloc(M * K), psa = heap.alloc(M * 4), pza = heap.alloc(M * 4);
  if (ex.bl_qd8_quantize_rows(M, K, px, K, 1, pqa, K, psa, pza) !== 0) throw new Error("quantize failed");
  const pc = heap.alloc(M * N * 4), pscr = heap.alloc(M * 4 * (K / 32));
  const shapes = [[0, false], [32, false], [128, false], [0, true], [32, true]] as const;
  for (const bits of [8, 4, 2] as const) {
    for (const [bs, asym] of shapes) {
      const nb = bs === 0 ? 1 : K / bs;
      const pcodes = heap.alloc(N * K), pscale = heap.alloc(N * nb * 4), poff = heap.alloc(N * nb * 4);
      const codes = heap.u8(pcodes, N * K);
      fill(codes, 7 + bits, 1);
      for (let i = 0; i < codes.length; i++) codes[i]! &= (1 << bits) - 1;
      heap.f32(pscale, N * nb).fill(0.01);
      heap.f32(poff, N * nb).fill(-0.01 * 2 ** (bits - 1));
      const bytes = ex.bl_qcw_packed_bytes(N, K, bits, bs);
      const pw = heap.alloc(bytes);
      if (ex.bl_qcw_pack(N, K, bits, bs, pcodes, K, 1, pscale, poff, 0, pw) !== 0) throw new Error("pack failed");
      const sec = time(() => {
        const s = asym
          ? ex.bl_qd8_f32_qcw_gemm(M, N, K, bits, bs, pqa, K, psa, pza, pw, pc, N, 0, 0, 0, pscr, M * 4 * nb)
          : ex.bl_qd8_f32_qcw_gemm(M, N, K, bits, bs, pq, K, ps, pz, pw, pc, N, 0, 0, 0, pscr, M * 4 * nb);
        if (s !== 0) throw new Error(`gemm status ${s}`);
      });
      const name = bits === 8 ? names.qc8w : bits === 4 ? names.qc4w : names.qc2w;
      rows.push({
        name,
        work: ops,
        timing: sec,
        unit: "GOPS",
        note: `${bs === 0 ? "per channel" : `block ${bs}`}${asym ? ", asymmetric rows" : ""}`,
      });
      for (const p of [pcodes, pscale, poff, pw]) heap.free(p);
    }
  }
  // int8 quantization of the activations alone (for the overhead it adds per GEMM).
  const qsec = time(() => void ex.bl_qd8_quantize_rows(M, K, px, K, 0, pq, K, ps, pz));
  rows.push({ name: names.qd8Quantize, work: M * K, timing: qsec, unit: "Gelem/s", note: `${M} rows of ${K}` });
  // fp32 for comparison.
  const pb = heap.alloc(K * N * 4), pp = heap.alloc(ex.bl_f32_gemm_packed_bytes(N, K));
  fill(heap.f32(pb, K * N), 3, 1);
  if (ex.bl_f32_gemm_pack(N, K, pb, N, 1, 0, pp) !== 0) throw new Error("f32 pack failed");
  const fsec = time(() => void ex.bl_f32_gemm(M, N, K, px, K, pp, 0, pc, N, 0, 0, 0));
  rows.push({ name: names.f32Gemm, work: ops, timing: fsec, unit: "GFLOP/s", note: "fp32 for scale" });
  return rows;
}

/**
 * The engine's ceiling for this machine and moment: a register-only loop of 12 independent relaxed dots
 * (no loads), in GOPS. Kernel figures are best read as a fraction of it (the machine may be shared).
 */
function relaxedDotCeiling(): number {
  const dot = [0x20, 1, 0x20, 2]; // local.get a, local.get b
  const body: number[] = [
    ...[0x20, 0, 0xfd, 0x0f, 0x21, 1], // a = i8x16.splat(n)
    ...[0x20, 0, 0x41, 3, 0x6a, 0xfd, 0x0f, 0x21, 2], // b = i8x16.splat(n + 3)
    0x03,
    0x40, // loop
  ];
  for (let c = 0; c < 12; c++) body.push(...dot, 0x20, 3 + c, 0xfd, 0x93, 0x02, 0x21, 3 + c);
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // n -= 1; br_if; end
  body.push(0x20, 3);
  for (let c = 1; c < 12; c++) body.push(0x20, 3 + c, 0xfd, 0xae, 0x01); // i32x4.add
  body.push(0xfd, 0x1b, 0, 0x0b); // extract_lane 0; end
  const fn = [1, 14, 0x7b, ...body]; // 14 v128 locals
  const leb = (n: number): number[] => n < 128 ? [n] : [(n & 127) | 128, n >> 7];
  const code = [1, ...leb(fn.length), ...fn];
  const bytes = new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...[1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f], // type (i32) -> i32
    ...[3, 2, 1, 0], // one function
    ...[7, 7, 1, 3, 0x72, 0x75, 0x6e, 0, 0], // export "run"
    10,
    ...leb(code.length),
    ...code,
  ]);
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports["run"] as (n: number) => number;
  const iterations = 20_000;
  const sec = time(() => void run(iterations));
  return (iterations * 12 * 32) / sec.best / 1e9;
}

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const features = detectWasmFeatures();
console.log(`# ${M}×${N}×${K} GEMM, one thread, ${runtime}; engine features ${JSON.stringify(features)}`);
const args: string[] = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const variants = (["relaxed", "simd128", "scalar"] as const).filter((v) =>
  (v !== "relaxed" || features.relaxedSimd) && (v !== "simd128" || features.simd128) &&
  (args.length === 0 || args.includes(v))
);
if (features.relaxedSimd) {
  console.log(`engine ceiling (register-only relaxed dots, no memory)  ${relaxedDotCeiling().toFixed(1)} GOPS`);
}
console.log(`${"kernel".padEnd(36)} ${"median".padStart(7)} ${"best".padStart(7)}`);
for (const variant of variants) {
  for (const r of await benchVariant(variant)) {
    const [med, best] = [r.work / r.timing.median / 1e9, r.work / r.timing.best / 1e9];
    console.log(
      `${r.name.padEnd(36)} ${med.toFixed(1).padStart(7)} ${best.toFixed(1).padStart(7)}  ${r.unit} (${r.note})`,
    );
  }
}
