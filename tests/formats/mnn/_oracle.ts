// The end-to-end oracle for the MNN decoder: put the weights decoded from an MNN file into the ONNX zoo
// model (folded as MNNConvert folds it), run it with bitloop on MNN's input, and compare with the output
// MNN's own runtime computed from that file (Memory_Normal: weights dequantized at load). Matching to
// float rounding proves the decoder reproduces MNN's dequantization. The float model's output, run the
// same way, is the control: a quantized file's output must be far closer to its decoded run than to it.
import { describe, expect, test } from "bun:test";
import { compareArrays } from "../../../src/eval/metrics.ts";
import type { Tensor } from "../../../src/graph/tensor.ts";
import { type MnnModel, mnnNpy, presentVariants, stem } from "./_mnn_files.ts";
import { runWithMnnWeights } from "./_run_with_mnn_weights.ts";

function values(t: Tensor): Float32Array {
  return t.data as Float32Array;
}

/**
 * Registers the oracle tests of one model: the float file, then every weight-quantized variant present,
 * then the FP16 file: reported, not held to float rounding. Its conv weights decode exactly to MNN's
 * stored halves (weights.test.ts), yet MNN's output for it is not reproduced to float rounding by fp32
 * convolutions with them (cls: max abs error 1.3e-4 where the float file gives 2e-7; rec: cosine 0.9998),
 * so MNN's runtime does something more with FP16 files (rounding other constants, or lower-precision
 * arithmetic) that a weight decoder cannot reproduce.
 */
export function describeOracle(model: MnnModel): void {
  const variants = presentVariants(model);
  describe.skipIf(presentVariants(model, [""]).length === 0)(`MNN oracle: ${model}`, () => {
    let floatRun: Float32Array;
    let floatMaxAbs = 0;

    test(`${model}.mnn through bitloop reproduces ${model}.output.normal.npy`, async () => {
      const ours = await runWithMnnWeights(model, "");
      const ref = mnnNpy(`${model}.output.normal.npy`);
      expect(ours.dims).toEqual(ref.dims);
      const c = compareArrays(values(ref), values(ours));
      floatRun = values(ours);
      floatMaxAbs = c.maxAbsError;
      console.log(`${model}.mnn: cosine ${c.cosine.toFixed(9)}, max abs error ${c.maxAbsError.toExponential(2)}`);
      expect(c.cosine).toBeGreaterThanOrEqual(0.99999);
    });

    for (const variant of variants) {
      const name = stem(model, variant);
      test(`${name}.mnn decoded through bitloop reproduces MNN's ${name}.output.normal.npy`, async () => {
        const ours = await runWithMnnWeights(model, variant);
        const ref = values(mnnNpy(`${name}.output.normal.npy`));
        const c = compareArrays(ref, values(ours));
        const control = compareArrays(ref, floatRun);
        console.log(
          `${name}.mnn: cosine ${c.cosine.toFixed(9)}, max abs error ${c.maxAbsError.toExponential(2)} ` +
            `(max |ref| ${c.maxAbsRef.toFixed(3)}); float weights instead: cosine ${control.cosine.toFixed(6)}, ` +
            `max abs error ${control.maxAbsError.toExponential(2)}`,
        );
        expect(c.cosine).toBeGreaterThanOrEqual(0.99999);
        expect(c.maxAbsError).toBeLessThanOrEqual(Math.max(1e-4 * c.maxAbsRef, 5 * floatMaxAbs));
        expect(c.maxAbsError).toBeLessThan(control.maxAbsError / 10);
      });
    }

    test.skipIf(presentVariants(model, ["fp16"]).length === 0)(
      `${model}.fp16.mnn through bitloop stays near MNN's output (reported, not held to float rounding)`,
      async () => {
        const ours = await runWithMnnWeights(model, "fp16");
        const ref = values(mnnNpy(`${model}.fp16.output.normal.npy`));
        const c = compareArrays(ref, values(ours));
        const control = compareArrays(ref, floatRun);
        console.log(
          `${model}.fp16.mnn: cosine ${c.cosine.toFixed(9)}, max abs error ${c.maxAbsError.toExponential(2)}; ` +
            `fp32 weights: cosine ${control.cosine.toFixed(9)}`,
        );
        expect(c.cosine).toBeGreaterThanOrEqual(0.9998);
      },
    );
  });
}
