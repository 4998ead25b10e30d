/**
 * Errors the device client raises: {@link DeviceError} for an answer with an error status (its code is
 * the agent's), {@link DeviceConnectionError} when the agent could not be reached after every retry.
 * @module
 */
import type { ErrorBody } from "./protocol.ts";

/** The agent answered with an error status; `code` is the agent's stable error code. */
export class DeviceError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** The agent's error code, e.g. `"hash_mismatch"` (`"http_<status>"` when the body had none). */
  readonly code: string;
  /** Seconds from `Retry-After`, when sent. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, options?: { retryAfter?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DeviceError";
    this.status = status;
    this.code = code;
    this.retryAfter = options?.retryAfter;
  }
}

/** The agent could not be reached (refused, reset, DNS, TLS) even after retrying. */
export class DeviceConnectionError extends Error {
  /** The URL requested. */
  readonly url: string;
  /** Attempts made. */
  readonly attempts: number;

  constructor(url: string, attempts: number, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Cannot reach the device agent at ${url} after ${attempts} attempt(s): ${reason}`, options);
    this.name = "DeviceConnectionError";
    this.url = url;
    this.attempts = attempts;
  }
}

/**
 * The {@link DeviceError} of an error response: the agent's JSON code and message when the body has them,
 * else `http_<status>` with the start of the body. `request` names the call (`"GET /v1/models"`).
 *
 * @example
 * ```ts
 * const res = new Response('{"error":{"code":"busy","message":"later"}}', { status: 429 });
 * if ((await deviceErrorOf(res, "POST /x")).code !== "busy") throw new Error("code");
 * ```
 */
export async function deviceErrorOf(res: Response, request: string): Promise<DeviceError> {
  const retry = Number(res.headers.get("Retry-After") ?? NaN);
  const extra = Number.isFinite(retry) ? { retryAfter: retry } : {};
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (typeof body.error?.code === "string") {
      return new DeviceError(res.status, body.error.code, body.error.message, extra);
    }
  } catch {
    // Not the agent's JSON; fall through.
  }
  return new DeviceError(
    res.status,
    `http_${res.status}`,
    `${request} failed with ${res.status}: ${text.slice(0, 200)}`,
    extra,
  );
}
