/**
 * Reading request bodies under a size limit: the limit is checked against `Content-Length` before any
 * byte is read and again while streaming, so an oversized body costs at most `limit` bytes of memory.
 * Bodies are JSON or `multipart/form-data` of `.npy` parts (src/client/wire_tensors.ts).
 * @module
 */
import { tensorsFromFormData } from "../src/client/wire_tensors.ts";
import type { Tensor } from "../src/graph/tensor.ts";
import { ModelFormatError } from "../src/errors.ts";
import { AgentError } from "./agent_error.ts";

/** A parsed body: a JSON value, or the `.npy` parts and text fields of a form. */
export type ParsedBody =
  | { kind: "json"; value: unknown }
  | { kind: "form"; tensors: Record<string, Tensor>; fields: Record<string, string> };

/** The declared `Content-Length`, or undefined when absent or not a number. */
export function contentLength(req: Request): number | undefined {
  const text = req.headers.get("Content-Length");
  if (text === null || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Reads the whole body, failing with `payload_too_large` (413) past `limit` bytes. */
export async function readLimited(req: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = contentLength(req);
  if (declared !== undefined && declared > limit) {
    throw new AgentError(
      "payload_too_large",
      `The request body of ${declared} bytes exceeds the limit of ${limit} bytes`,
    );
  }
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new AgentError("payload_too_large", `The request body exceeds the limit of ${limit} bytes`);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Reads a JSON or multipart body. Throws `AgentError`: `unsupported_media_type` (415) for other
 * content types, `bad_request` for malformed JSON, forms or `.npy` parts, `payload_too_large`.
 */
export async function readBody(req: Request, limit: number): Promise<ParsedBody> {
  const rawType = req.headers.get("Content-Type") ?? "";
  const type = rawType.toLowerCase();
  const bytes = await readLimited(req, limit);
  if (type.startsWith("application/json") || (type === "" && bytes.length === 0)) {
    if (bytes.length === 0) return { kind: "json", value: {} };
    try {
      return { kind: "json", value: JSON.parse(new TextDecoder().decode(bytes)) };
    } catch (cause) {
      throw new AgentError("bad_request", `The body is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await new Response(bytes, { headers: { "Content-Type": rawType } }).formData();
    } catch (cause) {
      throw new AgentError("bad_request", `The body is not valid multipart/form-data: ${(cause as Error).message}`, {
        cause,
      });
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) if (typeof value === "string") fields[name] = value;
    try {
      return { kind: "form", tensors: await tensorsFromFormData(form), fields };
    } catch (cause) {
      if (cause instanceof ModelFormatError) throw new AgentError("bad_request", cause.message, { cause });
      throw cause;
    }
  }
  throw new AgentError(
    "unsupported_media_type",
    `Content-Type ${
      JSON.stringify(type)
    } is not accepted here: send application/json or multipart/form-data of .npy parts`,
  );
}

/** Parses a JSON text field of a form (e.g. `options`), failing with `bad_request`. */
export function parseJsonField(name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AgentError("bad_request", `Form field "${name}" is not valid JSON`, { cause });
  }
}
