/**
 * The agent's typed error and the one mapping from any thrown value to an HTTP status and the JSON
 * error body `{ "error": { "code", "message" } }` (used by `app.onError` and by job streams).
 * @module
 */
import { HTTPException } from "hono/http-exception";
import { InputError, ModelFormatError, NodeExecutionError, UnsupportedOpError } from "../src/errors.ts";
import type { ErrorBody } from "../src/client/protocol.ts";

/** Every error code the agent sends, with its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_id: 400,
  unauthorized: 401,
  not_found: 404,
  model_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  hash_mismatch: 422,
  model_load_failed: 422,
  unsupported_op: 422,
  input_mismatch: 422,
  run_failed: 422,
  busy: 429,
  internal: 500,
  worker_crashed: 500,
  overloaded: 503,
  shutting_down: 503,
  job_timeout: 504,
  out_of_memory: 507,
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error the agent reports to the client with a code, a status and (for 429/503) a retry hint. */
export class AgentError extends Error {
  /** Stable code sent in the body. */
  readonly code: ErrorCode;
  /** Seconds the client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AgentError";
    this.code = code;
    this.retryAfter = options?.retryAfter;
  }

  /** The HTTP status of {@link code}. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** How a thrown value is reported: status, body and extra headers. */
export interface ErrorReport {
  /** HTTP status. */
  status: number;
  /** JSON body. */
  body: ErrorBody;
  /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
  headers: Record<string, string>;
}

/**
 * Maps anything thrown while serving a request to its report: {@link AgentError} as is, the library's
 * typed errors to 4xx codes (a model that fails to load or run is the client's problem, not a crash),
 * Hono's `HTTPException` by status, anything else to `500 internal`.
 *
 * @example
 * ```ts
 * const r = errorReport(new AgentError("hash_mismatch", "Body hashes to 00…, not ff…"));
 * if (r.status !== 422 || r.body.error.code !== "hash_mismatch") throw new Error("mapping");
 * ```
 */
export function errorReport(error: unknown): ErrorReport {
  const headers: Record<string, string> = {};
  const make = (code: ErrorCode, message: string, status: number = ERROR_STATUS[code]): ErrorReport => ({
    status,
    body: { error: { code, message } },
    headers,
  });
  if (error instanceof AgentError) {
    if (error.retryAfter !== undefined) headers["Retry-After"] = String(Math.max(1, Math.ceil(error.retryAfter)));
    if (error.code === "unauthorized") headers["WWW-Authenticate"] = 'Bearer realm="bitloop-agent"';
    return make(error.code, error.message);
  }
  if (error instanceof UnsupportedOpError) return make("unsupported_op", error.message);
  if (error instanceof ModelFormatError) return make("model_load_failed", error.message);
  if (error instanceof InputError) return make("input_mismatch", error.message);
  if (error instanceof NodeExecutionError) return make("run_failed", error.message);
  if (error instanceof HTTPException) {
    if (error.status === 413) return make("payload_too_large", error.message || "Request body too large");
    return make(error.status < 500 ? "bad_request" : "internal", error.message || "Request failed", error.status);
  }
  const message = error instanceof Error ? error.message : String(error);
  return make("internal", `Internal error: ${message}`);
}
