/**
 * Reads NumPy `.npy` files into tensors. The format (NumPy NEP 1, `numpy.lib.format`), byte by byte:
 *
 * 1. magic: 6 bytes, `\x93NUMPY`.
 * 2. version: 2 bytes, major then minor: 1.0, 2.0 or 3.0.
 * 3. header length `H`: uint16 little-endian in 1.0, uint32 little-endian in 2.0 and 3.0.
 * 4. header: `H` bytes, Latin-1 (1.0, 2.0) or UTF-8 (3.0) text of a Python dict literal, e.g.
 *    `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 48, 192), }`, padded with spaces and
 *    ended by `\n` so that the data starts at a multiple of 64 bytes (10 + H or 12 + H).
 * 5. data: `product(shape) × itemsize` bytes, row-major (C order), or column-major when
 *    `fortran_order` is True (bitloop transposes it to row-major on read).
 *
 * Supported `descr`s: `<f4 <f8 <f2 |i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8 |b1` (little-endian only).
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { allocate, type DType, dtypeBytes } from "../../graph/dtype.ts";
import { shapeSize, Tensor } from "../../graph/tensor.ts";
import { dtypeOfDescr } from "./_npy_dtype.ts";
import { parsePyLiteral, type PyValue } from "./_py_literal.ts";
import { freshBytes } from "../_fresh_bytes.ts";

/** The 6-byte magic string every `.npy` file starts with. */
export const NPY_MAGIC: readonly number[] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** What a `.npy` header declares. */
export interface NpyHeader {
  /** Format version, `[major, minor]`. */
  version: [number, number];
  /** Element type. */
  dtype: DType;
  /** Shape; `[]` for a scalar. */
  shape: number[];
  /** True when the data is stored column-major. */
  fortranOrder: boolean;
  /** Byte offset of the first element. */
  dataOffset: number;
}

/**
 * Parses a `.npy` file into a row-major tensor (Fortran-ordered data is transposed). Throws
 * {@link ModelFormatError} (format `"npy"`) for truncated or corrupt files and for dtypes bitloop does
 * not hold (big-endian, strings, objects, structured dtypes).
 *
 * @example
 * ```ts
 * const bytes = writeNpy(new Tensor("float32", new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]));
 * const t = readNpy(bytes);
 * if (t.type !== "float32" || t.dims.join() !== "2,3") throw new Error("round trip");
 * ```
 */
export function readNpy(bytes: Uint8Array): Tensor {
  const header = readNpyHeader(bytes);
  const n = shapeSize(header.shape);
  const itemBytes = dtypeBytes(header.dtype);
  const expected = n * itemBytes;
  const available = bytes.length - header.dataOffset;
  if (available < expected) {
    throw new ModelFormatError(
      "npy",
      `Truncated npy data: shape [${header.shape.join(", ")}] of ${header.dtype} needs ${expected} bytes ` +
        `after the header, found ${available}`,
      { offset: bytes.length },
    );
  }
  if (available > expected) {
    throw new ModelFormatError(
      "npy",
      `Corrupt npy file: ${available - expected} unexpected bytes after the data of shape ` +
        `[${header.shape.join(", ")}] (${header.dtype})`,
      { offset: header.dataOffset + expected },
    );
  }
  // Copy into a fresh buffer: the source may sit at any byte offset, typed arrays need alignment.
  const buffer = freshBytes(bytes, header.dataOffset, header.dataOffset + expected).buffer;
  const data = viewAs(header.dtype, buffer, n);
  const tensor = new Tensor(header.dtype, data, header.shape);
  return header.fortranOrder && header.shape.length > 1 ? fromFortranOrder(tensor) : tensor;
}

/** Parses and validates the magic, version and header of a `.npy` file. */
export function readNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || !NPY_MAGIC.every((b, i) => bytes[i] === b)) {
    const found = bytes.length < 6 ? `only ${bytes.length} bytes` : "a different magic";
    throw new ModelFormatError("npy", `Not an npy file: expected the magic "\\x93NUMPY", found ${found}`, {
      offset: 0,
    });
  }
  const major = bytes[6]!, minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) {
    throw new ModelFormatError("npy", `Unsupported npy format version ${major}.${minor}; bitloop reads 1.0, 2.0, 3.0`, {
      offset: 6,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) {
    throw new ModelFormatError("npy", `Truncated npy header: file ends at byte ${bytes.length}`, { offset: 8 });
  }
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataOffset = headerStart + headerLength;
  if (dataOffset > bytes.length) {
    throw new ModelFormatError(
      "npy",
      `Truncated npy header: it declares ${headerLength} bytes, the file has ${bytes.length - headerStart} left`,
      { offset: headerStart },
    );
  }
  const raw = bytes.subarray(headerStart, dataOffset);
  let text: string;
  try {
    text = major === 3 ? new TextDecoder("utf-8", { fatal: true }).decode(raw) : latin1(raw);
  } catch (cause) {
    throw new ModelFormatError("npy", "Corrupt npy header: not valid UTF-8", { offset: headerStart, cause });
  }
  const fields = parseHeaderDict(text, headerStart);
  return { version: [major, minor], ...fields, dataOffset };
}

function parseHeaderDict(text: string, at: number): Pick<NpyHeader, "dtype" | "shape" | "fortranOrder"> {
  const corrupt = (what: string, cause?: unknown) =>
    new ModelFormatError(
      "npy",
      `Corrupt npy header: ${what}`,
      cause === undefined ? { offset: at } : { offset: at, cause },
    );
  let value: PyValue;
  try {
    value = parsePyLiteral(text);
  } catch (cause) {
    throw corrupt(`${(cause as Error).message} in ${JSON.stringify(text.trim().slice(0, 120))}`, cause);
  }
  if (value === null || typeof value !== "object" || !("dict" in value)) throw corrupt("expected a dict");
  const dict = value.dict;
  for (const key of dict.keys()) {
    if (key !== "descr" && key !== "fortran_order" && key !== "shape") throw corrupt(`unexpected key "${key}"`);
  }
  const descr = dict.get("descr");
  if (descr === undefined) throw corrupt(`missing key "descr"`);
  if (typeof descr !== "string") {
    throw new ModelFormatError("npy", "Structured npy dtypes are not supported; save a plain numeric array", {
      offset: at,
    });
  }
  const parsed = dtypeOfDescr(descr);
  if ("error" in parsed) throw new ModelFormatError("npy", `Cannot read npy: ${parsed.error}`, { offset: at });
  const fortranOrder = dict.get("fortran_order");
  if (typeof fortranOrder !== "boolean") throw corrupt(`"fortran_order" must be True or False`);
  const shape = dict.get("shape");
  if (shape === null || typeof shape !== "object" || !("tuple" in shape)) throw corrupt(`"shape" must be a tuple`);
  const dims = shape.tuple.map((d) => {
    if (typeof d !== "number" || d < 0) throw corrupt(`shape ${JSON.stringify(shape.tuple)} has a bad dimension`);
    return d;
  });
  return { dtype: parsed.dtype, shape: dims, fortranOrder };
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function viewAs(dtype: DType, buffer: ArrayBuffer, n: number): Tensor["data"] {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer, 0, n);
    case "float64":
      return new Float64Array(buffer, 0, n);
    case "float16":
    case "uint16":
      return new Uint16Array(buffer, 0, n);
    case "int8":
      return new Int8Array(buffer, 0, n);
    case "uint8":
    case "bool":
      return new Uint8Array(buffer, 0, n);
    case "int16":
      return new Int16Array(buffer, 0, n);
    case "int32":
      return new Int32Array(buffer, 0, n);
    case "uint32":
      return new Uint32Array(buffer, 0, n);
    case "int64":
      return new BigInt64Array(buffer, 0, n);
    case "uint64":
      return new BigUint64Array(buffer, 0, n);
    case "string":
      throw new TypeError("npy cannot hold string tensors");
  }
}

/** Reorders column-major data into row-major order. */
function fromFortranOrder(t: Tensor): Tensor {
  const dims = t.dims;
  const rank = dims.length;
  const src = t.data as unknown as ArrayLike<number | bigint>;
  const out = allocate(t.type, t.size) as unknown as { [i: number]: number | bigint };
  // Column-major strides: axis 0 is contiguous.
  const fstride = new Array<number>(rank);
  let s = 1;
  for (let k = 0; k < rank; k++) {
    fstride[k] = s;
    s *= dims[k]!;
  }
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let i = 0; i < t.size; i++) {
    out[i] = src[from]!;
    // Advance the row-major odometer (last axis fastest), keeping `from` in step.
    for (let k = rank - 1; k >= 0; k--) {
      index[k]!++;
      from += fstride[k]!;
      if (index[k]! < dims[k]!) break;
      from -= fstride[k]! * dims[k]!;
      index[k] = 0;
    }
  }
  return new Tensor(t.type, out as unknown as Tensor["data"], dims);
}
