/**
 * Tensors on the wire between the device agent and its clients, in two encodings:
 *
 * 1. **`.npy` parts** (`multipart/form-data`): one part per tensor, the part's field name is the
 *    tensor's name, its body a NumPy `.npy` file (src/formats/npy), content type `application/x-npy`.
 *    Any HTTP tool can build it (`curl -F x=@x.npy`); NumPy reads the parts as they are.
 * 2. **JSON** ({@link WireTensor}): `{ "dtype", "dims", "data": [...] }` or `{ ..., "base64": "..." }`
 *    with the raw little-endian element bytes. Fine for small tensors; the agent answers with base64.
 * @module
 */
import { ModelFormatError } from "../errors.ts";
import { allocate, type DType, dtypeBytes, isBigIntDType } from "../graph/dtype.ts";
import { shapeSize, Tensor } from "../graph/tensor.ts";
import { readNpy } from "../formats/npy/read_npy.ts";
import { writeNpy } from "../formats/npy/write_npy.ts";
import type { WireTensor } from "./protocol.ts";

/** The content type of one `.npy` part. */
export const NPY_CONTENT_TYPE = "application/x-npy";

const WIRE_DTYPES: ReadonlySet<string> = new Set<DType>([
  "float32",
  "float64",
  "float16",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "bool",
]);

/** Encodes a tensor as JSON with base64 data. Throws `TypeError` for string tensors. */
export function tensorToWire(t: Tensor): WireTensor {
  if (t.type === "string") throw new TypeError(`Cannot send a string tensor of shape [${t.dims.join(", ")}]`);
  const data = t.data as Exclude<Tensor["data"], string[]>;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { dtype: t.type, dims: [...t.dims], base64: bytesToBase64(bytes) };
}

/**
 * Decodes a JSON tensor, checking every field. Throws `TypeError` (wrong kinds) or `RangeError` (sizes)
 * naming the tensor.
 *
 * @example
 * ```ts
 * const t = tensorFromWire("x", { dtype: "int64", dims: [2], data: [1, "2"] });
 * if (t.data[1] !== 2n) throw new Error("int64 from a string");
 * ```
 */
export function tensorFromWire(name: string, value: unknown): Tensor {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Tensor "${name}" must be an object with dtype, dims and data or base64`);
  }
  const w = value as Record<string, unknown>;
  const dtype = w.dtype;
  if (typeof dtype !== "string" || !WIRE_DTYPES.has(dtype)) {
    throw new TypeError(`Tensor "${name}" has dtype ${JSON.stringify(dtype)}; expected one of ${[...WIRE_DTYPES]}`);
  }
  const type = dtype as DType;
  const dims = w.dims;
  if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TypeError(`Tensor "${name}" needs dims as an array of non-negative integers`);
  }
  const size = shapeSize(dims as number[]);
  if (typeof w.base64 === "string") {
    const bytes = base64ToBytes(w.base64, name);
    const expected = size * dtypeBytes(type);
    if (bytes.length !== expected) {
      throw new RangeError(
        `Tensor "${name}" of shape [${
          dims.join(", ")
        }] (${type}) needs ${expected} bytes, base64 holds ${bytes.length}`,
      );
    }
    const data = allocate(type, size) as Exclude<Tensor["data"], string[]>;
    new Uint8Array(data.buffer).set(bytes);
    return new Tensor(type, data, dims as number[]);
  }
  if (!Array.isArray(w.data)) throw new TypeError(`Tensor "${name}" needs data (an array) or base64 (a string)`);
  if (w.data.length !== size) {
    throw new RangeError(`Tensor "${name}" of shape [${dims.join(", ")}] needs ${size} elements, got ${w.data.length}`);
  }
  return new Tensor(type, fillData(type, w.data, name), dims as number[]);
}

function fillData(type: DType, values: unknown[], name: string): Tensor["data"] {
  const out = allocate(type, values.length);
  const big = isBigIntDType(type);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (big) {
      if (!(typeof v === "string" && /^-?\d+$/.test(v)) && !Number.isSafeInteger(v)) {
        throw new TypeError(`Tensor "${name}" element ${i} must be an integer (number or decimal string)`);
      }
      (out as BigInt64Array | BigUint64Array)[i] = BigInt(v as number | string);
    } else if (typeof v === "number" || typeof v === "boolean") {
      (out as Exclude<Tensor["data"], string[] | BigInt64Array | BigUint64Array>)[i] = Number(v);
    } else {
      throw new TypeError(`Tensor "${name}" element ${i} must be a number, got ${typeof v}`);
    }
  }
  return out;
}

/** Builds a `multipart/form-data` body of `.npy` parts, field names `prefix + name`. */
export function tensorsToFormData(
  tensors: Readonly<Record<string, Tensor>>,
  prefix = "",
  form: FormData = new FormData(),
): FormData {
  for (const [name, t] of Object.entries(tensors)) {
    const npy = writeNpy(t);
    const file = new Blob([npy.buffer as ArrayBuffer], { type: NPY_CONTENT_TYPE });
    form.append(prefix + name, file, `${name}.npy`);
  }
  return form;
}

/**
 * Reads the `.npy` parts of a form into tensors by field name (text fields are skipped). Throws
 * `ModelFormatError` (format `"npy"`) naming the part when one is not a valid `.npy` file.
 */
export async function tensorsFromFormData(form: FormData): Promise<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") continue;
    const bytes = new Uint8Array(await value.arrayBuffer());
    try {
      out[name] = readNpy(bytes);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new ModelFormatError("npy", `Part "${name}" is not a valid .npy file: ${reason}`, { cause });
    }
  }
  return out;
}

/** Base64 of bytes (standard alphabet, padded). */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    parts.push(String.fromCharCode(...bytes.subarray(i, i + chunk)));
  }
  return btoa(parts.join(""));
}

/** Bytes of a base64 string. Throws `TypeError` naming the tensor when it is not base64. */
export function base64ToBytes(text: string, name = "data"): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (cause) {
    throw new TypeError(`Tensor "${name}" has invalid base64 data`, { cause });
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
