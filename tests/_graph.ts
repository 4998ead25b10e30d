// Terse graph builders the tests share.
import type { Attribute, Node } from "../src/graph/graph.ts";

/** A default-domain node named after its first output. */
export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, Attribute> = {},
): Node {
  return { name: `${op}_${outputs[0]}`, op, domain: "", inputs, outputs, attributes };
}
