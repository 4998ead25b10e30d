/**
 * Loop: runs its `body` subgraph while the trip count and the condition allow, threading the
 * loop-carried values through every iteration and stacking the body's scan outputs along a new first
 * axis. The body takes (iteration_num: int64, cond: bool, carried...) and returns (cond, carried...,
 * scan...); it sees the enclosing scope.
 * @module
 */
import type { ValueInfo } from "../../../graph/graph.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { stack } from "./_stack.ts";
import { truthOf } from "./if.ts";

/** A scalar (or `[1]` when the body declares rank 1) of the body input `info`. */
function scalarFor(info: ValueInfo, type: "int64" | "bool", value: number): Tensor {
  const dims = info.shape?.length === 1 ? [1] : [];
  return type === "int64"
    ? new Tensor("int64", BigInt64Array.of(BigInt(value)), dims)
    : new Tensor("bool", Uint8Array.of(value), dims);
}

/** The trip count M as a JS number (int64 values beyond 2^53 mean "no limit"). */
function tripCount(m: Tensor): number {
  if (m.size !== 1 || (m.type !== "int64" && m.type !== "int32")) {
    throw new TypeError(`Loop trip count M must be one int64, got ${m.type} [${m.dims.join(", ")}]`);
  }
  const v = (m.data as ArrayLike<number | bigint>)[0]!;
  return typeof v === "bigint" ? (v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v)) : v;
}

/** ONNX Loop (opsets 1–21, tensor values). */
export const loop: OpDefinition = {
  op: "Loop",
  inputs: [2, Infinity],
  outputs: [0, Infinity],
  attributes: { body: { kind: "graph" } },
  check(node) {
    const body = node.attributes.body;
    if (body?.kind !== "graph") return "needs a body graph attribute";
    const carried = node.inputs.length - 2;
    if (body.value.inputs.length !== carried + 2) {
      return `body takes ${body.value.inputs.length} inputs; expected 2 + ${carried} loop-carried values`;
    }
    if (body.value.outputs.length < carried + 1) {
      return `body returns ${body.value.outputs.length} outputs; expected at least 1 + ${carried}`;
    }
    if (node.outputs.length > body.value.outputs.length - 1) {
      return `node has ${node.outputs.length} outputs; the body gives ${body.value.outputs.length - 1}`;
    }
    return undefined;
  },
  run(inputs, attrs, ctx) {
    const body = attrs.graph("body");
    const [m, condIn, ...initial] = inputs;
    if (!m && !condIn) throw new RangeError("Loop has neither a trip count M nor a condition: it would never end");
    const maxTrips = m ? tripCount(m) : Infinity;
    let cond = condIn ? truthOf(condIn, "Loop condition") : true;
    let carried = initial.map((t, i) => {
      if (!t) throw new TypeError(`Loop-carried input ${i} is missing`);
      return t;
    });
    const [iterInfo, condInfo, ...carriedInfo] = body.inputs as [ValueInfo, ValueInfo, ...ValueInfo[]];
    const scanCount = body.outputs.length - 1 - carried.length;
    const scans: Tensor[][] = Array.from({ length: scanCount }, () => []);
    for (let i = 0; i < maxTrips && cond; i++) {
      const feeds = new Map<string, Tensor>([
        [iterInfo.name, scalarFor(iterInfo, "int64", i)],
        [condInfo.name, scalarFor(condInfo, "bool", 1)],
      ]);
      carried.forEach((t, k) => feeds.set(carriedInfo[k]!.name, t));
      const out = ctx.runSubgraph(body, feeds);
      cond = truthOf(out[0]!, "Loop body condition output");
      carried = out.slice(1, 1 + carried.length);
      for (let k = 0; k < scanCount; k++) scans[k]!.push(out[1 + carried.length + k]!);
    }
    const stacked = scans.map((parts, k) => {
      const info = body.outputs[1 + carried.length + k]!;
      const shape = info.shape?.every((d): d is number => typeof d === "number") ? info.shape : [];
      return stack(parts, `Loop scan output ${k}`, info.dtype ?? "float32", shape);
    });
    return [...carried, ...stacked];
  },
};
