/**
 * `bitloop info <model> [--json] [--top N]`: a model's interface, opsets, producer, parameters,
 * operator histogram and the storage of its tensors.
 * @module
 */
import { parseArgs } from "node:util";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { bestDispatch, dispatchText } from "./info_dispatch.ts";
import { loadUserModel } from "./_load_user_model.ts";
import { type ModelSummary, summarizeModel } from "./model_summary.ts";
import { formatBytes, formatCount, formatShape, table, wrap } from "./_text.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";

const HELP = `Usage: bitloop info <model> [--json] [--top N]

Prints what a model (ONNX or bitloop) declares and stores: inputs and outputs with dtypes and
shapes, producer, opsets, parameter count and bytes, operator histogram, operators bitloop cannot
run, the storage of each constant tensor, and for a compressed model every compressed layer with its
bits, block size, algorithm, bytes and weight SQNR (recorded when it was compressed), and the kernel
dispatch table on this engine and CPU: which backend serves and why each other row declined.

Options:
  --json       print everything as one JSON object (every tensor, not just the largest)
  --top N      how many of the largest tensors to list in text mode (default 10)
  --debug      print stack traces on errors
  -h, --help   show this help`;

/** The `info` command. */
export const infoCommand: Command = {
  name: "info",
  summary: "describe a model: interface, opsets, parameters, ops, tensor storage",
  help: HELP,
  run: info,
};

async function info(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseOrUsage("info", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        top: { type: "string", default: "10" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError(`Missing <model>; usage: bitloop info <model> [--json]`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"; "info" takes one model`);
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top must be a whole number, got "${values.top}"`);
  const { model, format, fileBytes } = await loadUserModel(path);
  const summary = summarizeModel(model, { format, fileBytes });
  const dispatch = await bestDispatch();
  if (values.json) io.stdout(JSON.stringify({ ...summary, dispatch }, null, 2));
  else for (const line of [...infoText(path, summary, top), ...dispatchText(dispatch)]) io.stdout(line);
}

/** The per-layer table of a compressed model (nothing for a plain one). */
function compressedText(s: ModelSummary): string[] {
  const layers = s.compressed;
  if (layers.length === 0) return [];
  const weights = layers.reduce((n, l) => n + l.dims.reduce((a, b) => a * b, 1), 0);
  const bytes = layers.reduce((n, l) => n + l.bytes, 0);
  const head =
    `compressed weights: ${layers.length} tensors, ${formatCount(weights)} weights in ${formatBytes(bytes)} ` +
    `(${((bytes * 8) / Math.max(weights, 1)).toFixed(2)} bits/weight):`;
  const rows = [
    ["name", "op", "dims", "bits", "block", "grid", "params", "algo", "bytes", "bits/w", "SQNR dB"],
    ...layers.map((l) => [
      l.name,
      l.op,
      formatShape(l.dims),
      String(l.bits),
      l.blockSize === null ? "-" : l.blockSize === 0 ? "channel" : String(l.blockSize),
      l.symmetric === null ? "-" : l.symmetric ? "sym" : "asym",
      l.params ?? "-",
      l.algorithm,
      formatCount(l.bytes),
      l.bitsPerWeight.toFixed(2),
      l.sqnr === null ? "-" : Number.isFinite(l.sqnr) ? l.sqnr.toFixed(2) : "inf",
    ]),
  ];
  const right = [false, false, false, true, true, false, false, false, true, true, true];
  return [head, ...table(rows, right).map((l) => `  ${l}`)];
}

/** The text report of `bitloop info`. */
export function infoText(path: string, s: ModelSummary, top: number): string[] {
  const lines: string[] = [];
  const opsets = Object.entries(s.opsets).map(([d, v]) => `${d || "ai.onnx"} ${v}`).join(", ");
  const producer = [s.producer.name, s.producer.version].filter(Boolean).join(" ") || "unknown";
  lines.push(`${path}: ${s.format ?? "model"}, ${formatBytes(s.fileBytes ?? 0)}`);
  lines.push(`producer: ${producer} (IR ${s.irVersion}); opsets: ${opsets || "none"}`);
  const io = (label: string, values: ModelSummary["inputs"]) => {
    lines.push(`${label}:`);
    lines.push(...table(values.map((v) => [v.name, v.dtype ?? "?", formatShape(v.shape)])).map((l) => `  ${l}`));
  };
  io("inputs", s.inputs);
  io("outputs", s.outputs);
  const p = s.parameters;
  lines.push(`parameters: ${formatCount(p.count)} in ${p.tensors} tensors, ${formatBytes(p.bytes)}`);
  const ops = Object.entries(s.ops).map(([op, n]) => `${op} ${n}`);
  lines.push(...wrap(`ops (${s.nodes} nodes): `, ops));
  lines.push(...wrap("unsupported ops: ", s.unsupportedOps.length ? s.unsupportedOps : ["none"]));
  const shown = s.tensors.slice(0, top);
  if (shown.length > 0) {
    const label = shown.length < s.tensors.length
      ? `largest tensors (${shown.length} of ${s.tensors.length})`
      : "tensors";
    lines.push(`${label}:`);
    const rows = [
      ["name", "dtype", "dims", "bytes"],
      ...shown.map((t) => [t.name, t.dtype, formatShape(t.dims), formatCount(t.bytes)]),
    ];
    lines.push(...table(rows, [false, false, false, true]).map((l) => `  ${l}`));
  }
  lines.push(...compressedText(s));
  const meta = Object.entries(s.metadata);
  if (meta.length > 0) lines.push(`metadata: ${meta.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`);
  return lines;
}
