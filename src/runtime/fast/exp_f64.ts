/**
 * A double-precision `exp` that returns the same bits under every engine and on every CPU, and runs
 * inline in the caller's loop. `Math.exp` does neither: V8 and JavaScriptCore call out of line into a
 * C library `exp` for every element (14–22 ns per call on Deno, about 10 on Bun, measured on the dev
 * VM), and the two disagree by one ulp on about 0.08 % of arguments in [-36, 4] (3157 of 4 million
 * sampled). This one uses only IEEE-754 `+ - * /` on doubles, which JavaScript rounds the same way
 * everywhere (no fused multiply-add), and table lookups.
 *
 * Method (as in the table-driven exp of ARM's optimized-routines / glibc, written for clarity):
 * `k = round(x · 64/ln 2)`, `r = x − k·ln2/64` in two parts (Cody–Waite, the first product exact),
 * `exp(x) = 2^(k>>6) · 2^((k&63)/64) · exp(r)`, with `2^(j/64)` stored as a double plus its relative
 * tail and `exp(r) − 1` a degree-6 Taylor polynomial (|r| ≤ ln2/128, truncation below 3e-20).
 * Result: `s + s·tmp` with `s` the exact scale, so one rounding dominates.
 *
 * Error (300 000 sampled arguments over the whole range against a 40-digit decimal reference): at most
 * 0.51 ulp for normal results (Math.exp on this machine: 0.50), equal to Math.exp's result in all but
 * about 0.2 % of them (those differ by 1 ulp); at most 0.76 ulp of the subnormal spacing for results
 * below 2^-1022 (scaled once into range, rounded once at the end). NaN gives NaN; `+Infinity` and
 * arguments above 709.78 give `+Infinity`; `-Infinity` and arguments below -745.14 give 0.
 *
 * @example
 * ```ts
 * import { expF64 } from "./exp_f64.ts";
 * if (expF64(0) !== 1 || Math.abs(expF64(1) - Math.E) > 1e-15) throw new Error("exp");
 * ```
 * @module
 */

/** `2^(j/64)` rounded to double, j = 0…63. */
const T = new Float64Array([
  1.0,
  1.0108892860517005,
  1.0218971486541166,
  1.0330248790212284,
  1.0442737824274138,
  1.0556451783605572,
  1.0671404006768237,
  1.0787607977571199,
  1.0905077326652577,
  1.102382583307841,
  1.1143867425958924,
  1.1265216186082418,
  1.1387886347566916,
  1.1511892299529827,
  1.1637248587775775,
  1.1763969916502812,
  1.189207115002721,
  1.202156731452703,
  1.215247359980469,
  1.22848053610687,
  1.241857812073484,
  1.255380757024691,
  1.2690509571917332,
  1.2828700160787783,
  1.2968395546510096,
  1.3109612115247644,
  1.3252366431597413,
  1.339667524053303,
  1.3542555469368927,
  1.3690024229745905,
  1.383909881963832,
  1.3989796725383112,
  1.4142135623730951,
  1.42961333839197,
  1.4451808069770467,
  1.460917794180647,
  1.4768261459394993,
  1.4929077282912648,
  1.5091644275934228,
  1.5255981507445384,
  1.5422108254079407,
  1.559004400237837,
  1.5759808451078865,
  1.593142151342267,
  1.6104903319492543,
  1.6280274218573478,
  1.645755478153965,
  1.6636765803267364,
  1.681792830507429,
  1.7001063537185235,
  1.718619298122478,
  1.7373338352737062,
  1.7562521603732995,
  1.7753764925265212,
  1.7947090750031072,
  1.8142521755003989,
  1.8340080864093424,
  1.8539791250833855,
  1.8741676341103,
  1.8945759815869656,
  1.9152065613971474,
  1.9360617934922943,
  1.9571441241754002,
  1.978456026387951,
]);

/** `(2^(j/64) − T[j]) / T[j]`: what the rounding of `T[j]` left out, relative. */
const TAIL = new Float64Array([
  0.0,
  -1.507066976926039e-17,
  4.9997448722726326e-17,
  7.357846871247418e-18,
  8.189317638195515e-17,
  1.6665881442326747e-18,
  -7.402825309426177e-17,
  -6.170654745608695e-17,
  -2.7939114859515733e-17,
  4.776959425256223e-17,
  9.341710609905046e-17,
  4.585670326662351e-17,
  7.826573258636076e-17,
  2.823784425951061e-17,
  3.2904726646008416e-17,
  4.721368121170128e-17,
  3.3484623336251524e-17,
  5.527550048505249e-17,
  -6.346552106729483e-17,
  -1.5456342819397733e-17,
  3.750854201303127e-17,
  -5.346099009198751e-18,
  2.1023049675215714e-18,
  1.3357510088834541e-17,
  1.9572585293112036e-17,
  -5.478069123926778e-17,
  -2.1571477251208752e-17,
  6.663804589232195e-17,
  5.68648095791174e-17,
  7.007875046906994e-17,
  -4.8923067513522756e-17,
  -6.872303720902018e-17,
  -6.835808657661922e-17,
  -8.416011634717156e-18,
  -2.092304381843353e-17,
  -3.833464968654295e-17,
  -2.3591094770850053e-17,
  9.50689710108796e-18,
  -6.735219232374683e-17,
  -7.226635472101257e-17,
  5.1548301170786783e-17,
  2.4253985766689806e-17,
  -6.432131775424189e-18,
  -6.336161863401293e-17,
  1.5341410053603723e-17,
  -4.123367330661149e-17,
  -6.152602891550265e-17,
  3.540948262646183e-17,
  4.875160526227062e-17,
  -4.719539664590972e-18,
  -1.0772487078934056e-17,
  1.821405440362259e-17,
  1.685487290628973e-17,
  3.621615935336894e-17,
  1.01562190116415e-17,
  -5.495118966122005e-17,
  1.790126907604513e-17,
  5.265370768556274e-17,
  -3.266924100901318e-17,
  1.7963932659833022e-17,
  -5.545065618639427e-17,
  5.336805878514151e-17,
  4.5784915277060095e-17,
  2.0414278897578303e-17,
]);

/** `POW2[e + 1022] = 2^e` for the normal exponents e = -1022…1023 (built by exact doubling/halving). */
const POW2 = new Float64Array(2046);
for (let e = 0, v = 1; e <= 1023; e++, v *= 2) POW2[e + 1022] = v;
for (let e = 0, v = 1; e >= -1022; e--, v /= 2) POW2[e + 1022] = v;

/** 64 / ln 2. */
const INV_LN2_N = 92.33248261689366;
/** ln2/64, high part: fdlibm's ln2_hi (32 significant bits) / 64, so `k · LN2_N_HI` is exact for |k| < 2^21. */
const LN2_N_HI = 0.01083042469326756;
/** ln2/64 − LN2_N_HI. */
const LN2_N_LO = 2.9815858269852933e-12;
/** 1.5 · 2^52: adding and subtracting it rounds a double below 2^51 to the nearest integer (ties to even). */
const SHIFT = 6755399441055744;
const C2 = 1 / 2, C3 = 1 / 6, C4 = 1 / 24, C5 = 1 / 120, C6 = 1 / 720;
/** Largest x with exp(x) finite, and the x below which exp(x) rounds to 0 (fdlibm's thresholds). */
const OVERFLOW = 709.782712893384, UNDERFLOW = -745.1332191019411;
const TWO_M1000 = 9.332636185032189e-302, TWO_P1000 = 1.0715086071862673e301;

/**
 * `e^x` in double precision, bit-identical under every engine (see the module notes for the method
 * and the error); the fast path covers -700 ≤ x ≤ 709, the rest goes through one out-of-line branch.
 *
 * @example
 * ```ts
 * import { expF64 } from "./exp_f64.ts";
 * if (expF64(-Infinity) !== 0 || !Number.isNaN(expF64(NaN)) || expF64(800) !== Infinity) throw new Error("exp");
 * ```
 */
export function expF64(x: number): number {
  if (!(x >= -700 && x <= 709)) return expEdge(x);
  const kd = x * INV_LN2_N + SHIFT - SHIFT;
  const k = kd | 0;
  const r = x - kd * LN2_N_HI - kd * LN2_N_LO;
  const r2 = r * r;
  const j = k & 63;
  const tmp = TAIL[j]! + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5 + r2 * C6);
  const s = T[j]! * POW2[(k >> 6) + 1022]!;
  return s + s * tmp;
}

/** Arguments outside [-700, 709]: NaN, overflow, underflow, and results near the ends of the range. */
function expEdge(x: number): number {
  if (x !== x) return x;
  if (x > OVERFLOW) return Infinity;
  if (x < UNDERFLOW) return 0;
  const kd = x * INV_LN2_N + SHIFT - SHIFT;
  const k = kd | 0;
  const r = x - kd * LN2_N_HI - kd * LN2_N_LO;
  const r2 = r * r;
  const j = k & 63;
  const tmp = TAIL[j]! + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5 + r2 * C6);
  const e = k >> 6;
  // Scale by a power of two inside the normal range first, then once more: the last product rounds once.
  if (e > 0) {
    const s = T[j]! * POW2[e - 1000 + 1022]!;
    return (s + s * tmp) * TWO_P1000;
  }
  const s = T[j]! * POW2[e + 1000 + 1022]!;
  return (s + s * tmp) * TWO_M1000;
}

/**
 * `out[i] = expF64(x[start + i] − shift)` for `i < n`, returning their float64 sum in index order: the loop
 * of Softmax and LogSoftmax with the exponential written out inline (no call per element, the tables held
 * in locals). A row with an argument outside [-700, 709] (NaN, huge spreads) is redone with
 * {@link expF64}, so the results are the same either way.
 *
 * @example
 * ```ts
 * import { expF64, expSumF32 } from "./exp_f64.ts";
 * const e = new Float64Array(2);
 * const sum = expSumF32(new Float32Array([1, 3]), 0, 2, 3, e);
 * if (e[1] !== 1 || e[0] !== expF64(-2) || sum !== e[0] + e[1]) throw new Error("expSumF32");
 * ```
 */
export function expSumF32(x: Float32Array, start: number, n: number, shift: number, out: Float64Array): number {
  const t = T, tail = TAIL, pow2 = POW2; // locals: the optimizing tier keeps them in registers across the loop
  let sum = 0, edge = false;
  for (let i = 0; i < n; i++) {
    const a = x[start + i]! - shift;
    let v = 0;
    if (a >= -700 && a <= 709) {
      const kd = a * INV_LN2_N + SHIFT - SHIFT;
      const k = kd | 0;
      const r = a - kd * LN2_N_HI - kd * LN2_N_LO;
      const r2 = r * r;
      const j = k & 63;
      const tmp = tail[j]! + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5 + r2 * C6);
      const s = t[j]! * pow2[(k >> 6) + 1022]!;
      v = s + s * tmp;
    } else edge = true;
    out[i] = v;
    sum += v;
  }
  if (!edge) return sum;
  sum = 0;
  for (let i = 0; i < n; i++) {
    const v = expF64(x[start + i]! - shift);
    out[i] = v;
    sum += v;
  }
  return sum;
}
