// Runs a PaddleOCR zoo model with the convolution weights decoded from an MNN file substituted
// (_onnx_weight_sites.ts), on MNN's input for that model: the bitloop side of the decoder oracle, and of the
// writer's tests (a net bitloop wrote, read back).
import type { MnnNet } from "../../../src/formats/mnn/mod.ts";
import type { Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { MNN_MODELS, type MnnModel, mnnNpy, readMnnFile, stem } from "./_mnn_files.ts";
import { matchSites, onnxWeightSites } from "./_onnx_weight_sites.ts";

/** The output of the zoo model with the weights of `<model>[.variant].mnn`, on `<model>.input.npy`. */
export async function runWithMnnWeights(model: MnnModel, variant: string): Promise<Tensor> {
  return runWithMnnNet(model, await readMnnFile(stem(model, variant)), `${stem(model, variant)}.mnn`);
}

/** The output of the zoo model `model` with the weights of `net` (read from `label`), on `<model>.input.npy`. */
export async function runWithMnnNet(model: MnnModel, net: MnnNet, label: string): Promise<Tensor> {
  const { model: onnx, sites } = await onnxWeightSites(MNN_MODELS[model]);
  const { pairs } = matchSites(net, sites);
  if (pairs.length !== sites.length) {
    throw new Error(`${label}: ${pairs.length} of ${sites.length} ONNX weight sites matched`);
  }
  for (const { op, site } of pairs) site.substitute(op.convolution!.weight!, op.convolution!.bias);
  const session = await InferenceSession.create(onnx);
  const out = await session.run({ [session.inputNames[0]!]: mnnNpy(`${model}.input.npy`) });
  return out[session.outputNames[0]!]!;
}
