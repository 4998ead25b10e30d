/**
 * The error function in double precision, for the Erf and Gelu kernels. Below |x| = 2.5 it sums the
 * all-positive series erf(x) = 2/√π · e^(−x²) · Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) (no cancellation, at most
 * ~40 terms); above, it uses the Laplace continued fraction for erfc, evaluated bottom-up with 30
 * levels. Both stay within ~2e-15 relative of the true value (checked against mpmath), far inside
 * float32 rounding.
 * @module
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erf(x) = 2/√π ∫₀ˣ e^(−t²) dt.
 *
 * @example
 * ```ts
 * if (Math.abs(erf(0.5) - 0.5204998778130465) > 1e-15) throw new Error("erf");
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax > 6) return x > 0 ? 1 : -1;
  // erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …))))
  let f = ax;
  for (let k = 30; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / (SQRT_PI * f);
  return x > 0 ? 1 - erfc : erfc - 1;
}
