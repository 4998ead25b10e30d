// Shared machinery of the kernel suite: every wasm build this engine can run, named error budgets,
// and seeded random operands. Each *.test.ts runs its cases over allVariants() against the scalar
// TypeScript reference (STYLE.md rule 12).
import { expect } from "bun:test";
import { Kernels } from "../../src/kernels/kernels.ts";
import { loadKernelModule, WASM_VARIANTS, type WasmVariant } from "../../src/kernels/kernel_module.ts";
import { selectBackend } from "../../src/kernels/dispatch.ts";
import { detectWasmFeatures } from "../../src/kernels/wasm_features.ts";
import { seededRandom } from "../_random.ts";

/** Builds the engine can run (the table decides; all three on Deno 2.9 and Bun 1.4). */
export function availableVariants(): WasmVariant[] {
  const features = detectWasmFeatures();
  return WASM_VARIANTS.filter((v) => {
    try {
      selectBackend(features, v);
      return true;
    } catch {
      return false;
    }
  });
}

const loaded = new Map<WasmVariant, Promise<Kernels>>();

/** One {@link Kernels} per build, shared by the suite (fresh instances, not the dispatcher's pick). */
export function kernelsFor(variant: WasmVariant): Promise<Kernels> {
  let k = loaded.get(variant);
  if (k === undefined) {
    k = loadKernelModule(variant).then((m) => new Kernels(m));
    loaded.set(variant, k);
  }
  return k;
}

/** A named error budget. */
export type Budget =
  | { name: string; kind: "exact" }
  | { name: string; kind: "relative"; tolerance: number };

/** Integer paths and everything defined by float32 steps: equal values (−0 equals +0). */
export const EXACT: Budget = { name: "exact", kind: "exact" };
/** fp32 accumulation order (and FMA in the relaxed build) vs a float64 reference. */
export const F32_ACCUMULATION: Budget = { name: "f32-accumulation", kind: "relative", tolerance: 1e-5 };
/** Sigmoid/tanh: the kernels' float32 exp polynomial vs Math.exp (a few ulp). */
export const TRANSCENDENTAL: Budget = { name: "transcendental", kind: "relative", tolerance: 1e-6 };

/** Asserts `ours` matches `ref` within `budget`; a relative budget bounds max abs error by `tolerance · max|ref|`. */
export function expectWithin(ours: ArrayLike<number>, ref: ArrayLike<number>, budget: Budget, where: string): void {
  expect(ours.length, `${where}: length`).toBe(ref.length);
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i]!, b = ref[i]!;
    const err = Number.isNaN(a) || Number.isNaN(b)
      ? (Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity)
      : Math.abs(a - b);
    if (err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  const limit = budget.kind === "exact" ? 0 : budget.tolerance * maxRef;
  if (worstErr > limit) {
    throw new Error(
      `${where}: budget "${budget.name}" exceeded at [${worst}]: got ${ours[worst]}, reference ${ref[worst]} ` +
        `(error ${worstErr}, limit ${limit}, max|ref| ${maxRef})`,
    );
  }
}

/**
 * Bit-for-bit equality (−0 and +0 differ), any NaN matching any NaN (payloads are not observable through a typed
 * array store).
 */
export function expectSameBits(
  got: Float32Array | Float64Array,
  want: Float32Array | Float64Array,
  where: string,
): void {
  expect(got.length, where).toBe(want.length);
  let differing = 0, first = -1;
  for (let i = 0; i < want.length; i++) {
    const same = Number.isNaN(want[i]) ? Number.isNaN(got[i]) : Object.is(got[i], want[i]);
    if (!same && differing++ === 0) first = i;
  }
  expect(differing, `${where}: ${differing} differ, first [${first}]: ${got[first]} vs ${want[first]}`).toBe(0);
}

/** Seeded uniform floats in [lo, hi) as float32. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** Seeded integers in [0, limit). */
export function randomInts(n: number, seed: number, limit: number): Uint8Array {
  const next = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * limit);
  return out;
}

/** Seeded integer in [lo, hi]. */
export function randomInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}
