/**
 * The typed client of the device agent (`device-agent/`), used by `bitloop device ...` and the tuning
 * loop. Web-standard `fetch` only, so it runs on Deno, Bun, Node and in browsers.
 *
 * Retries: a request that fails to connect (or is answered 429/503 with Retry-After) is sent again
 * after an exponential backoff with jitter, up to `retries` times.
 *
 * Resuming streams: a bench or eval stream whose connection drops before its result line is resumed by
 * RE-RUNNING THE JOB: the client waits (the same backoff), sends the same request again and yields a
 * `{ type: "retry" }` event before the new stream's `start` line. The agent stops a job as soon as it
 * notices its client is gone, so a job cannot be continued where it broke off; re-running is safe
 * because both jobs are idempotent (a bench's measurements are independent and an eval's are
 * deterministic, and neither changes anything on the device). See {@link DeviceClient.bench}.
 * @module
 */
import type { Tensor } from "../graph/tensor.ts";
import type { NamedTensors } from "../runtime/session.ts";
import { DeviceConnectionError, DeviceError, deviceErrorOf } from "./device_error.ts";
import { readNdjson } from "./ndjson.ts";
import type {
  BenchEvent,
  BenchRequest,
  BenchResult,
  DeviceInfo,
  EvalEvent,
  EvalOptions,
  EvalResult,
  HealthResponse,
  InferRequest,
  InferResponse,
  JobError,
  ModelEntry,
  UploadResponse,
} from "./protocol.ts";
import { tensorFromWire, tensorsFromFormData, tensorsToFormData, tensorToWire } from "./wire_tensors.ts";

/** Options for {@link DeviceClient}. */
export interface DeviceClientOptions {
  /** Bearer token of the agent. @default none */
  token?: string;
  /** Extra attempts after a connection error or a 429/503 answer. @default 3 */
  retries?: number;
  /** First backoff delay in ms; it doubles per attempt (with ±50 % jitter), capped at 10 s. @default 200 */
  backoffMs?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (and a running job's stream). */
  signal?: AbortSignal;
}

/** Options of the streaming calls (bench, eval). */
export interface StreamOptions extends CallOptions {
  /**
   * Re-run the job when its connection drops before the result line (yielding a `retry` event), up to
   * `retries` times; false fails with {@link DeviceConnectionError} instead.
   * @default true
   */
  resume?: boolean;
}

/** A bench request with tensors for inputs. */
export interface BenchOptions extends Omit<BenchRequest, "inputs">, StreamOptions {
  /** Inputs; missing ones are random on the device. */
  inputs?: NamedTensors;
}

/** An eval dataset: samples stacked on a new leading axis (see device-agent/eval_job.ts). */
export interface EvalDatasetInput extends StreamOptions {
  /** Input name → `[N, ...feed shape]`. */
  inputs: NamedTensors;
  /** Output name → `[N, ...output shape]`. */
  expected?: NamedTensors;
  /** Integer labels `[N]`. */
  labels?: Tensor;
  /** Options. */
  options?: EvalOptions;
}

/**
 * A job re-run after its stream broke (a client-side event, never sent by the agent). Events before it
 * belonged to the abandoned run; the re-run starts again with a `start` line.
 */
export interface RetryEvent {
  /** Event type. */
  type: "retry";
  /** Re-run number starting at 1. */
  attempt: number;
  /** Why the stream broke. */
  reason: string;
  /** How long the client waits before sending the request again, in milliseconds. */
  delayMs: number;
}

/** What {@link DeviceClient.push} did. */
export interface PushResult {
  /** The model id (sha256). */
  id: string;
  /** True when the model file was uploaded (false: the device had it). */
  uploaded: boolean;
  /** The sidecar upload, when one was given. */
  weight?: UploadResponse;
}

/** sha256 of bytes as lowercase hex (crypto.subtle). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Talks to one device agent.
 *
 * @example
 * ```ts
 * const device = new DeviceClient("http://127.0.0.1:8080", { token: "secret" });
 * const { id } = await device.push(await Deno.readFile("model.onnx"));
 * for await (const e of device.bench(id, { repeat: 20 })) if (e.type === "result") console.log(e.medianMs);
 * ```
 */
export class DeviceClient {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly #token: string | undefined;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #fetch: typeof fetch;

  constructor(url: string, options: DeviceClientOptions = {}) {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`Device URL must be http(s), got ${url}`);
    }
    this.url = parsed.href.replace(/\/+$/, "");
    this.#token = options.token;
    this.#retries = options.retries ?? 3;
    this.#backoffMs = options.backoffMs ?? 200;
    if (!(this.#retries >= 0) || !(this.#backoffMs >= 0)) throw new RangeError("retries and backoffMs must be ≥ 0");
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** `GET /v1/health`. */
  health(options: CallOptions = {}): Promise<HealthResponse> {
    return this.#json("GET", "/v1/health", undefined, options);
  }

  /** `GET /v1/device`. */
  info(options: CallOptions = {}): Promise<DeviceInfo> {
    return this.#json("GET", "/v1/device", undefined, options);
  }

  /** `GET /v1/models`. */
  async list(options: CallOptions = {}): Promise<ModelEntry[]> {
    return (await this.#json<{ models: ModelEntry[] }>("GET", "/v1/models", undefined, options)).models;
  }

  /** `GET /v1/models/{id}`, or undefined when the device does not have it. */
  async model(id: string, options: CallOptions = {}): Promise<ModelEntry | undefined> {
    try {
      return await this.#json<ModelEntry>("GET", `/v1/models/${encodeURIComponent(id)}`, undefined, options);
    } catch (error) {
      if (error instanceof DeviceError && error.code === "model_not_found") return undefined;
      throw error;
    }
  }

  /**
   * Uploads a model (skipped when the device already has it) and its `.weight` sidecar if given.
   * Resolves to the model id, its sha256.
   */
  async push(model: Uint8Array, sidecar?: Uint8Array, options: CallOptions = {}): Promise<PushResult> {
    const id = await sha256Hex(model);
    const present = await this.model(id, options);
    if (!present) await this.#upload(`/v1/models/${id}`, model, id, options);
    const result: PushResult = { id, uploaded: !present };
    if (sidecar) {
      result.weight = await this.#upload(`/v1/models/${id}/weight`, sidecar, await sha256Hex(sidecar), options);
    }
    return result;
  }

  /** `DELETE /v1/models/{id}`. */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    await this.#json("DELETE", `/v1/models/${encodeURIComponent(id)}`, undefined, options);
  }

  /**
   * Runs the model once on the device. `encoding: "npy"` (default) sends and receives `.npy` parts;
   * `"json"` uses JSON with base64. `memory` picks the runtime memory mode (default `"normal"`).
   */
  async infer(
    id: string,
    feeds: NamedTensors,
    options: CallOptions & { encoding?: "npy" | "json"; memory?: "normal" | "low" } = {},
  ): Promise<{ outputs: NamedTensors; runMs: number }> {
    const path = `/v1/models/${encodeURIComponent(id)}/infer`;
    const memory = options.memory;
    if (options.encoding === "json") {
      const inputs = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, tensorToWire(t)]));
      const request: InferRequest = { inputs, ...(memory ? { memory } : {}) };
      const reply = await this.#json<InferResponse>("POST", path, request, options);
      const outputs = Object.fromEntries(Object.entries(reply.outputs).map(([n, w]) => [n, tensorFromWire(n, w)]));
      return { outputs, runMs: reply.runMs };
    }
    const form = (): FormData => {
      const data = tensorsToFormData(feeds);
      if (memory) data.append("memory", memory);
      return data;
    };
    const res = await this.#send("POST", path, form, options, {
      Accept: "multipart/form-data",
    });
    const timing = /dur=([\d.]+)/.exec(res.headers.get("Server-Timing") ?? "");
    return { outputs: await tensorsFromFormData(await res.formData()), runMs: timing ? Number(timing[1]) : NaN };
  }

  /**
   * Streams a bench job's events (see {@link BenchEvent}): `start`, `progress`…, then `result`, or an
   * `error` line when the job fails on the device (final: never retried).
   *
   * Resume: when the connection drops before the result line (a network error while reading, or a
   * stream that ends early), the client yields `{ type: "retry", attempt, reason, delayMs }`, waits
   * `delayMs` (exponential backoff with jitter) and POSTs the same request again, up to `retries` times;
   * the new stream starts over with its own `start` line. "Resume" thus means the WHOLE JOB RUNS AGAIN
   * (warm-up included): the agent stops a job once it notices its client left, and a bench can be re-run
   * idempotently, so the re-run's result is as valid as the lost one would have been. A model busy with
   * the abandoned job (`429 busy`) is polled with the same backoff until the agent has let it go.
   * `resume: false` turns this off.
   *
   * @example
   * ```ts
   * for await (const e of device.bench(id, { warmup: 1, repeat: 20 })) {
   *   if (e.type === "retry") console.error(`connection lost (${e.reason}); re-running the bench`);
   *   if (e.type === "result") console.log(e.medianMs);
   * }
   * ```
   */
  bench(id: string, options: BenchOptions = {}): AsyncGenerator<BenchEvent | RetryEvent> {
    const { signal: _signal, resume: _resume, inputs, ...request } = options;
    const body = inputs
      ? () => tensorsToFormData(inputs, "", formWith("options", request))
      : () => JSON.stringify(request);
    return this.#stream<BenchEvent>(`/v1/models/${encodeURIComponent(id)}/bench`, body, options);
  }

  /**
   * Streams an eval job's events (see {@link EvalEvent}). A dropped connection re-runs the eval from its
   * first sample, as for {@link bench} (the dataset is sent again).
   */
  evaluate(id: string, dataset: EvalDatasetInput): AsyncGenerator<EvalEvent | RetryEvent> {
    const body = (): FormData => {
      const form = formWith("options", dataset.options ?? {});
      tensorsToFormData(dataset.inputs, "input.", form);
      tensorsToFormData(dataset.expected ?? {}, "expected.", form);
      if (dataset.labels) tensorsToFormData({ labels: dataset.labels }, "", form);
      return form;
    };
    return this.#stream<EvalEvent>(`/v1/models/${encodeURIComponent(id)}/eval`, body, dataset);
  }

  /** Runs a bench to its end and returns the result line; an error line throws {@link DeviceError}. */
  async benchResult(id: string, options: BenchOptions = {}): Promise<BenchResult> {
    return await lastResult(this.bench(id, options)) as BenchResult;
  }

  /** Runs an eval to its end and returns the result line; an error line throws {@link DeviceError}. */
  async evalResult(id: string, dataset: EvalDatasetInput): Promise<EvalResult> {
    return await lastResult(this.evaluate(id, dataset)) as EvalResult;
  }

  async #upload(path: string, bytes: Uint8Array, sha256: string, options: CallOptions): Promise<UploadResponse> {
    const res = await this.#send("PUT", path, () => bytes as Uint8Array<ArrayBuffer>, options, {
      "Content-Type": "application/octet-stream",
      "X-Content-Sha256": sha256,
    });
    return await res.json() as UploadResponse;
  }

  async #json<T>(method: string, path: string, body: unknown, options: CallOptions): Promise<T> {
    const headers: Record<string, string> = body === undefined ? {} : { "Content-Type": "application/json" };
    const res = await this.#send(
      method,
      path,
      body === undefined ? undefined : () => JSON.stringify(body),
      options,
      headers,
    );
    return await res.json() as T;
  }

  async *#stream<E extends { type: string }>(
    path: string,
    body: () => BodyInit,
    options: StreamOptions,
  ): AsyncGenerator<E | RetryEvent> {
    const resume = options.resume ?? true;
    for (let attempt = 0;; attempt++) {
      const init = body();
      const headers: Record<string, string> = typeof init === "string" ? { "Content-Type": "application/json" } : {};
      // On a re-run the model may still be held by the abandoned job: poll, do not wait out its estimate.
      const res = await this.#send("POST", path, () => init, options, headers, attempt > 0);
      try {
        for await (const event of readNdjson(res.body!)) {
          yield event as E;
          if ((event as E).type === "result" || (event as E).type === "error") return;
        }
        throw new TypeError("The stream ended before its result line");
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!resume || attempt >= this.#retries || error instanceof SyntaxError) {
          throw new DeviceConnectionError(this.url + path, attempt + 1, { cause: error });
        }
        const delayMs = Math.round(this.#delay(attempt, undefined));
        const reason = error instanceof Error ? error.message : String(error);
        yield { type: "retry", attempt: attempt + 1, reason, delayMs };
        await sleep(delayMs, options.signal);
      }
    }
  }

  /** Sends with retries; resolves to a 2xx response or throws DeviceError / DeviceConnectionError. */
  async #send(
    method: string,
    path: string,
    body: (() => BodyInit) | undefined,
    options: CallOptions,
    headers: Record<string, string> = {},
    ignoreRetryAfter = false,
  ): Promise<Response> {
    const url = this.url + path;
    const all: Record<string, string> = { ...headers };
    if (this.#token !== undefined) all.Authorization = `Bearer ${this.#token}`;
    for (let attempt = 0;; attempt++) {
      let res: Response;
      try {
        res = await this.#fetch(url, {
          method,
          headers: all,
          ...(body ? { body: body() } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (attempt >= this.#retries) throw new DeviceConnectionError(url, attempt + 1, { cause: error });
        await sleep(this.#delay(attempt, undefined), options.signal);
        continue;
      }
      if (res.ok) return res;
      const failure = await deviceErrorOf(res, `${method} ${path}`);
      if ((res.status === 429 || res.status === 503) && attempt < this.#retries) {
        await sleep(this.#delay(attempt, ignoreRetryAfter ? undefined : failure.retryAfter), options.signal);
        continue;
      }
      throw failure;
    }
  }

  #delay(attempt: number, retryAfter: number | undefined): number {
    const base = Math.min(10_000, this.#backoffMs * 2 ** attempt) * (0.5 + Math.random());
    return Math.max(base, (retryAfter ?? 0) * 1000);
  }
}

function formWith(name: string, value: unknown): FormData {
  const form = new FormData();
  form.append(name, JSON.stringify(value));
  return form;
}

async function lastResult(events: AsyncGenerator<{ type: string }>): Promise<unknown> {
  for await (const e of events) {
    if (e.type === "result") return e;
    if (e.type === "error") {
      const { error, status } = e as unknown as JobError;
      throw new DeviceError(status ?? 500, error.code, error.message);
    }
  }
  throw new TypeError("The stream ended without a result");
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
