/**
 * The string side of Cast, as onnxruntime does it: numbers print like C's `%.8g` (`"INF"`, `"-INF"`,
 * `"NaN"` for the specials), integers in decimal, bools as `"1"`/`"0"`; strings parse like C++'s `stod`
 * (floating targets), `stoll` (signed) and `stoull` (unsigned and bool): leading blanks skipped, the
 * longest valid prefix read, and an error when there is none or it overflows.
 * @module
 */

/** Formats a finite or special double like C's `printf("%.8g")` (ties to even on the exact value). */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "INF";
  if (x === -Infinity) return "-INF";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const sign = x < 0 ? "-" : "";
  // 100 exact significant digits: enough to see whether the 9th digit is an exact tie.
  const [mantissa, exp] = Math.abs(x).toExponential(99).split("e") as [string, string];
  const all = mantissa.replace(".", "");
  const digits = Array.from(all.slice(0, 8), Number);
  let exponent = Number(exp);
  const next = all.charCodeAt(8) - 48;
  const restNonZero = /[1-9]/.test(all.slice(9));
  if (next > 5 || (next === 5 && (restNonZero || digits[7]! % 2 === 1))) {
    let i = 7;
    while (i >= 0 && digits[i] === 9) digits[i--] = 0;
    if (i >= 0) digits[i]!++;
    else {
      digits.unshift(1);
      digits.pop();
      exponent++;
    }
  }
  const text = digits.join("");
  if (exponent < -4 || exponent >= 8) {
    const fraction = text.slice(1).replace(/0+$/, "");
    const e = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    return `${sign}${text[0]}${fraction ? "." + fraction : ""}e${e}`;
  }
  const whole = exponent >= 0 ? text.slice(0, exponent + 1) : "0";
  const fraction = (exponent >= 0 ? text.slice(exponent + 1) : "0".repeat(-exponent - 1) + text).replace(/0+$/, "");
  return `${sign}${whole}${fraction ? "." + fraction : ""}`;
}

const BLANKS = /^[ \t\n\v\f\r]*/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i;
const HEX = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?/i;
const SPECIAL = /^([+-]?)(inf(inity)?|nan(\([0-9a-z_]*\))?)/i;

/** Parses the leading number of `s` like C++ `std::stod`. */
export function parseFloatLikeStod(s: string): number {
  const text = s.replace(BLANKS, "");
  const special = SPECIAL.exec(text);
  if (special) {
    if (special[2]!.toLowerCase().startsWith("nan")) return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  const hex = HEX.exec(text);
  if (hex && (hex[2] || hex[3])) {
    const whole = hex[2] || "0";
    const fraction = hex[3] ?? "";
    const mantissa = Number.parseInt(whole + fraction || "0", 16) * 2 ** (-4 * fraction.length);
    const value = mantissa * 2 ** Number(hex[4] ?? 0);
    if (!Number.isFinite(value)) throw new RangeError(`Cast: "${s}" is out of range for a double`);
    return hex[1] === "-" ? -value : value;
  }
  const match = DECIMAL.exec(text);
  if (!match) throw new TypeError(`Cast: "${s}" does not start with a number`);
  const value = Number(match[0]);
  if (!Number.isFinite(value)) throw new RangeError(`Cast: "${s}" is out of range for a double`);
  return value;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Parses the leading decimal integer of `s` like `std::stoll` (`unsigned` false) or `std::stoull`
 * (`unsigned` true: a leading minus negates modulo 2^64).
 */
export function parseIntegerLikeStoll(s: string, unsigned: boolean): bigint {
  const match = /^([+-]?)(\d+)/.exec(s.replace(BLANKS, ""));
  if (!match) throw new TypeError(`Cast: "${s}" does not start with an integer`);
  const magnitude = BigInt(match[2]!);
  if (unsigned) {
    if (magnitude > UINT64_MAX) throw new RangeError(`Cast: "${s}" is out of range for uint64`);
    return match[1] === "-" ? BigInt.asUintN(64, -magnitude) : magnitude;
  }
  const value = match[1] === "-" ? -magnitude : magnitude;
  if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`Cast: "${s}" is out of range for int64`);
  return value;
}
