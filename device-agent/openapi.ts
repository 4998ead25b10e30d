/**
 * The OpenAPI 3.1 document the agent serves at `/v1/openapi.json`. A test checks that its paths and
 * methods are exactly the app's routes.
 * @module
 */
import { VERSION } from "../src/version.ts";

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string): Json => json(ref("Error"), description);
const ndjson = (event: string, description: string): Json => ({
  description,
  content: { "application/x-ndjson": { schema: ref(event) } },
});
const idParam = {
  name: "id",
  in: "path",
  required: true,
  description: "sha256 of the model file, 64 lowercase hex digits; anything else is 400 invalid_id",
  schema: { type: "string", pattern: "^[0-9a-f]{64}$" },
};
const common = {
  "400": error("Malformed request or invalid id (code bad_request, invalid_id)"),
  "401": error("Missing or wrong bearer token (code unauthorized)"),
};
const modelErrors = {
  "404": error("No such model (code model_not_found)"),
  "422": error(
    "The model cannot be loaded or run, or inputs do not match it (model_load_failed, unsupported_op, input_mismatch, run_failed)",
  ),
  "500": error("The model's worker crashed (worker_crashed); the next request starts a new one"),
  "503": error("Every model worker is in use, or the model's worker was restarted (overloaded), Retry-After"),
  "504": error("Loading or running the model passed the time limit; its worker was stopped (job_timeout)"),
  "507": error("The model ran out of memory or pushed the agent past its memory limit (out_of_memory)"),
};
const tensorParts = {
  "multipart/form-data": {
    schema: { type: "object", additionalProperties: { type: "string", format: "binary" } },
    encoding: { "*": { contentType: "application/x-npy" } },
  },
};

const ENCODING = `Tensors travel in one of two encodings.
1. multipart/form-data of .npy parts: each part's field name is the tensor name and its body a NumPy
   .npy file (format 1.0/2.0, little-endian, C or Fortran order), content type application/x-npy.
   Eval parts are named input.<name>, expected.<name>, labels, plus an optional text part "options" (JSON).
2. JSON: {"dtype": "float32", "dims": [1, 4], "data": [..]} or {..., "base64": "<raw little-endian bytes>"};
   64-bit integers may be given as decimal strings. The agent answers infer in JSON with base64, or with
   .npy parts when the request says Accept: multipart/form-data.
Errors are {"error": {"code", "message"}}; 429 and 503 carry Retry-After. Bench and eval stream NDJSON:
a start line, progress lines, then a result line, or an error line {"type": "error", "status", "error"} if
the job fails after it started. Models run in a worker each; every load and run has a hard time limit.`;

/** The OpenAPI document. */
export function openApiDocument(): Json {
  return {
    openapi: "3.1.0",
    info: { title: "bitloop device agent", version: VERSION, description: ENCODING },
    security: [{ bearer: [] }],
    paths: {
      "/v1/health": {
        get: { summary: "Liveness", security: [], responses: { "200": json(ref("Health"), "The agent is up") } },
      },
      "/v1/openapi.json": {
        get: { summary: "This document", responses: { "200": json({ type: "object" }, "OpenAPI 3.1"), ...common } },
      },
      "/v1/device": {
        get: { summary: "Device description", responses: { "200": json(ref("DeviceInfo"), "The device"), ...common } },
      },
      "/v1/models": {
        get: {
          summary: "Stored models",
          responses: {
            "200": json(
              { type: "object", properties: { models: { type: "array", items: ref("ModelEntry") } } },
              "Models",
            ),
            ...common,
          },
        },
      },
      "/v1/models/{id}": {
        parameters: [idParam],
        get: {
          summary: "One stored model",
          responses: { "200": json(ref("ModelEntry"), "The model"), ...common, ...modelErrors },
        },
        put: {
          summary: "Upload a model (ONNX or bitloop); streamed, hash-checked, renamed atomically",
          parameters: [{ name: "X-Content-Sha256", in: "header", required: false, schema: { type: "string" } }],
          requestBody: {
            required: true,
            content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
          },
          responses: {
            "200": json(ref("UploadResponse"), "Already stored"),
            "201": json(ref("UploadResponse"), "Stored"),
            ...common,
            "413": error("Over the upload limit; nothing is kept (payload_too_large)"),
            "422": error("The body's sha256 is not the id; nothing is kept (hash_mismatch)"),
          },
        },
        delete: {
          summary: "Delete a model and its sidecar",
          responses: { "200": json({ type: "object" }, "Deleted"), ...common, "404": modelErrors["404"] },
        },
      },
      "/v1/models/{id}/weight": {
        parameters: [idParam],
        put: {
          summary: "Upload the model's .weight sidecar (after the model)",
          parameters: [{ name: "X-Content-Sha256", in: "header", required: true, schema: { type: "string" } }],
          requestBody: {
            required: true,
            content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
          },
          responses: {
            "200": json(ref("UploadResponse"), "Already stored"),
            "201": json(ref("UploadResponse"), "Stored"),
            ...common,
            "404": modelErrors["404"],
            "413": error("Over the upload limit (payload_too_large)"),
            "422": error("The body's sha256 differs from X-Content-Sha256 (hash_mismatch)"),
          },
        },
      },
      "/v1/models/{id}/infer": {
        parameters: [idParam],
        post: {
          summary: "Run the model once",
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("InferRequest") }, ...tensorParts },
          },
          responses: {
            "200": {
              description: "Outputs (Server-Timing: run;dur=<ms>)",
              content: { "application/json": { schema: ref("InferResponse") }, ...tensorParts },
            },
            ...common,
            ...modelErrors,
            "413": error("Body over the limit"),
            "503": error("Too many queued runs or every model worker in use (overloaded), Retry-After"),
          },
        },
      },
      "/v1/models/{id}/bench": {
        parameters: [idParam],
        post: {
          summary: "Measure latency: warm-up discarded, number × repeat with minRepeatMs",
          requestBody: {
            required: false,
            content: { "application/json": { schema: ref("BenchRequest") }, ...tensorParts },
          },
          responses: {
            "200": ndjson("BenchEvent", "start, progress…, result (or error)"),
            ...common,
            ...modelErrors,
            "429": error("A job already runs on this model (busy), Retry-After"),
          },
        },
      },
      "/v1/models/{id}/eval": {
        parameters: [idParam],
        post: {
          summary: "Measure accuracy on a dataset (samples stacked on a new axis 0)",
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("EvalRequest") }, ...tensorParts },
          },
          responses: {
            "200": ndjson("EvalEvent", "start, progress…, result (or error)"),
            ...common,
            ...modelErrors,
            "429": error("A job already runs on this model (busy), Retry-After"),
          },
        },
      },
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } }, schemas: SCHEMAS },
  };
}

const num = { type: "number" };
const int = { type: "integer" };
const str = { type: "string" };
const bool = { type: "boolean" };
const obj = (properties: Json, required: string[] = Object.keys(properties)): Json => ({
  type: "object",
  properties,
  required,
});
const tensors = { type: "object", additionalProperties: ref("WireTensor") };
const start = obj({ type: { const: "start" }, model: str, total: int });
const jobError = obj({ type: { const: "error" }, status: int, error: ref("Error/properties/error") }, [
  "type",
  "error",
]);

const SCHEMAS: Json = {
  Error: obj({ error: obj({ code: str, message: str }) }),
  Health: obj({ status: { const: "ok" }, version: str }),
  DeviceInfo: obj({
    version: str,
    arch: str,
    os: str,
    runtime: obj({ name: { enum: ["deno", "bun", "node"] }, version: str }),
    cpu: obj({
      cores: int,
      features: obj({ asimd: bool, dotprod: bool, i8mm: bool, sve: bool, wasmSimd128: bool, wasmRelaxedSimd: bool }),
      featureSource: { enum: ["auxv", "none"] },
    }),
    memory: obj({ totalBytes: int, freeBytes: int, agentRssBytes: int }),
    kernels: { type: "array", items: str },
    models: obj({ stored: int, loaded: { type: "array", items: str } }),
  }),
  ModelEntry: obj({
    id: str,
    bytes: int,
    weightBytes: { type: ["integer", "null"] },
    format: { enum: ["onnx", "bitloop"] },
    storedAt: { type: "string", format: "date-time" },
    loaded: bool,
  }),
  UploadResponse: obj({ id: str, kind: { enum: ["model", "weight"] }, bytes: int, sha256: str, created: bool }),
  WireTensor: obj(
    { dtype: str, dims: { type: "array", items: int }, data: { type: "array" }, base64: str },
    ["dtype", "dims"],
  ),
  InferRequest: obj({ inputs: tensors, memory: { enum: ["normal", "low"] } }, ["inputs"]),
  InferResponse: obj({ outputs: tensors, runMs: num }),
  BenchRequest: obj(
    { memory: { enum: ["normal", "low"] }, warmup: int, number: int, repeat: int, minRepeatMs: num, inputs: tensors },
    [],
  ),
  BenchEvent: {
    oneOf: [
      start,
      obj({ type: { const: "progress" }, phase: { enum: ["warmup", "measure"] }, done: int, total: int, lastMs: num }, [
        "type",
        "phase",
        "done",
        "total",
      ]),
      obj({
        type: { const: "result" },
        medianMs: num,
        p90Ms: num,
        minMs: num,
        runsMs: { type: "array", items: num },
        number: int,
        peakRssBytes: int,
        kernels: { type: "array", items: str },
      }),
      jobError,
    ],
  },
  EvalRequest: obj({
    inputs: tensors,
    expected: tensors,
    labels: ref("WireTensor"),
    options: obj({ labelOutput: str, memory: { enum: ["normal", "low"] } }, []),
  }, [
    "inputs",
  ]),
  EvalEvent: {
    oneOf: [
      start,
      obj({ type: { const: "progress" }, done: int, total: int }),
      obj({
        type: { const: "result" },
        samples: int,
        outputs: {
          type: "object",
          additionalProperties: obj({
            cosine: num,
            minSampleCosine: num,
            sqnrDb: { type: ["number", "null"] },
            maxAbsError: num,
            meanAbsError: num,
            top1Agreement: num,
          }),
        },
        accuracy: { oneOf: [obj({ output: str, top1: num, correct: int }), { type: "null" }] },
        latency: obj({ medianMs: num, p90Ms: num, minMs: num }),
      }),
      jobError,
    ],
  },
};
