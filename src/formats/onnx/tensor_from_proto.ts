/**
 * ONNX `TensorProto` → {@link Tensor}. Reads every place the ONNX spec lets tensor data live:
 *
 * 1. `raw_data`: little-endian bytes, copied into a fresh (hence aligned) typed array.
 * 2. The typed fields: `float_data` (float32), `int32_data` (int32 and, as the spec says, the bit
 *    patterns of int8/uint8/int16/uint16/bool/float16), `int64_data` (int64), `double_data` (float64),
 *    `uint64_data` (uint32, uint64), `string_data` (UTF-8 strings).
 * 3. External data (`data_location = EXTERNAL`): bytes already read by the caller, sliced by
 *    `external_data` `offset`/`length` (see external_data.ts).
 *
 * Every length is checked against the dims before anything is allocated.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { allocate, type DType, dtypeBytes, dtypeFromOnnx, DTYPES, type TensorData } from "../../graph/dtype.ts";
import { Tensor } from "../../graph/tensor.ts";
import { externalDataBytes } from "./external_data.ts";
import { type TensorProto, TensorProto_DataLocation, TensorProto_DataType } from "./proto/onnx_pb.ts";

/** Numeric typed arrays (everything but `string[]`). */
type NumericData = Exclude<TensorData, string[]>;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts a `TensorProto` to a tensor. `name` is used in messages (pass the proto's own name, or a
 * description such as `attribute "value" of node "c1"` for unnamed tensors). `external` holds the
 * contents of external data files by location, read beforehand.
 *
 * @example
 * ```ts
 * const proto = create(TensorProtoSchema, { dataType: 1, dims: [2n], floatData: [1, 2] });
 * const t = tensorFromProto(proto, "w");
 * if (t.type !== "float32" || t.data[1] !== 2) throw new Error("decode");
 * ```
 */
export function tensorFromProto(
  proto: TensorProto,
  name: string,
  external: ReadonlyMap<string, Uint8Array> = new Map(),
): Tensor {
  const dtype = dtypeOf(proto, name);
  const dims = dimsOf(proto, name);
  let size = 1;
  for (const d of dims) size *= d;
  if (!Number.isSafeInteger(size)) throw fail(name, `shape [${dims}] has too many elements`);
  if (proto.segment) throw fail(name, "segmented tensors (TensorProto.segment) are not supported");
  let data: TensorData;
  if (proto.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    if (dtype === "string") throw fail(name, "string tensors cannot be stored as external data");
    data = fromRaw(dtype, externalDataBytes(proto, name, external), size, name);
  } else if (proto.rawData.length > 0) {
    if (dtype === "string") throw fail(name, "string tensors cannot use raw_data");
    data = fromRaw(dtype, proto.rawData, size, name);
  } else {
    data = fromTypedField(proto, dtype, size, name);
  }
  return new Tensor(dtype, data, dims);
}

function fail(name: string, reason: string): ModelFormatError {
  return new ModelFormatError("onnx", `Cannot load tensor "${name}": ${reason}`);
}

function dtypeOf(proto: TensorProto, name: string): DType {
  const dtype = dtypeFromOnnx(proto.dataType);
  if (dtype !== undefined) return dtype;
  const label = TensorProto_DataType[proto.dataType] ?? "unknown";
  throw fail(name, `data type ${label} (${proto.dataType}) is not supported; bitloop stores ${DTYPES.join(", ")}`);
}

function dimsOf(proto: TensorProto, name: string): number[] {
  return proto.dims.map((d) => {
    if (d < 0n || d > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(name, `invalid dimension ${d} in [${proto.dims}]`);
    return Number(d);
  });
}

/** Copies little-endian bytes into a new typed array of `dtype` (new, hence aligned). */
function fromRaw(dtype: DType, raw: Uint8Array, size: number, name: string): NumericData {
  const width = dtypeBytes(dtype);
  const expected = size * width;
  if (raw.length !== expected) throw fail(name, `expected ${expected} bytes, found ${raw.length}`);
  const out = allocate(dtype, size) as NumericData;
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  bytes.set(raw);
  if (!LITTLE_ENDIAN && width > 1) swapBytes(bytes, width);
  return out;
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** Reads the typed field the ONNX spec assigns to `dtype`. */
function fromTypedField(proto: TensorProto, dtype: DType, size: number, name: string): TensorData {
  const check = (field: string, length: number): void => {
    if (length === size) return;
    if (length === 0) throw fail(name, `expected ${size * dtypeBytes(dtype)} bytes, found 0`);
    throw fail(name, `expected ${size} values in ${field}, found ${length}`);
  };
  switch (dtype) {
    case "float32": {
      check("float_data", proto.floatData.length);
      return Float32Array.from(proto.floatData);
    }
    case "float64": {
      check("double_data", proto.doubleData.length);
      return Float64Array.from(proto.doubleData);
    }
    case "int64": {
      check("int64_data", proto.int64Data.length);
      return BigInt64Array.from(proto.int64Data);
    }
    case "uint64": {
      check("uint64_data", proto.uint64Data.length);
      return BigUint64Array.from(proto.uint64Data);
    }
    case "uint32": {
      check("uint64_data", proto.uint64Data.length);
      return Uint32Array.from(proto.uint64Data, (v) => Number(BigInt.asUintN(32, v)));
    }
    case "string": {
      if (proto.stringData.length !== size) {
        throw fail(name, `expected ${size} values in string_data, found ${proto.stringData.length}`);
      }
      const decoder = new TextDecoder();
      return proto.stringData.map((s) => decoder.decode(s));
    }
    case "bool": {
      check("int32_data", proto.int32Data.length);
      return Uint8Array.from(proto.int32Data, (v) => (v !== 0 ? 1 : 0));
    }
    default: {
      // int32, int16, int8, uint16, uint8, float16: the typed array's conversion keeps the low bits,
      // which is exactly how the spec packs these into int32_data.
      check("int32_data", proto.int32Data.length);
      const out = allocate(dtype, size) as Exclude<NumericData, BigInt64Array | BigUint64Array>;
      out.set(proto.int32Data);
      return out;
    }
  }
}
