/**
 * The model worker: a Web Worker that holds one model's {@link InferenceSession} and runs it on request,
 * so a long or endless run never blocks the agent's event loop and can be stopped by terminating the
 * worker. Started by {@link ModelRunner} as
 * `new Worker(new URL("./model_worker.ts", import.meta.url), { type: "module" })` on Deno and Bun.
 * The messages are specified in `worker_messages.ts`; every failure is answered as a `failed` message
 * with the agent's error code, never thrown out of the worker.
 * @module
 */
import { InputError, ModelFormatError, NodeExecutionError, UnsupportedOpError } from "../src/errors.ts";
import { InferenceSession } from "../src/runtime/session.ts";
import type { ErrorCode } from "./agent_error.ts";
import { kernelsOf } from "./kernels_of.ts";
import type { MemoryMode } from "./memory_mode.ts";
import { type FromWorker, packTensors, type ToWorker, unpackTensors } from "./worker_messages.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
let session: InferenceSession | undefined;
let modelId = "";

scope.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "load") {
    modelId = message.id;
    try {
      session = await load(message.model, message.weight, message.memory);
      const signature = {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        inputs: session.inputs,
        outputs: session.outputs,
      };
      scope.postMessage({ type: "loaded", signature });
    } catch (error) {
      scope.postMessage({ type: "failed", seq: undefined, ...loadFailure(error) });
    }
    return;
  }
  const { seq } = message;
  try {
    if (!session) throw new Error("the worker has no model loaded");
    const feeds = unpackTensors(message.feeds);
    let outputs = undefined;
    const t0 = performance.now();
    for (let i = 0; i < message.count; i++) outputs = session.runSync(feeds);
    const elapsedMs = performance.now() - t0;
    const kernels = kernelsOf(session);
    if (message.keepOutputs && outputs) {
      const { records, transfer } = packTensors(outputs, { copy: true });
      scope.postMessage({ type: "ran", seq, elapsedMs, kernels, outputs: records }, transfer);
    } else {
      scope.postMessage({ type: "ran", seq, elapsedMs, kernels, outputs: undefined });
    }
  } catch (error) {
    scope.postMessage({ type: "failed", seq, ...runFailure(error) });
  }
};

function load(model: Uint8Array, weight: Uint8Array | undefined, memory: MemoryMode): Promise<InferenceSession> {
  const readFile = (path: string): Promise<Uint8Array> => {
    if (weight) return Promise.resolve(weight);
    const name = path.slice(path.lastIndexOf("/") + 1);
    return Promise.reject(
      new Error(`the model reads the external file "${name}" but no .weight sidecar was uploaded for it`),
    );
  };
  return InferenceSession.create(model, { readFile, baseDir: ".", memory });
}

function loadFailure(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof UnsupportedOpError) return { code: "unsupported_op", message: error.message };
  if (isOutOfMemory(error)) return { code: "out_of_memory", message: `Model ${modelId} ran out of memory loading` };
  return { code: "model_load_failed", message: `Model ${modelId} failed to load: ${reasonOf(error)}` };
}

// The same mapping as errorReport's for the library's errors; an allocation failure is the device's limit.
function runFailure(error: unknown): { code: ErrorCode; message: string } {
  if (isOutOfMemory(error)) {
    return { code: "out_of_memory", message: `Model ${modelId} ran out of memory: ${reasonOf(error)}` };
  }
  if (error instanceof InputError) return { code: "input_mismatch", message: error.message };
  if (error instanceof NodeExecutionError) return { code: "run_failed", message: error.message };
  if (error instanceof UnsupportedOpError) return { code: "unsupported_op", message: error.message };
  if (error instanceof ModelFormatError) return { code: "model_load_failed", message: error.message };
  return { code: "internal", message: `Internal error: ${reasonOf(error)}` };
}

// V8 says "Array buffer allocation failed", JavaScriptCore "Out of memory"; a node's failure wraps it.
function isOutOfMemory(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof RangeError && /allocation failed|out of memory/i.test(e.message)) return true;
  }
  return false;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
