// onnxruntime-node, the oracle: run ONNX bytes and get bitloop Tensors back.
import * as ort from "onnxruntime-node";
import type { DType } from "../src/graph/dtype.ts";
import { Tensor } from "../src/graph/tensor.ts";

/** A loaded onnxruntime-node session (one thread, all graph optimizations off so it computes as written). */
export async function ortSession(model: Uint8Array | string): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: "disabled",
    logSeverityLevel: 3, // errors only: the zoo models carry unused initializers ORT warns about
  };
  return typeof model === "string"
    ? await ort.InferenceSession.create(model, options)
    : await ort.InferenceSession.create(model, options);
}

/** Runs an onnxruntime session on bitloop tensors; returns outputs by name. */
export async function ortRun(
  session: ort.InferenceSession,
  feeds: Record<string, Tensor>,
): Promise<Record<string, Tensor>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const tensor = new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.dims]);
    // Where Float16Array exists (Bun), ort wraps float16 bits in one, which the native binding cannot read:
    // hand it the raw Uint16Array bits instead.
    if (t.type === "float16") Object.defineProperty(tensor, "data", { value: t.data });
    ortFeeds[name] = tensor;
  }
  const out = await session.run(ortFeeds);
  const result: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(out)) {
    // float16 outputs may come back as a Float16Array (decoded values); bitloop holds the raw bits.
    const data = t.type === "float16"
      ? new Uint16Array((t.data as Uint16Array).buffer, (t.data as Uint16Array).byteOffset, t.data.length)
      : t.data;
    result[name] = new Tensor(t.type as DType, data as Tensor["data"], [...t.dims]);
  }
  return result;
}
