import { describe, expect, test } from "bun:test";
import { quantizeRowsRef, roundHalfEven } from "../../src/kernels/ref/quantize_rows_ref.ts";
import { seededRandom } from "../_random.ts";
import { availableVariants, EXACT, expectWithin, kernelsFor, randomF32, randomInt } from "./_kernel_suite.ts";

/** Rows that stress the rounding and range logic: ties, all-zero, one-signed, tiny and huge ranges. */
function specialRows(k: number): Float32Array[] {
  const ties = Float32Array.from({ length: k }, (_, i) => (i % 5) - 2 + 0.5); // absmax 2.5 → many .5 ties
  const zero = new Float32Array(k);
  const positive = randomF32(k, 7, 0.25, 3);
  const negative = randomF32(k, 8, -3, -0.25);
  const tiny = randomF32(k, 9, -1e-30, 1e-30);
  const huge = randomF32(k, 10, -1e30, 1e30);
  const constant = new Float32Array(k).fill(-0.75);
  return [ties, zero, positive, negative, tiny, huge, constant];
}

describe("quantizeRowsRef", () => {
  test("rounds half to even", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
  });

  test("dequantizes within half a step of every input", () => {
    const x = randomF32(4 * 50, 3, -4, 2);
    for (const asymmetric of [false, true]) {
      const r = quantizeRowsRef(x, { m: 4, k: 50, asymmetric });
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 50; j++) {
          const back = (r.q[i * 50 + j]! - r.zeroPoint[i]!) * r.scale[i]!;
          expect(Math.abs(back - x[i * 50 + j]!)).toBeLessThanOrEqual(r.scale[i]! * 0.5001 + 1e-7);
        }
      }
    }
  });
});

for (const variant of availableVariants()) {
  describe(`f32-qd8-quantize-rows (${variant})`, () => {
    test("codes, scales and zero points equal the reference exactly, symmetric and asymmetric", async () => {
      const kernels = await kernelsFor(variant);
      const next = seededRandom(21);
      const cases: Array<[number, number]> = [[1, 1], [1, 15], [2, 16], [3, 17], [5, 33], [4, 64]];
      for (let i = 0; i < 10; i++) cases.push([randomInt(next, 1, 9), randomInt(next, 1, 300)]);
      let seed = 500;
      for (const [m, k] of cases) {
        const x = randomF32(m * k, seed++, -3, 3 * next());
        for (const asymmetric of [false, true]) {
          const ours = kernels.quantizeRowsInt8(x, { k, asymmetric });
          const ref = quantizeRowsRef(x, { m, k, asymmetric });
          const where = `${kernels.names.qd8Quantize} m=${m} k=${k} asymmetric=${asymmetric}`;
          expectWithin(ours.q, ref.q, EXACT, `${where} codes`);
          expectWithin(ours.scale, ref.scale, EXACT, `${where} scales`);
          expectWithin(ours.zeroPoint, ref.zeroPoint, EXACT, `${where} zero points`);
        }
      }
    });

    test("handles rounding ties, zero rows, one-signed rows and extreme ranges exactly", async () => {
      const kernels = await kernelsFor(variant);
      for (const k of [7, 16, 45]) {
        const rows = specialRows(k);
        const x = new Float32Array(rows.length * k);
        rows.forEach((r, i) => x.set(r, i * k));
        for (const asymmetric of [false, true]) {
          const ours = kernels.quantizeRowsInt8(x, { k, asymmetric });
          const ref = quantizeRowsRef(x, { m: rows.length, k, asymmetric });
          const where = `${kernels.names.qd8Quantize} special rows k=${k} asymmetric=${asymmetric}`;
          expectWithin(ours.q, ref.q, EXACT, `${where} codes`);
          expectWithin(ours.scale, ref.scale, EXACT, `${where} scales`);
          expectWithin(ours.zeroPoint, ref.zeroPoint, EXACT, `${where} zero points`);
        }
      }
    });
  });
}
