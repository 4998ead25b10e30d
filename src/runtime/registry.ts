/**
 * The operator registry: op type → definition, for the default ONNX domain. Loading a model checks
 * every node against it ({@link checkSupported}) so an unsupported op or attribute fails at load time
 * with the op type and node name, never in the middle of a run.
 * @module
 */
import { UnsupportedOpError } from "../errors.ts";
import { type Graph, type Model, nodeLabel } from "../graph/graph.ts";
import type { OpDefinition } from "./op.ts";
import { CONTROL_OPS } from "./ops/control.ts";
import { MATH_OPS } from "./ops/math.ts";
import { NN_OPS } from "./ops/nn.ts";
import { TENSOR_OPS } from "./ops/tensor.ts";

/** Every op bitloop runs, by op type. */
export const OPS: ReadonlyMap<string, OpDefinition> = indexOps([...NN_OPS, ...MATH_OPS, ...TENSOR_OPS, ...CONTROL_OPS]);

function indexOps(definitions: readonly OpDefinition[]): Map<string, OpDefinition> {
  const map = new Map<string, OpDefinition>();
  for (const d of definitions) {
    if (map.has(d.op)) throw new Error(`Op ${d.op} is registered twice`);
    map.set(d.op, d);
  }
  return map;
}

/** Domains whose ops bitloop understands: the default ONNX domain and its alias. */
const ONNX_DOMAINS = new Set(["", "ai.onnx"]);

/**
 * Throws {@link UnsupportedOpError} for the first node (in `model` or any subgraph) that uses an op,
 * an attribute, an attribute value or an input count that bitloop cannot run.
 */
export function checkSupported(model: Model): void {
  const opset = model.opsets[""] ?? model.opsets["ai.onnx"] ?? 0;
  checkGraph(model.graph, opset);
}

function checkGraph(graph: Graph, opset: number): void {
  for (const node of graph.nodes) {
    const label = nodeLabel(node);
    const def = ONNX_DOMAINS.has(node.domain) ? OPS.get(node.op) : undefined;
    if (!def) {
      const where = node.domain ? `${node.domain}::${node.op}` : node.op;
      throw new UnsupportedOpError(
        node.op,
        label,
        `Unsupported operator ${where} at node "${label}"; bitloop runs: ${[...OPS.keys()].sort().join(", ")}`,
      );
    }
    const [minIn, maxIn] = def.inputs;
    if (node.inputs.length < minIn || node.inputs.length > maxIn) {
      throw new UnsupportedOpError(
        node.op,
        label,
        `${node.op} node "${label}" has ${node.inputs.length} inputs; bitloop supports ${minIn}..${maxIn}`,
      );
    }
    for (const [name, attr] of Object.entries(node.attributes)) {
      const spec = def.attributes[name];
      if (!spec) {
        throw new UnsupportedOpError(node.op, label, `${node.op} node "${label}": unsupported attribute "${name}"`, {
          attribute: name,
        });
      }
      if (spec.kind !== attr.kind) {
        throw new UnsupportedOpError(
          node.op,
          label,
          `${node.op} node "${label}": attribute "${name}" is ${attr.kind}, expected ${spec.kind}`,
          { attribute: name },
        );
      }
      if (spec.values && (attr.kind === "string" || attr.kind === "int") && !spec.values.includes(attr.value)) {
        throw new UnsupportedOpError(
          node.op,
          label,
          `${node.op} node "${label}": ${name}=${JSON.stringify(attr.value)} is not supported (supported: ${
            spec.values.map((v) => JSON.stringify(v)).join(", ")
          })`,
          { attribute: name },
        );
      }
      if (attr.kind === "graph") checkGraph(attr.value, opset);
    }
    const reason = def.check?.(node, opset);
    if (reason) throw new UnsupportedOpError(node.op, label, `${node.op} node "${label}": ${reason}`);
  }
}
