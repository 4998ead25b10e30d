/**
 * Writes the graph IR as an ONNX model (protobuf). Used to hand bitloop's graphs to onnxruntime
 * (the oracle in tests, and for checking compressed models) and by `convert` to ONNX.
 * Numeric tensors are written as little-endian `raw_data`; strings as `string_data`.
 * @module
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { dtypeToOnnx } from "../../graph/dtype.ts";
import type { Attribute, Graph, Model, ValueInfo } from "../../graph/graph.ts";
import type { Tensor } from "../../graph/tensor.ts";
import {
  type AttributeProto,
  AttributeProto_AttributeType as AttrType,
  AttributeProtoSchema,
  type GraphProto,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from "./proto/onnx_pb.ts";

/**
 * Encodes `model` as ONNX protobuf bytes. Throws `TypeError` for a model holding quantized weights
 * (`Graph.quantized`), which ONNX cannot store: dequantize it first.
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(await loadModel("model.bitloop"));
 * await Deno.writeFile("model.onnx", bytes);
 * ```
 */
export function exportOnnx(model: Model): Uint8Array {
  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(model.irVersion || 8),
    producerName: model.producer.name,
    producerVersion: model.producer.version,
    opsetImport: Object.entries(model.opsets).map(([domain, version]) =>
      create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })
    ),
    graph: graphToProto(model.graph, (model.irVersion || 8) < 4),
    metadataProps: Object.entries(model.metadata).map(([key, value]) =>
      create(StringStringEntryProtoSchema, { key, value })
    ),
  });
  return toBinary(ModelProtoSchema, proto);
}

/** Encodes one tensor as a `TensorProto` named `name`. */
export function tensorToProto(name: string, t: Tensor): TensorProto {
  const proto = create(TensorProtoSchema, {
    name,
    dims: t.dims.map((d) => BigInt(d)),
    dataType: dtypeToOnnx(t.type),
  });
  if (t.type === "string") {
    const enc = new TextEncoder();
    proto.stringData = (t.data as string[]).map((s) => enc.encode(s));
  } else {
    const data = t.data as Exclude<Tensor["data"], string[]>;
    // Copy so the proto owns exactly the tensor's bytes (the view may share a larger buffer).
    proto.rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  }
  return proto;
}

/**
 * IR versions before 4 require every initializer of the main graph to be listed as a graph input too
 * (`weightsAsInputs`); importers drop such inputs again, so the round trip is lossless.
 */
function graphToProto(graph: Graph, weightsAsInputs: boolean): GraphProto {
  const quantized = graph.quantized?.keys().next();
  if (quantized && !quantized.done) {
    throw new TypeError(
      `Cannot export graph "${graph.name}" to ONNX: weight "${quantized.value}" is quantized; ` +
        "dequantize the model first (dequantizeModel in src/quant/)",
    );
  }
  const weights = weightsAsInputs
    ? [...graph.initializers].map(([name, t]) => ({ name, dtype: t.type, shape: [...t.dims] }))
    : [];
  return create(GraphProtoSchema, {
    name: graph.name,
    input: [...graph.inputs, ...weights].map(valueInfoToProto),
    output: graph.outputs.map(valueInfoToProto),
    valueInfo: [...graph.valueInfo.values()].map(valueInfoToProto),
    initializer: [...graph.initializers].map(([name, t]) => tensorToProto(name, t)),
    node: graph.nodes.map((n) =>
      create(NodeProtoSchema, {
        name: n.name,
        opType: n.op,
        domain: n.domain,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes).map(([name, a]) => attributeToProto(name, a)),
      })
    ),
  });
}

function valueInfoToProto(v: ValueInfo): ValueInfoProto {
  const proto = create(ValueInfoProtoSchema, { name: v.name });
  // No element type, no type at all: onnxruntime rejects elem_type 0 (so the importer ignores it too).
  if (v.dtype === undefined) return proto;
  const tensorType = create(TypeProto_TensorSchema, { elemType: dtypeToOnnx(v.dtype) });
  if (v.shape) {
    tensorType.shape = create(TensorShapeProtoSchema, {
      dim: v.shape.map((d) =>
        create(TensorShapeProto_DimensionSchema, {
          value: typeof d === "number"
            ? { case: "dimValue", value: BigInt(d) }
            : typeof d === "string"
            ? { case: "dimParam", value: d }
            : { case: undefined },
        })
      ),
    });
  }
  proto.type = create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } });
  return proto;
}

function attributeToProto(name: string, a: Attribute): AttributeProto {
  const enc = new TextEncoder();
  const p = create(AttributeProtoSchema, { name });
  switch (a.kind) {
    case "float":
      return Object.assign(p, { type: AttrType.FLOAT, f: a.value });
    case "int":
      return Object.assign(p, { type: AttrType.INT, i: toInt64(a.value) });
    case "string":
      return Object.assign(p, { type: AttrType.STRING, s: enc.encode(a.value) });
    case "tensor":
      return Object.assign(p, { type: AttrType.TENSOR, t: tensorToProto("", a.value) });
    case "graph":
      return Object.assign(p, { type: AttrType.GRAPH, g: graphToProto(a.value, false) });
    case "floats":
      return Object.assign(p, { type: AttrType.FLOATS, floats: a.value });
    case "ints":
      return Object.assign(p, { type: AttrType.INTS, ints: a.value.map(toInt64) });
    case "strings":
      return Object.assign(p, { type: AttrType.STRINGS, strings: a.value.map((s) => enc.encode(s)) });
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * An int attribute as int64. The importer turns INT64_MAX/MIN (ONNX's "to the end" markers) into the
 * numbers ±2^63, which saturate back to the same int64 here.
 */
function toInt64(v: number): bigint {
  if (v >= 2 ** 63) return INT64_MAX;
  if (v <= -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(v));
}
