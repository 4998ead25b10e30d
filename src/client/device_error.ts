/**
 * Errors the device client raises: {@link DeviceError} for an answer with an error status (its code is
 * the agent's), {@link DeviceConnectionError} when the agent could not be reached after every retry.
 * @module
 */

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
