// Builders for small hand-made ONNX models (with the generated proto helpers) used by the importer tests.
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type AttributeProto,
  AttributeProtoSchema,
  GraphProtoSchema,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from "../../../src/formats/onnx/proto/onnx_pb.ts";

/** A tensor-typed value; dims are numbers, symbolic names, or null for unknown. */
export function valueInfo(name: string, elemType = 1, dims?: (number | string | null)[]): ValueInfoProto {
  const tensorType = create(TypeProto_TensorSchema, { elemType });
  if (dims) {
    tensorType.shape = create(TensorShapeProtoSchema, {
      dim: dims.map((d) =>
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
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }),
  });
}

/** A TensorProto from its fields. */
export function tensorProto(init: MessageInitShape<typeof TensorProtoSchema>): TensorProto {
  return create(TensorProtoSchema, init);
}

/** A NodeProto from its fields. */
export function nodeProto(init: MessageInitShape<typeof NodeProtoSchema>): NodeProto {
  return create(NodeProtoSchema, init);
}

/** An AttributeProto from its fields. */
export function attributeProto(init: MessageInitShape<typeof AttributeProtoSchema>): AttributeProto {
  return create(AttributeProtoSchema, init);
}

/** Parts of a one-graph model; anything omitted gets a sensible default. */
export interface ModelParts {
  nodes?: NodeProto[];
  initializers?: TensorProto[];
  inputs?: ValueInfoProto[];
  outputs?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  opsets?: Record<string, number>;
  irVersion?: number;
  model?: MessageInitShape<typeof ModelProtoSchema>;
}

/** A ModelProto: by default opset 17, IR 8, graph "g". */
export function modelProto(parts: ModelParts): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: BigInt(parts.irVersion ?? 8),
    opsetImport: Object.entries(parts.opsets ?? { "": 17 }).map(([domain, version]) =>
      create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })
    ),
    graph: create(GraphProtoSchema, {
      name: "g",
      node: parts.nodes ?? [],
      initializer: parts.initializers ?? [],
      input: parts.inputs ?? [],
      output: parts.outputs ?? [],
      valueInfo: parts.valueInfo ?? [],
    }),
    ...parts.model,
  });
}

/** Serialized {@link modelProto}. */
export function modelBytes(parts: ModelParts): Uint8Array {
  return toBinary(ModelProtoSchema, modelProto(parts));
}

/**
 * A model whose only output is initializer `t` (the simplest way to get one tensor through the importer
 * and through onnxruntime).
 */
export function tensorModel(t: TensorProto): Uint8Array {
  return modelBytes({
    initializers: [t],
    nodes: [nodeProto({ name: "id", opType: "Identity", input: [t.name], output: ["y"] })],
    outputs: [valueInfo("y", t.dataType)],
  });
}
