/**
 * Moves `Constant` nodes into initializers, in a graph and all its subgraphs. PaddleOCR and Silero
 * exports keep their weights in Constant nodes; as initializers they are weights like any other.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { type Graph, type Node, nodeLabel } from "../graph.ts";
import { fromNumbers, Tensor } from "../tensor.ts";

/** Replaces every `Constant` node by an initializer of the same name. Returns how many were folded. */
export function foldConstantNodes(graph: Graph): number {
  let folded = 0;
  graph.nodes = graph.nodes.filter((node) => {
    for (const attr of Object.values(node.attributes)) {
      if (attr.kind === "graph") folded += foldConstantNodes(attr.value);
    }
    if (node.op !== "Constant" || (node.domain !== "" && node.domain !== "ai.onnx")) return true;
    const name = node.outputs[0];
    if (!name) throw new ModelFormatError("onnx", `Constant node "${nodeLabel(node)}" has no output`);
    graph.initializers.set(name, constantValue(node.attributes, nodeLabel(node)));
    folded++;
    return false;
  });
  return folded;
}

function constantValue(attributes: Node["attributes"], label: string): Tensor {
  const [key, attr] = Object.entries(attributes)[0] ?? [];
  switch (attr?.kind) {
    case "tensor":
      return attr.value;
    case "float":
      return fromNumbers("float32", [attr.value], []);
    case "int":
      return fromNumbers("int64", [attr.value], []);
    case "floats":
      return fromNumbers("float32", attr.value, [attr.value.length]);
    case "ints":
      return fromNumbers("int64", attr.value, [attr.value.length]);
    case "string":
      return new Tensor("string", [attr.value], []);
    case "strings":
      return new Tensor("string", [...attr.value], [attr.value.length]);
    default:
      throw new ModelFormatError("onnx", `Constant node "${label}" has no usable value (attribute ${key ?? "none"})`);
  }
}
