// NumPy dtype descriptors (`descr` strings) ↔ bitloop dtypes, shared by read_npy.ts and write_npy.ts.
import type { DType } from "../../graph/dtype.ts";

/** The descriptor bitloop writes for each dtype, in NumPy's own spelling (`np.dtype(x).descr`). */
export const DESCR_OF: Readonly<Record<Exclude<DType, "string">, string>> = {
  float32: "<f4",
  float64: "<f8",
  float16: "<f2",
  int8: "|i1",
  uint8: "|u1",
  int16: "<i2",
  uint16: "<u2",
  int32: "<i4",
  uint32: "<u4",
  int64: "<i8",
  uint64: "<u8",
  bool: "|b1",
};

const BY_CODE: Readonly<Record<string, DType>> = {
  f4: "float32",
  f8: "float64",
  f2: "float16",
  i1: "int8",
  u1: "uint8",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
  b1: "bool",
};

/** A parsed descriptor: the dtype, or why it cannot be read. */
export type DescrResult = { dtype: DType } | { error: string };

/**
 * The dtype of a NumPy `descr` string such as `"<f4"`. Byte-order marks: `<` little-endian, `|` not
 * applicable (1-byte types), `=` native (taken as little-endian), `>` big-endian (rejected for
 * multi-byte types).
 */
export function dtypeOfDescr(descr: string): DescrResult {
  const order = descr[0] ?? "";
  const code = descr.slice(1);
  const dtype = "<>|=".includes(order) && order !== "" ? BY_CODE[code] : undefined;
  if (dtype === undefined) {
    return {
      error: `dtype "${descr}" is not supported; bitloop reads ${Object.values(DESCR_OF).join(" ")}`,
    };
  }
  if (order === ">" && !code.endsWith("1")) {
    return {
      error: `dtype "${descr}" is big-endian, which bitloop does not read; save it little-endian ` +
        `(arr.astype("<${code}"))`,
    };
  }
  return { dtype };
}
