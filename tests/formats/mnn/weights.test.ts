// Decoded MNN weights against their sources: the float X.mnn against the ONNX zoo model (folded as
// MNNConvert folds it), FP16 and weight-quantized files against the float X.mnn, the external-data file
// against its inline twin, and MNN's benchmark graphs walked end to end.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { MnnNet, MnnWeightQuantization } from "../../../src/formats/mnn/mod.ts";
import { readMnnWeights } from "../../../src/formats/mnn/mod.ts";
import {
  HAVE_MNN,
  MNN_DIR,
  MNN_MODELS,
  mnnBytes,
  type MnnModel,
  presentVariants,
  readMnnFile,
  stem,
} from "./_mnn_files.ts";
import { matchSites, onnxWeightSites } from "./_onnx_weight_sites.ts";

const floats = new Map<MnnModel, Promise<MnnNet>>();
function floatNet(model: MnnModel): Promise<MnnNet> {
  if (!floats.has(model)) floats.set(model, readMnnFile(model));
  return floats.get(model)!;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** `v` rounded toward zero to half precision (what MNNConvert --fp16 stores), as a float32. */
const scratch = new Float32Array(1), scratchBits = new Uint32Array(scratch.buffer);
function truncateToHalf(v: number): number {
  const f = scratch, u = scratchBits;
  f[0] = v;
  const e = ((u[0]! >>> 23) & 0xff) - 127;
  if (e === 128) return v;
  if (e < -24) return Object.is(f[0], -0) || f[0]! < 0 ? -0 : 0;
  const keep = e >= -14 ? 10 : 10 - (-14 - e); // mantissa bits a normal or subnormal half keeps
  u[0] = u[0]! & ~((1 << (23 - keep)) - 1);
  return f[0]!;
}

/** What one group's check found. */
interface GroupTally {
  weights: number;
  worstSteps: number;
  clipped: number;
  collapsed: number;
  maxDistinct: number;
}

/**
 * Checks one quantized group against the float weights it came from: at most 2^b distinct values; each
 * weight within half a step (plus FP16 scale rounding), or clamped to the nearer end of the grid when it
 * lies outside it (HQQ moves the zero point), or — MNNConvert's rule for groups whose scale is at most
 * 1e-6 — every weight at q = aMin, i.e. decoded as the group's minimum.
 */
function checkGroup(
  q: MnnWeightQuantization,
  g: number,
  decoded: Float32Array,
  original: Float32Array,
  tally: GroupTally,
): void {
  const s = q.scales[g]!, min = q.mins?.[g] ?? 0;
  const from = g * q.groupSize, to = from + q.groupSize;
  const levels = 1 << q.bits;
  const qLow = q.mins ? q.aMin : -(levels >> 1), qHigh = qLow + levels - 1;
  const lo = (qLow - q.aMin) * s + min, hi = (qHigh - q.aMin) * s + min;
  const values = new Set<number>(), decodedValues = new Set<number>();
  for (let k = from; k < to; k++) values.add(q.values[k]!) && decodedValues.add(decoded[k]!);
  if (values.size > levels || decodedValues.size > levels) throw new Error(`group ${g}: more than ${levels} values`);
  tally.maxDistinct = Math.max(tally.maxDistinct, values.size);
  tally.weights += q.groupSize;
  if (q.mins && s <= 1e-6 && values.size === 1 && values.has(q.aMin)) {
    tally.collapsed++;
    if (decodedValues.size !== 1) throw new Error(`group ${g}: collapsed group decodes to several values`);
    return;
  }
  for (let k = from; k < to; k++) {
    const w = original[k]!, err = Math.abs(decoded[k]! - w);
    const fp16Slack = q.fp16Scales ? ((q.values[k]! - q.aMin) * s + Math.abs(min)) * 2 ** -10 : 0;
    const bound = s * 0.5 * (1 + 1e-4) + fp16Slack + 1e-7 * Math.abs(w);
    if (w < lo - bound || w > hi + bound) {
      tally.clipped++;
      if (q.values[k] !== (w < lo ? qLow : qHigh)) throw new Error(`group ${g} weight ${k}: not clamped to the grid`);
      continue;
    }
    if (!(err <= bound)) throw new Error(`group ${g} weight ${k}: |${decoded[k]} − ${w}| = ${err} > ${bound}`);
    if (s > 0) tally.worstSteps = Math.max(tally.worstSteps, err / s);
  }
}

describe.skipIf(!HAVE_MNN)("MNN float weights against the ONNX zoo models", () => {
  for (const model of Object.keys(MNN_MODELS) as MnnModel[]) {
    test(`${model}.mnn: every conv equals the BN-folded ONNX model's, ops matched by name`, async () => {
      const net = await floatNet(model);
      const { sites } = await onnxWeightSites(MNN_MODELS[model]);
      const match = matchSites(net, sites);
      expect(match.byName).toBe(net.ops.filter((o) => o.convolution?.weight).length);
      expect(match.byOrder).toBe(0);
      expect(match.pairs.length).toBe(sites.length);
      let exact = 0, worst = 0;
      for (const { op, site } of match.pairs) {
        const c = op.convolution!;
        expect(c.encoding).toBe("float");
        expect(c.weightDims).toEqual(site.dims);
        const rel = maxAbsDiff(c.weight!, site.weight) / maxAbs(site.weight);
        const bias = site.bias ?? new Float32Array(c.common.outputCount);
        const relBias = maxAbsDiff(c.bias ?? new Float32Array(bias.length), bias) / Math.max(maxAbs(bias), 1e-30);
        expect(rel).toBeLessThanOrEqual(1e-6);
        expect(relBias).toBeLessThanOrEqual(1e-6);
        if (rel === 0 && relBias === 0) exact++;
        worst = Math.max(worst, rel, relBias);
      }
      const kinds = match.pairs.reduce((m, p) => m.set(p.site.kind, (m.get(p.site.kind) ?? 0) + 1), new Map());
      console.log(
        `${model}.mnn: ${match.pairs.length} convs matched by name (${[...kinds].map(([k, n]) => `${n} ${k}`)}), ` +
          `${exact} bit-exact, worst relative difference ${worst.toExponential(2)} (BN folding rounding)`,
      );
    });
  }
});

describe.skipIf(!HAVE_MNN)("MNN compressed weights against the float X.mnn", () => {
  for (const model of ["cls", "rec"] as const) {
    test.skipIf(presentVariants(model, ["fp16"]).length === 0)(
      `${model}.fp16.mnn holds the float weights rounded toward zero to half precision, exactly`,
      async () => {
        const [a, b] = await Promise.all([floatNet(model), readMnnFile(`${model}.fp16`)]);
        let n = 0;
        for (const [i, op] of a.ops.entries()) {
          if (!op.convolution?.weight) continue;
          const c = b.ops[i]!.convolution!;
          expect(c.encoding).toBe("float16");
          expect(c.weight!.every((v, k) => v === truncateToHalf(op.convolution!.weight![k]!))).toBe(true);
          expect([...c.bias!]).toEqual([...op.convolution.bias!]);
          n += c.weight!.length;
        }
        expect(n).toBeGreaterThan(100_000);
      },
    );
  }

  for (const model of Object.keys(MNN_MODELS) as MnnModel[]) {
    for (const variant of presentVariants(model)) {
      test(`${stem(model, variant)}.mnn decodes within half a step of ${model}.mnn, ≤ 2^b values a group`, async () => {
        const [a, b] = await Promise.all([floatNet(model), readMnnFile(stem(model, variant))]);
        const tally: GroupTally = { weights: 0, worstSteps: 0, clipped: 0, collapsed: 0, maxDistinct: 0 };
        let bits = 0;
        for (const [i, op] of a.ops.entries()) {
          if (!op.convolution?.weight) continue;
          const c = b.ops[i]!.convolution!;
          expect(b.ops[i]!.name).toBe(op.name);
          expect(c.encoding).toBe("quantized");
          expect(c.weightDims).toEqual(op.convolution.weightDims!);
          const q = c.quantization!;
          bits = q.bits;
          for (let g = 0; g < q.groups; g++) checkGroup(q, g, c.weight!, op.convolution.weight, tally);
          expect([...c.bias!]).toEqual([...op.convolution.bias!]);
        }
        expect(tally.weights).toBe(a.ops.reduce((n, o) => n + (o.convolution?.weight?.length ?? 0), 0));
        expect(tally.worstSteps).toBeLessThanOrEqual(0.5 + 0.01);
        expect(tally.clipped).toBeLessThanOrEqual(tally.weights * 1e-4);
        console.log(
          `${stem(model, variant)}: ${bits}-bit, ${tally.weights} weights, worst ${tally.worstSteps.toFixed(5)} ` +
            `step, ${tally.clipped} clamped to the grid's end, ${tally.collapsed} tiny-scale groups at min, ` +
            `≤ ${tally.maxDistinct} values a group`,
        );
      });
    }
  }

  test.skipIf(presentVariants("cls", ["w4b32.ext", "w4b32"]).length < 2)(
    "cls.w4b32.ext.mnn + .weight decodes to exactly cls.w4b32.mnn's weights and biases",
    async () => {
      const [inline, external] = await Promise.all([readMnnFile("cls.w4b32"), readMnnFile("cls.w4b32.ext")]);
      const sidecar = mnnBytes("cls.w4b32.ext.mnn.weight").length;
      let convs = 0;
      for (const [i, op] of inline.ops.entries()) {
        if (!op.convolution) continue;
        const e = external.ops[i]!.convolution!;
        expect(e.external).toBe(true);
        expect(op.convolution.external).toBe(false);
        expect([...e.weight!]).toEqual([...op.convolution.weight!]);
        expect([...e.bias!]).toEqual([...op.convolution.bias!]);
        convs++;
      }
      expect(convs).toBe(54);
      await expect(readMnnWeights(mnnBytes("cls.w4b32.ext.mnn"))).rejects.toThrow(/pass readSidecar/);
      expect(sidecar).toBe(101000);
    },
  );
});

describe.skipIf(!HAVE_MNN)("MNN benchmark graphs (weights left out)", () => {
  const files = HAVE_MNN ? readdirSync(join(MNN_DIR, "benchmark-structure")).filter((f) => f.endsWith(".mnn")) : [];
  test.each(files)("benchmark-structure/%s walks: ops listed, every conv's parameters read", async (file: string) => {
    const net = await readMnnWeights(mnnBytes(`benchmark-structure/${file}`));
    expect(net.ops.length).toBeGreaterThan(10);
    for (const op of net.ops) {
      expect(op.typeName).not.toMatch(/^OpType#/);
      for (const name of [...op.inputs, ...op.outputs]) expect(net.tensorNames).toContain(name);
    }
    const convs = net.ops.filter((op) => op.convolution);
    expect(convs.length).toBeGreaterThan(10);
    for (const { convolution: c } of convs) {
      expect(c!.encoding).toBe("none");
      expect(c!.common.outputCount).toBeGreaterThan(0);
      expect(Math.min(c!.common.kernelX, c!.common.kernelY, c!.common.strideX, c!.common.group)).toBeGreaterThan(0);
    }
  });
});
