/**
 * The inference session: the public way to run a model, shaped like onnxruntime-web's
 * (`InferenceSession.create`, `inputNames`, `outputNames`, `await session.run(feeds)`).
 * @module
 */
import { InputError } from "../errors.ts";
import type { Model, ValueInfo } from "../graph/graph.ts";
import { foldBatchNorm } from "../graph/passes/fold_batch_norm.ts";
import { foldConstantNodes } from "../graph/passes/fold_constant_nodes.ts";
import { sortTopologically } from "../graph/passes/sort_topologically.ts";
import type { Tensor } from "../graph/tensor.ts";
import { loadModel, type LoadModelOptions } from "../formats/load.ts";
import { dequantizeModel } from "../quant/dequantize_model.ts";
import { executeGraph } from "./executor.ts";
import { foldConstants } from "./fold_constants.ts";
import { checkSupported } from "./registry.ts";

/** Options for {@link InferenceSession.create}. */
export interface SessionOptions extends LoadModelOptions {
  /**
   * Graph optimizations applied at load: `"basic"` folds constant sub-graphs and BatchNormalization
   * into the preceding Conv; `"none"` runs the graph exactly as stored.
   * @default "basic"
   */
  optimization?: "none" | "basic";
}

/** Named tensors in or out of a run. */
export type NamedTensors = Record<string, Tensor>;

/** A loaded, validated model ready to run. */
export class InferenceSession {
  /** The model as prepared for execution. */
  readonly model: Model;
  readonly #opset: number;

  private constructor(model: Model) {
    this.model = model;
    this.#opset = model.opsets[""] ?? model.opsets["ai.onnx"] ?? 0;
  }

  /**
   * Loads a model (path, bytes or IR), checks that every op is supported and prepares it. Quantized
   * weights (`Graph.quantized`) are dequantized to float initializers here, on a copy of the graph, so a
   * compressed model given as IR stays compressed; FP16-stored weights are widened when their Cast is
   * folded.
   *
   * @example
   * ```ts
   * const session = await InferenceSession.create("model.onnx");
   * const out = await session.run({ x: new Tensor("float32", new Float32Array(4), [1, 4]) });
   * console.log(out[session.outputNames[0]!]!.dims);
   * ```
   */
  static async create(source: string | Uint8Array | Model, options: SessionOptions = {}): Promise<InferenceSession> {
    const loaded = typeof source === "object" && "graph" in source ? source : await loadModel(source, options);
    const model = dequantizeModel(loaded);
    foldConstantNodes(model.graph);
    sortTopologically(model.graph);
    checkSupported(model);
    if ((options.optimization ?? "basic") === "basic") {
      foldConstants(model);
      foldBatchNorm(model.graph);
    }
    return new InferenceSession(model);
  }

  /** Names of the inputs to feed. */
  get inputNames(): string[] {
    return this.model.graph.inputs.map((v) => v.name);
  }

  /** Names of the outputs a run returns. */
  get outputNames(): string[] {
    return this.model.graph.outputs.map((v) => v.name);
  }

  /** Declared inputs with dtypes and (possibly symbolic) shapes. */
  get inputs(): readonly ValueInfo[] {
    return this.model.graph.inputs;
  }

  /** Declared outputs with dtypes and (possibly symbolic) shapes. */
  get outputs(): readonly ValueInfo[] {
    return this.model.graph.outputs;
  }

  /** Runs the model. Throws {@link InputError} when a feed is missing or does not match its declaration. */
  run(feeds: NamedTensors): Promise<NamedTensors> {
    try {
      return Promise.resolve(this.runSync(feeds));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like {@link run}, synchronously. */
  runSync(feeds: NamedTensors): NamedTensors {
    const graph = this.model.graph;
    const values = new Map<string, Tensor>();
    for (const input of graph.inputs) {
      const t = feeds[input.name];
      if (!t) {
        throw new InputError(
          input.name,
          `Missing input "${input.name}"; the model takes: ${this.inputNames.join(", ")}`,
        );
      }
      checkFeed(input, t);
      values.set(input.name, t);
    }
    for (const name of Object.keys(feeds)) {
      if (!values.has(name)) {
        throw new InputError(name, `Unknown input "${name}"; the model takes: ${this.inputNames.join(", ")}`);
      }
    }
    const outputs = executeGraph(graph, values, this.#opset);
    return Object.fromEntries(graph.outputs.map((o, i) => [o.name, outputs[i]!]));
  }
}

function checkFeed(info: ValueInfo, t: Tensor): void {
  if (info.dtype && info.dtype !== t.type) {
    throw new InputError(info.name, `Input "${info.name}" must be ${info.dtype}, got ${t.type}`);
  }
  if (!info.shape) return;
  const shown = `[${info.shape.map((d) => d ?? "?").join(", ")}]`;
  if (info.shape.length !== t.dims.length) {
    throw new InputError(info.name, `Input "${info.name}" must have shape ${shown}, got [${t.dims.join(", ")}]`);
  }
  info.shape.forEach((d, i) => {
    if (typeof d === "number" && d !== t.dims[i]) {
      throw new InputError(info.name, `Input "${info.name}" must have shape ${shown}, got [${t.dims.join(", ")}]`);
    }
  });
}
