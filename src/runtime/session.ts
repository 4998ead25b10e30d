/**
 * The inference session: the public way to run a model, shaped like onnxruntime-web's
 * (`InferenceSession.create`, `inputNames`, `outputNames`, `await session.run(feeds)`).
 * @module
 */
import { InputError } from "../errors.ts";
import type { Model, ValueInfo } from "../graph/graph.ts";
import { foldBatchNorm } from "../graph/passes/fold_batch_norm.ts";
import { foldConstantNodes } from "../graph/passes/fold_constant_nodes.ts";
import { mergeDuplicateInitializers } from "../graph/passes/merge_duplicate_initializers.ts";
import { sortTopologically } from "../graph/passes/sort_topologically.ts";
import type { Tensor } from "../graph/tensor.ts";
import { loadModel, type LoadModelOptions } from "../formats/load.ts";
import type { QuantizedTensor } from "../graph/quantized_tensor.ts";
import { copyModel } from "../graph/copy_graph.ts";
import { type DispatchRow, dispatchRows, loadKernels } from "../kernels/dispatch.ts";
import type { Kernels } from "../kernels/kernels.ts";
import { dequantizeModel } from "../quant/dequantize_model.ts";
import { executeGraph, type KernelOverrides } from "./executor.ts";
import { buildFastOps, packableQuantized } from "./fast/fast_ops.ts";
import { foldConstants } from "./fold_constants.ts";
import { NodeProfile, profiledOverrides } from "./node_profile.ts";
import { checkSupported } from "./registry.ts";

/** Options for {@link InferenceSession.create}. */
export interface SessionOptions extends LoadModelOptions {
  /**
   * Graph optimizations applied at load: `"basic"` folds constant sub-graphs and BatchNormalization
   * into the preceding Conv; `"none"` runs the graph exactly as stored.
   * @default "basic"
   */
  optimization?: "none" | "basic";
  /**
   * Memory mode (MNN's `BackendConfig::Memory`). `"normal"` dequantizes quantized weights at load;
   * `"low"` keeps the quantized weights a Conv (group 1), MatMul or Gemm reads packed at 2/4/8 bits and
   * runs them with int8 dynamic-quant kernels (activations quantized per row at run time). Depthwise and
   * other grouped convs, group-1 convs where fp32 measured faster (reduction length ≤ 63, at most 32 output
   * channels on a small weight, or a small 3×3 stride-1 weight that takes Winograd: `lowModeFp32Reason`),
   * and weights read any other way dequantize just their own weights; 3/5/6/7-bit codes are held as 8-bit
   * codes (one byte per weight). Outputs match the reference runtime on the same quantized model to cosine
   * ≥ 0.999 on the zoo models (see tests/runtime/low_memory_session.test.ts for the documented exceptions).
   * Needs the wasm kernels; with `kernels: "reference"` it behaves as `"normal"`.
   * @default "normal"
   */
  memory?: "normal" | "low";
  /**
   * `"auto"`: wasm kernels for Conv, ConvTranspose, MatMul and Gemm with constant weights (SIMD128 in
   * normal mode with `precision: "exact"`, so results are bit-identical under Deno and Bun; the best build,
   * relaxed SIMD, in low mode or with `precision: "fast"`), falling back to the reference kernels when none loads; `"reference"`: the TypeScript
   * reference kernels only.
   * @default "auto"
   */
  kernels?: "auto" | "reference";
  /**
   * Float arithmetic of normal mode's wasm kernels (MNN's `BackendConfig::Precision`, re-read for wasm):
   * `"exact"` runs the SIMD128 build, whose separate multiply and add give the same bits under every engine
   * (`run` writes byte-identical outputs under Deno and Bun); `"fast"` runs the best build the engine has
   * (relaxed SIMD: fused multiply-add, about twice the fp32 GEMM throughput), whose last bits may differ
   * between engines — still float32 everywhere, within the same budgets against onnxruntime. Low mode
   * always runs the best build.
   * @default "exact"
   */
  precision?: "exact" | "fast";
  /**
   * Times every node of every run (self time per node, subgraph nodes included) into
   * {@link InferenceSession.profile}. Costs one `performance.now()` pair per node.
   * @default false
   */
  profile?: boolean;
}

/** Named tensors in or out of a run. */
export type NamedTensors = Record<string, Tensor>;

/** A loaded, validated model ready to run. */
export class InferenceSession {
  /** The model as prepared for execution. */
  readonly model: Model;
  readonly #opset: number;
  readonly #kernels: Kernels | undefined;
  readonly #fastOps: KernelOverrides;
  readonly #profile: NodeProfile | undefined;
  readonly #runOps: KernelOverrides;
  /** The graph outputs the fast ops were planned for (a fused node may pass its input through). */
  readonly #plannedOutputs: string;

  private constructor(model: Model, kernels?: Kernels, fastOps: KernelOverrides = new Map(), profile = false) {
    this.model = model;
    this.#plannedOutputs = outputKey(model);
    this.#opset = model.opsets[""] ?? model.opsets["ai.onnx"] ?? 0;
    this.#kernels = kernels;
    this.#fastOps = fastOps;
    this.#profile = profile ? new NodeProfile() : undefined;
    this.#runOps = this.#profile ? profiledOverrides(model.graph, fastOps, this.#profile) : fastOps;
  }

  /** Per-node times of the runs so far when created with `profile: true`, else undefined. */
  get profile(): NodeProfile | undefined {
    return this.#profile;
  }

  /** Names of the fast kernels that have run in this session so far, sorted (empty with reference kernels). */
  get kernels(): string[] {
    return this.#kernels?.ran() ?? [];
  }

  /** The kernel dispatch table for this session: the rows in use, and why each other row declined or is unused. */
  get dispatch(): DispatchRow[] {
    return dispatchRows(this.#kernels);
  }

  /** The wasm build the fast ops use (`relaxed`, `simd128`, `scalar`), or `"reference"`. */
  get kernelBackend(): string {
    return this.#kernels?.variant ?? "reference";
  }

  /** How many nodes run a fast op (fused activations included). */
  get fastNodeCount(): number {
    return this.#fastOps.size;
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
    const kernels = (options.kernels ?? "auto") === "auto"
      ? await sessionKernels(options.memory ?? "normal", options.precision ?? "exact")
      : undefined;
    const packed = new Map<string, QuantizedTensor>();
    let model: Model;
    if (kernels && options.memory === "low") {
      const copy = copyModel(loaded);
      for (const name of packableQuantized(copy.graph)) {
        packed.set(name, copy.graph.quantized.get(name)!);
        copy.graph.quantized.delete(name);
      }
      model = dequantizeModel(copy);
    } else model = dequantizeModel(loaded);
    foldConstantNodes(model.graph);
    sortTopologically(model.graph);
    checkSupported(model);
    if ((options.optimization ?? "basic") === "basic") {
      foldConstants(model);
      foldBatchNorm(model.graph);
      mergeDuplicateInitializers(model.graph);
    }
    const fastOps = kernels ? buildFastOps(model, kernels, packed) : undefined;
    return new InferenceSession(model, kernels, fastOps, options.profile ?? false);
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
    if (this.#fastOps.size > 0 && outputKey(this.model) !== this.#plannedOutputs) {
      throw new TypeError(
        `The model's outputs changed after the session was created (now: ${
          graph.outputs.map((o) => o.name).join(", ")
        }); ` +
          'its fused kernels were planned for the old ones: create a new session, or use kernels: "reference"',
      );
    }
    this.#profile?.countRun();
    const outputs = executeGraph(graph, values, this.#opset, undefined, this.#runOps);
    return Object.fromEntries(graph.outputs.map((o, i) => [o.name, outputs[i]!]));
  }
}

/**
 * The kernel build a session uses. Normal mode takes SIMD128 (or scalar): fully specified wasm, so
 * outputs are bit-identical under Deno and Bun; relaxed SIMD's fused multiply-add is engine-defined.
 * Low mode takes the best build (relaxed SIMD's int8 dot products), trading that identity for speed.
 * `undefined` when no build loads (the reference kernels run everything).
 */
async function sessionKernels(memory: "normal" | "low", precision: "exact" | "fast"): Promise<Kernels | undefined> {
  const tries: Array<Parameters<typeof loadKernels>[0]> = memory === "low" || precision === "fast"
    ? [{}]
    : [{ variant: "simd128" }, { variant: "scalar" }];
  for (const options of tries) {
    try {
      return await loadKernels(options);
    } catch {
      // declined by this engine: try the next build
    }
  }
  return undefined;
}

/** The graph's output names, as one string. */
function outputKey(model: Model): string {
  return model.graph.outputs.map((o) => o.name).join("\u0000");
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
