/**
 * Bearer-token authentication for the agent. The presented token and the expected one are both hashed
 * with SHA-256 and the digests compared byte by byte without an early exit, so the time taken reveals
 * neither the token's length nor how much of it matched.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { AgentError } from "./agent_error.ts";

/** SHA-256 of a string's UTF-8 bytes. */
async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * True when `a` and `b` hold the same bytes, in time that depends only on their lengths (equal for
 * two digests).
 *
 * @example
 * ```ts
 * if (!timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))) throw new Error("equal");
 * if (timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))) throw new Error("different");
 * ```
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Compares a presented token with the expected one in constant time (over SHA-256 digests). */
export async function tokenMatches(presented: string, expected: string): Promise<boolean> {
  const [p, e] = await Promise.all([sha256(presented), sha256(expected)]);
  return timingSafeEqual(p, e);
}

/**
 * Middleware that requires `Authorization: Bearer <token>`; anything else throws
 * `AgentError("unauthorized")` (401 with `WWW-Authenticate`). Paths in `publicPaths` pass freely.
 */
export function bearerAuth(token: string, publicPaths: readonly string[] = []): MiddlewareHandler {
  if (token.length === 0) throw new RangeError("The agent token must not be empty");
  const expected = sha256(token);
  const open = new Set(publicPaths);
  return async (c, next) => {
    if (open.has(c.req.path)) return await next();
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const presented = await sha256(match?.[1] ?? "");
    const ok = timingSafeEqual(presented, await expected) && match !== null;
    if (!ok) {
      throw new AgentError(
        "unauthorized",
        header === "" ? "Missing Authorization: Bearer <token> header" : "Invalid bearer token",
      );
    }
    await next();
  };
}
