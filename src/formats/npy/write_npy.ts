/**
 * Writes tensors as NumPy `.npy` files (layout in read_npy.ts), byte-identical to what `numpy.save`
 * writes for the same array: format 1.0 unless the header outgrows 65535 bytes (then 2.0), keys in
 * sorted order, NumPy's spare room for growing the first axis, and padding so the data starts at a
 * multiple of 64 bytes.
 * @module
 */
import { dtypeBytes } from "../../graph/dtype.ts";
import type { Tensor } from "../../graph/tensor.ts";
import { DESCR_OF } from "./_npy_dtype.ts";
import { NPY_MAGIC } from "./read_npy.ts";

/** The data of a `.npy` file starts at a multiple of this many bytes. */
export const NPY_ALIGN = 64;

// numpy.lib.format leaves room in the header for the first axis to grow to this many digits.
const GROWTH_AXIS_MAX_DIGITS = 21;

/**
 * Encodes `tensor` as a `.npy` file (row-major, little-endian). Throws `TypeError` for string tensors,
 * which `.npy` cannot hold without Python pickles.
 *
 * @example
 * ```ts
 * const bytes = writeNpy(new Tensor("int64", new BigInt64Array([1n, 2n]), [2]));
 * if (bytes.length % 64 !== 16) throw new Error("header is 64 bytes, data 16");
 * ```
 */
export function writeNpy(tensor: Tensor): Uint8Array {
  if (tensor.type === "string") {
    throw new TypeError(`Cannot write a string tensor of shape [${tensor.dims.join(", ")}] as npy`);
  }
  const header = headerText(DESCR_OF[tensor.type], tensor.dims);
  // numpy writes 1.0 when the padded header length fits in uint16, else 2.0 (3.0 only for non-Latin-1 text).
  const major = header.length + 1 + padding(10, header.length) <= 0xffff ? 1 : 2;
  const prefix = major === 1 ? 10 : 12;
  const headerLength = header.length + padding(prefix, header.length) + 1;
  const dataBytes = tensor.size * dtypeBytes(tensor.type);
  const out = new Uint8Array(prefix + headerLength + dataBytes);
  out.set(NPY_MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  out.fill(0x20, prefix, prefix + headerLength - 1);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out[prefix + headerLength - 1] = 0x0a;
  const data = tensor.data as Exclude<Tensor["data"], string[]>;
  out.set(new Uint8Array(data.buffer, data.byteOffset, dataBytes), prefix + headerLength);
  return out;
}

/** The header dict as numpy.lib.format writes it, before the alignment padding and newline. */
function headerText(descr: string, dims: readonly number[]): string {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
  const text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const growth = dims.length > 0 ? GROWTH_AXIS_MAX_DIGITS - String(dims[0]).length : 0;
  return text + " ".repeat(Math.max(0, growth));
}

/** Spaces needed so that prefix + header + "\n" is a multiple of {@link NPY_ALIGN} (numpy always adds ≥ 1). */
function padding(prefix: number, headerLength: number): number {
  return NPY_ALIGN - ((prefix + headerLength + 1) % NPY_ALIGN);
}
