/**
 * ONNX `AttributeProto` → {@link Attribute}. Kinds bitloop's IR holds: FLOAT, INT (int64 → number),
 * STRING (bytes → UTF-8), TENSOR, GRAPH (If/Loop bodies, converted by the caller), FLOATS, INTS,
 * STRINGS. TENSORS, GRAPHS, SPARSE_TENSOR(S), TYPE_PROTO(S) and function references (`ref_attr_name`)
 * raise {@link UnsupportedOpError} naming op, node and attribute.
 * @module
 */
import { ModelFormatError, UnsupportedOpError } from "../../errors.ts";
import type { Attribute, Graph } from "../../graph/graph.ts";
import { type AttributeProto, AttributeProto_AttributeType as Kind, type GraphProto } from "./proto/onnx_pb.ts";
import { tensorFromProto } from "./tensor_from_proto.ts";

/** The node an attribute belongs to, for messages, and how to convert what it holds. */
export interface AttributeContext {
  /** Operator type of the node. */
  op: string;
  /** Node name (or first output). */
  node: string;
  /** External data file contents by location. */
  external: ReadonlyMap<string, Uint8Array>;
  /** Converts a subgraph (GRAPH attributes). */
  subgraph: (g: GraphProto) => Graph;
}

const decoder = new TextDecoder();

/**
 * Converts one attribute.
 *
 * @example
 * ```ts
 * const p = create(AttributeProtoSchema, { name: "axis", type: AttributeProto_AttributeType.INT, i: 1n });
 * const a = attributeFromProto(p, { op: "Concat", node: "c", external: new Map(), subgraph: () => emptyGraph() });
 * if (a.kind !== "int" || a.value !== 1) throw new Error("decode");
 * ```
 */
export function attributeFromProto(p: AttributeProto, ctx: AttributeContext): Attribute {
  const where = `${ctx.op} node "${ctx.node}": attribute "${p.name}"`;
  if (p.refAttrName) {
    throw new UnsupportedOpError(
      ctx.op,
      ctx.node,
      `${where} refers to function attribute "${p.refAttrName}"; model-local functions are not supported`,
      { attribute: p.name },
    );
  }
  const type = p.type === Kind.UNDEFINED ? inferKind(p) : p.type;
  switch (type) {
    case Kind.FLOAT:
      return { kind: "float", value: p.f };
    case Kind.INT:
      return { kind: "int", value: Number(p.i) };
    case Kind.STRING:
      return { kind: "string", value: decoder.decode(p.s) };
    case Kind.TENSOR:
      if (!p.t) throw new ModelFormatError("onnx", `${where} is a TENSOR but holds no tensor`);
      return { kind: "tensor", value: tensorFromProto(p.t, p.t.name || `${ctx.node}.${p.name}`, ctx.external) };
    case Kind.GRAPH:
      if (!p.g) throw new ModelFormatError("onnx", `${where} is a GRAPH but holds no graph`);
      return { kind: "graph", value: ctx.subgraph(p.g) };
    case Kind.FLOATS:
      return { kind: "floats", value: [...p.floats] };
    case Kind.INTS:
      return { kind: "ints", value: p.ints.map((v) => Number(v)) };
    case Kind.STRINGS:
      return { kind: "strings", value: p.strings.map((s) => decoder.decode(s)) };
    case Kind.TENSORS:
    case Kind.GRAPHS:
    case Kind.SPARSE_TENSOR:
    case Kind.SPARSE_TENSORS:
    case Kind.TYPE_PROTO:
    case Kind.TYPE_PROTOS: {
      const name = Kind[type];
      if (!holdsValue(p, type)) throw new ModelFormatError("onnx", `${where} is ${name} but holds no value`);
      throw new UnsupportedOpError(ctx.op, ctx.node, `${where} has kind ${name}, which bitloop does not support`, {
        attribute: p.name,
      });
    }
    default:
      throw new ModelFormatError("onnx", `${where} has unknown attribute type ${type}`);
  }
}

/** Old exporters leave `type` unset: tell the kind from the field that holds the value. */
function inferKind(p: AttributeProto): Kind {
  if (p.t) return Kind.TENSOR;
  if (p.g) return Kind.GRAPH;
  if (p.floats.length > 0) return Kind.FLOATS;
  if (p.ints.length > 0) return Kind.INTS;
  if (p.strings.length > 0) return Kind.STRINGS;
  if (p.s.length > 0) return Kind.STRING;
  if (p.i !== 0n) return Kind.INT;
  if (p.f !== 0) return Kind.FLOAT;
  return Kind.UNDEFINED;
}

function holdsValue(p: AttributeProto, type: Kind): boolean {
  switch (type) {
    case Kind.TENSORS:
      return p.tensors.length > 0;
    case Kind.GRAPHS:
      return p.graphs.length > 0;
    case Kind.SPARSE_TENSOR:
      return p.sparseTensor !== undefined;
    case Kind.SPARSE_TENSORS:
      return p.sparseTensors.length > 0;
    case Kind.TYPE_PROTO:
      return p.tp !== undefined;
    default:
      return p.typeProtos.length > 0;
  }
}
