/**
 * The device-agent protocol (version 1): the JSON shapes the agent (`device-agent/`) sends and the
 * client ({@link DeviceClient}) reads. One source of truth for both sides; the OpenAPI document the
 * agent serves at `/v1/openapi.json` describes the same shapes.
 * @module
 */
import type { DType } from "../graph/dtype.ts";

/** The error body every failed request returns, with a stable `code` and a human message. */
export interface ErrorBody {
  /** The error. */
  error: {
    /** Stable machine-readable code, e.g. `"hash_mismatch"`. */
    code: string;
    /** What went wrong and where. */
    message: string;
  };
}

/** `GET /v1/health`. */
export interface HealthResponse {
  /** Always `"ok"` when the agent answers. */
  status: "ok";
  /** The agent's (bitloop's) version. */
  version: string;
}

/** CPU and engine features that pick kernels (DESIGN.md §3). */
export interface CpuFeatures {
  /** aarch64 Advanced SIMD (NEON). */
  asimd: boolean;
  /** aarch64 dot product (`sdot`, HWCAP asimddp). */
  dotprod: boolean;
  /** aarch64 int8 matrix multiply (`smmla`, HWCAP2 i8mm). */
  i8mm: boolean;
  /** aarch64 SVE. */
  sve: boolean;
  /** WebAssembly SIMD128 validates in this runtime. */
  wasmSimd128: boolean;
  /** WebAssembly relaxed SIMD validates in this runtime. */
  wasmRelaxedSimd: boolean;
}

/** `GET /v1/device`. */
export interface DeviceInfo {
  /** The agent's (bitloop's) version. */
  version: string;
  /** CPU architecture as Node names it: `"arm64"`, `"x64"`, ... */
  arch: string;
  /** Operating system, e.g. `"linux"`. */
  os: string;
  /** The JavaScript runtime serving the agent. */
  runtime: { name: "deno" | "bun" | "node"; version: string };
  /** The CPU. */
  cpu: {
    /** Logical cores. */
    cores: number;
    /** Features; aarch64 ones come from `/proc/self/auxv` and are false elsewhere. */
    features: CpuFeatures;
    /** Where the aarch64 features were read from: `"auxv"`, or `"none"` when not applicable or unreadable. */
    featureSource: "auxv" | "none";
  };
  /** Memory in bytes. */
  memory: { totalBytes: number; freeBytes: number; agentRssBytes: number };
  /** Kernel families the runtime can use on this device, best first. */
  kernels: string[];
  /** Models in the store and in memory. */
  models: { stored: number; loaded: string[] };
}

/** One stored model (`GET /v1/models`, `GET /v1/models/{id}`). */
export interface ModelEntry {
  /** The sha256 of the model file, 64 lowercase hex digits. */
  id: string;
  /** Size of the model file. */
  bytes: number;
  /** Size of the `.weight` sidecar, or null when there is none. */
  weightBytes: number | null;
  /** `"onnx"` or `"bitloop"`, from the first bytes. */
  format: "onnx" | "bitloop";
  /** When the file was stored (ISO 8601). */
  storedAt: string;
  /** True while a session for it is held in memory. */
  loaded: boolean;
}

/** `PUT /v1/models/{id}` and `PUT /v1/models/{id}/weight`. */
export interface UploadResponse {
  /** The model's id. */
  id: string;
  /** Which file: the model or its sidecar. */
  kind: "model" | "weight";
  /** Bytes received. */
  bytes: number;
  /** The sha256 of what was received. */
  sha256: string;
  /** False when an identical file was already stored (status 200 instead of 201). */
  created: boolean;
}

/** A tensor in JSON: dtype, shape and either `data` (numbers; strings for 64-bit ints) or `base64`. */
export interface WireTensor {
  /** Element type (bitloop / onnxruntime name). */
  dtype: Exclude<DType, "string">;
  /** Shape. */
  dims: number[];
  /** Elements in row-major order. */
  data?: (number | string)[];
  /** Raw little-endian element bytes, base64 (what the agent sends). */
  base64?: string;
}

/** `POST /v1/models/{id}/infer` JSON request. */
export interface InferRequest {
  /** Input tensors by name. */
  inputs: Record<string, WireTensor>;
  /** Runtime memory mode (a `memory` field in a form). @default "normal" */
  memory?: "normal" | "low";
}

/** `POST /v1/models/{id}/infer` JSON response. */
export interface InferResponse {
  /** Output tensors by name (base64). */
  outputs: Record<string, WireTensor>;
  /** Duration of the run. */
  runMs: number;
}

/** `POST /v1/models/{id}/bench` request (TVM's time_evaluator shape). */
export interface BenchRequest {
  /**
   * Runtime memory mode: `"low"` keeps a compressed model's quantized weights packed and runs them with
   * int8 dynamic-quant kernels (`InferenceSession.create`'s `memory`). @default "normal"
   */
  memory?: "normal" | "low";
  /** Runs discarded before measuring. @default 1 */
  warmup?: number;
  /** Runs per measurement (one entry of `runsMs` is their mean). @default 1 */
  number?: number;
  /** Measurements. @default 10 */
  repeat?: number;
  /** `number` grows until one measurement lasts at least this long. @default 0 */
  minRepeatMs?: number;
  /** Inputs; omitted ones are filled with seeded random values of the declared shape. */
  inputs?: Record<string, WireTensor>;
}

/** A bench progress line. */
export interface BenchProgress {
  /** Event type. */
  type: "progress";
  /** `"warmup"` or `"measure"`. */
  phase: "warmup" | "measure";
  /** Runs (warm-up) or measurements done. */
  done: number;
  /** Of how many. */
  total: number;
  /** Mean run time of the last measurement. */
  lastMs?: number;
}

/** The final bench line. */
export interface BenchResult {
  /** Event type. */
  type: "result";
  /** Median of `runsMs`. */
  medianMs: number;
  /** 90th percentile of `runsMs`. */
  p90Ms: number;
  /** Minimum of `runsMs`. */
  minMs: number;
  /** Mean run time of each measurement. */
  runsMs: number[];
  /** Runs per measurement actually used (after `minRepeatMs`). */
  number: number;
  /**
   * Peak resident set size of the whole agent process during the job, in bytes. The model runs in a
   * worker thread inside that process, so its memory is included; the agent's main thread samples the
   * process RSS every 20 ms and after each measurement (an allocation shorter than that can be missed).
   */
  peakRssBytes: number;
  /**
   * Names of the kernels the model's session actually ran, sorted (`session.kernels`, e.g.
   * `"qd8-f32-qc4w-gemm-8x8c4-relaxed"` in low memory mode); `["reference-scalar"]` when only the
   * reference kernels ran.
   */
  kernels: string[];
}

/** The first line of a bench or eval stream. */
export interface JobStart {
  /** Event type. */
  type: "start";
  /** The model. */
  model: string;
  /** Runs (bench: warm-up + measured; eval: samples) the job plans. */
  total: number;
}

/** A job that failed after its stream began. */
export interface JobError extends ErrorBody {
  /** Event type. */
  type: "error";
  /** The HTTP status the failure would have had before the stream began (e.g. 504 for `job_timeout`). */
  status?: number;
}

/** Every line of a bench stream. */
export type BenchEvent = JobStart | BenchProgress | BenchResult | JobError;

/** Options of `POST /v1/models/{id}/eval` (the `options` part, or the JSON body's `options`). */
export interface EvalOptions {
  /** The output the labels refer to. @default the first output */
  labelOutput?: string;
  /** Runtime memory mode. @default "normal" */
  memory?: "normal" | "low";
}

/** `POST /v1/models/{id}/eval` JSON request: samples stacked along a new leading axis. */
export interface EvalRequest {
  /** Input name → tensor of shape `[N, ...one feed's shape]`. */
  inputs: Record<string, WireTensor>;
  /** Output name → expected tensor of shape `[N, ...one output's shape]`. */
  expected?: Record<string, WireTensor>;
  /** Integer class labels, shape `[N]`. */
  labels?: WireTensor;
  /** Options. */
  options?: EvalOptions;
}

/** Agreement of one output with its expected values, over all samples. */
export interface OutputMetrics {
  /** Cosine similarity of all outputs and all expected values, flattened. */
  cosine: number;
  /** Lowest per-sample cosine. */
  minSampleCosine: number;
  /** Signal-to-quantization-noise ratio in dB (`Infinity` is sent as `null`). */
  sqnrDb: number | null;
  /** Largest absolute difference. */
  maxAbsError: number;
  /** Mean absolute difference. */
  meanAbsError: number;
  /** Fraction of samples whose arg-max matches the expected arg-max. */
  top1Agreement: number;
}

/** An eval progress line. */
export interface EvalProgress {
  /** Event type. */
  type: "progress";
  /** Samples done. */
  done: number;
  /** Of how many. */
  total: number;
}

/** The final eval line. */
export interface EvalResult {
  /** Event type. */
  type: "result";
  /** Samples evaluated. */
  samples: number;
  /** Metrics per output that had expected values. */
  outputs: Record<string, OutputMetrics>;
  /** Top-1 accuracy against the labels, when labels were given. */
  accuracy: { output: string; top1: number; correct: number } | null;
  /** Latency of the sample runs. */
  latency: { medianMs: number; p90Ms: number; minMs: number };
}

/** Every line of an eval stream. */
export type EvalEvent = JobStart | EvalProgress | EvalResult | JobError;
