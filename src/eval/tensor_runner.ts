/**
 * What the task evaluators need from a model: something that runs it on named tensors. A bitloop
 * `InferenceSession` is one; so is a wrapper around onnxruntime or a remote device.
 * @module
 */
import type { Tensor } from "../graph/tensor.ts";

/**
 * Runs a model on named input tensors and resolves to its named outputs.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const echo: TensorRunner = { run: (feeds) => Promise.resolve({ y: feeds.x! }) };
 * const out = await echo.run({ x: new Tensor("float32", new Float32Array(1), [1]) });
 * if (out.y?.size !== 1) throw new Error();
 * ```
 */
export interface TensorRunner {
  /** Runs the model once. */
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
}
