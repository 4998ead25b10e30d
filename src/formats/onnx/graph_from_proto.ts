/**
 * ONNX `GraphProto` → {@link Graph}, subgraphs included. Initializers become tensors; graph inputs
 * that are also initializers are dropped from `inputs` (old exporters list weights as inputs);
 * `value_info` fills `valueInfo`; unnamed nodes are named after their first output; `Constant` nodes
 * stay nodes (the `foldConstantNodes` pass turns them into initializers). Every value a node or the
 * graph reads must be defined in the graph or an enclosing one, so corrupt names fail here.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { dtypeFromOnnx } from "../../graph/dtype.ts";
import type { Attribute, Dim, Graph, Node, ValueInfo } from "../../graph/graph.ts";
import type { Tensor } from "../../graph/tensor.ts";
import { attributeFromProto } from "./attribute_from_proto.ts";
import {
  type GraphProto,
  type NodeProto,
  TensorProto_DataType,
  type TensorShapeProto_Dimension,
  type ValueInfoProto,
} from "./proto/onnx_pb.ts";
import { tensorFromProto } from "./tensor_from_proto.ts";

/**
 * Converts a graph. `external` holds external data files by location; `outer` names the values of
 * enclosing graphs a subgraph may read.
 *
 * @example
 * ```ts
 * const g = graphFromProto(fromBinary(ModelProtoSchema, bytes).graph!);
 * console.log(g.inputs.map((v) => v.name));
 * ```
 */
export function graphFromProto(
  proto: GraphProto,
  external: ReadonlyMap<string, Uint8Array> = new Map(),
  outer: ReadonlySet<string> = new Set(),
): Graph {
  const where = proto.name ? `graph "${proto.name}"` : "the graph";
  const sparse = proto.sparseInitializer[0];
  if (sparse) {
    throw new ModelFormatError(
      "onnx",
      `Cannot load sparse initializer "${sparse.values?.name ?? ""}" in ${where}: sparse tensors are not supported`,
    );
  }
  const initializers = new Map<string, Tensor>();
  for (const t of proto.initializer) {
    if (!t.name) throw new ModelFormatError("onnx", `An initializer in ${where} has no name`);
    initializers.set(t.name, tensorFromProto(t, t.name, external));
  }
  const inputs = proto.input.filter((v) => !initializers.has(v.name)).map((v) => valueInfoFromProto(v, where, true));
  const known = new Set([...outer, ...initializers.keys(), ...inputs.map((v) => v.name)]);
  for (const n of proto.node) for (const o of n.output) if (o) known.add(o);
  const nodes = proto.node.map((n) => nodeFromProto(n, external, known));
  const outputs = proto.output.map((v) => valueInfoFromProto(v, where, true));
  for (const node of nodes) {
    for (const name of node.inputs) {
      if (name && !known.has(name)) {
        throw new ModelFormatError(
          "onnx",
          `Node "${node.name}" (${node.op}) in ${where} reads "${name}", which no node, input or initializer defines`,
        );
      }
    }
  }
  for (const o of outputs) {
    if (!known.has(o.name)) {
      throw new ModelFormatError(
        "onnx",
        `Output "${o.name}" of ${where} is not produced by any node, input or initializer`,
      );
    }
  }
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of proto.valueInfo) {
    const info = valueInfoFromProto(v, where, false);
    if (info) valueInfo.set(info.name, info);
  }
  return { name: proto.name, inputs, outputs, initializers, quantized: new Map(), nodes, valueInfo };
}

function nodeFromProto(p: NodeProto, external: ReadonlyMap<string, Uint8Array>, scope: ReadonlySet<string>): Node {
  const name = p.name || p.output[0] || "";
  const label = name || p.opType;
  const attributes: Record<string, Attribute> = {};
  const ctx = { op: p.opType, node: label, external, subgraph: (g: GraphProto) => graphFromProto(g, external, scope) };
  for (const a of p.attribute) attributes[a.name] = attributeFromProto(a, ctx);
  return { name, op: p.opType, domain: p.domain, inputs: [...p.input], outputs: [...p.output], attributes };
}

function valueInfoFromProto(v: ValueInfoProto, where: string, required: true): ValueInfo;
function valueInfoFromProto(v: ValueInfoProto, where: string, required: false): ValueInfo | undefined;
/**
 * A declared value. Non-tensor types (sequences, maps) and tensors of unset element type have no dtype or
 * shape here. An element type
 * bitloop does not store is an error for graph inputs and outputs (`required`) and is skipped for
 * intermediate `value_info` (it is only a hint).
 */
function valueInfoFromProto(v: ValueInfoProto, where: string, required: boolean): ValueInfo | undefined {
  if (!v.name) throw new ModelFormatError("onnx", `A value in ${where} has no name`);
  const type = v.type?.value;
  // elem_type 0 (UNDEFINED) says nothing usable (onnxruntime rejects it): treat it as no type.
  if (type?.case !== "tensorType" || type.value.elemType === 0) {
    return { name: v.name, dtype: undefined, shape: undefined };
  }
  const { elemType, shape } = type.value;
  const dtype = dtypeFromOnnx(elemType);
  if (dtype === undefined) {
    if (!required) return undefined;
    const label = TensorProto_DataType[elemType] ?? "unknown";
    throw new ModelFormatError(
      "onnx",
      `Value "${v.name}" of ${where} has element type ${label} (${elemType}), which bitloop does not support`,
    );
  }
  return { name: v.name, dtype, shape: shape?.dim.map(dimFromProto) };
}

function dimFromProto(d: TensorShapeProto_Dimension): Dim {
  switch (d.value.case) {
    case "dimValue":
      // Some exporters write -1 for "unknown"; bitloop says null.
      return d.value.value < 0n || d.value.value > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(d.value.value);
    case "dimParam":
      return d.value.value || null;
    default:
      return null;
  }
}
