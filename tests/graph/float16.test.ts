import { expect, test } from "bun:test";
import {
  float16BitsToFloat32,
  float16ToFloat32Array,
  float32ToFloat16Array,
  float32ToFloat16Bits,
} from "../../src/graph/float16.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { exportOnnx } from "../../src/formats/onnx/export_onnx.ts";
import { attr, opModel } from "../_op_harness.ts";
import { ortRun, ortSession } from "../_ort.ts";
import { seededRandom } from "../_random.ts";

const ALL_HALVES = Uint16Array.from({ length: 65536 }, (_, i) => i);
const isHalfNaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/** Runs one onnxruntime Cast node on `x`. */
async function ortCast(x: Tensor, to: number): Promise<Tensor> {
  const bytes = exportOnnx(opModel({ op: "Cast", inputs: [["x", x]], attributes: { to: attr.int(to) } }));
  const out = await ortRun(await ortSession(bytes), { x });
  return out["out0"]!;
}

/** Float32 values that probe every rounding path: ties, near-ties, subnormals, overflow, NaN payloads. */
function probeValues(): Float32Array {
  const next = seededRandom(16);
  const values: number[] = [0, -0, Infinity, -Infinity, 65504, 65519.99, 65520, -65520, 1e-8, 2 ** -25, 2 ** -24];
  const halves = float16ToFloat32Array(ALL_HALVES);
  for (let k = 0; k < 1500; k++) {
    // Midpoints between neighbouring halves (exact in float32) and a float32 ulp either side of them.
    const h = Math.floor(next() * 0x7bff);
    const mid = Math.fround((halves[h]! + halves[h + 1]!) / 2);
    const ulp = Math.abs(mid) * 2 ** -23 || 2 ** -149;
    const sign = next() < 0.5 ? -1 : 1;
    values.push(sign * mid, sign * Math.fround(mid + ulp), sign * Math.fround(mid - ulp));
  }
  for (let k = 0; k < 1500; k++) values.push((next() - 0.5) * 2 ** Math.floor(next() * 60 - 35));
  const out = new Float32Array(values.length + 64);
  out.set(values);
  // NaNs with assorted signs and payloads, written as raw bits.
  const bits = new Uint32Array(out.buffer, values.length * 4);
  for (let k = 0; k < 64; k++) bits[k] = (next() < 0.5 ? 0x7f800000 : 0xff800000) | (1 + Math.floor(next() * 0x7fffff));
  return out;
}

test("every finite half decodes and encodes back to the same bits; NaNs stay NaN and become quiet", () => {
  const decoded = float16ToFloat32Array(ALL_HALVES);
  const again = float32ToFloat16Array(decoded);
  for (let h = 0; h < 65536; h++) {
    const scalar = float16BitsToFloat32(h);
    if (isHalfNaN(h)) {
      expect(Number.isNaN(scalar)).toBe(true);
      expect(Number.isNaN(decoded[h]!)).toBe(true);
      expect(again[h]).toBe(h | 0x200);
      expect(float32ToFloat16Bits(scalar)).toBe(0x7e00);
    } else {
      expect(Object.is(scalar, decoded[h])).toBe(true);
      expect(again[h]).toBe(h);
      expect(float32ToFloat16Bits(scalar)).toBe(h);
    }
  }
});

test("known half values decode exactly", () => {
  expect(float16BitsToFloat32(0x3c00)).toBe(1);
  expect(float16BitsToFloat32(0x7bff)).toBe(65504);
  expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
  expect(float16BitsToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
  expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
  expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
});

test("float32ToFloat16Bits rounds ties to even, flushes below 2^-25 to zero and overflows at 65520", () => {
  expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, even stays
  expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd rounds up
  expect(float32ToFloat16Bits(2 ** -25)).toBe(0);
  expect(float32ToFloat16Bits(Math.fround(2 ** -25 * (1 + 2 ** -20)))).toBe(1);
  expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(2);
  expect(float32ToFloat16Bits(65519.99)).toBe(0x7bff);
  expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
  expect(float32ToFloat16Bits(-1e9)).toBe(0xfc00);
  expect(float32ToFloat16Bits(NaN)).toBe(0x7e00);
});

test("float32 → float16 bits match onnxruntime's Cast on ~4600 probe values (NaNs: NaN-ness and sign)", async () => {
  const values = probeValues();
  const ref = await ortCast(new Tensor("float32", values, [values.length]), 10);
  const ours = float32ToFloat16Array(values);
  const refBits = ref.data as Uint16Array;
  const mismatches: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const same = isHalfNaN(ours[i]!)
      ? isHalfNaN(refBits[i]!) && (ours[i]! & 0x8000) === (refBits[i]! & 0x8000)
      : ours[i] === refBits[i];
    if (!same) mismatches.push(`${values[i]}: ${ours[i]!.toString(16)} vs ${refBits[i]!.toString(16)}`);
    if (!Number.isNaN(values[i]!)) expect(float32ToFloat16Bits(values[i]!)).toBe(ours[i]!);
  }
  expect(mismatches.slice(0, 5)).toEqual([]);
});

test("float16 → float32 matches onnxruntime's Cast bit for bit on all 65536 halves (NaNs made quiet)", async () => {
  const ref = await ortCast(new Tensor("float16", ALL_HALVES, [65536]), 1);
  const refData = ref.data as Float32Array;
  const refBits = new Uint32Array(refData.buffer, refData.byteOffset, refData.length);
  const ours = new Uint32Array(float16ToFloat32Array(ALL_HALVES).buffer);
  let mismatches = 0;
  for (let i = 0; i < 65536; i++) if (ours[i] !== refBits[i]) mismatches++;
  expect(mismatches).toBe(0);
});
