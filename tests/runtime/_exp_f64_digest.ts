// The bits of expF64 over seeded arguments spanning its whole range, folded into one hex digest. Run as a
// script (under Deno, by f32_softmax_op.test.ts) it prints the digest, so the two engines can be compared.
import { expF64 } from "../../src/runtime/fast/exp_f64.ts";
import { seededRandom } from "../_random.ts";

/** FNV-1a over the 64-bit patterns of expF64 at `count` seeded arguments in [-750, 715]. */
export function expF64Digest(count = 100_000): string {
  const next = seededRandom(2026);
  const f = new Float64Array(1), words = new Uint32Array(f.buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < count; i++) {
    f[0] = expF64(i % 4 === 0 ? -40 * next() : -750 + 1465 * next());
    for (const w of words) h = Math.imul(h ^ w, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

if (import.meta.main) console.log(expF64Digest());
