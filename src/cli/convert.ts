/**
 * `bitloop convert <model> -o <out> [--external-data]`: rewrites a model (ONNX or bitloop) as a
 * bitloop file, or as ONNX when `<out>` ends in `.onnx`. With `--external-data` the weights go to a
 * sidecar `<out>.weight`. Every file is written atomically (temp file + rename), the sidecar first, so
 * an interrupted convert never leaves a model pointing at missing weights.
 * @module
 */
import { parseArgs } from "node:util";
import { writeBitloop } from "../formats/bitloop/write.ts";
import { exportOnnx } from "../formats/onnx/export_onnx.ts";
import { dequantizeModel } from "../quant/dequantize_model.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { basename, writeUserFile } from "./_files.ts";
import { loadUserModel } from "./_load_user_model.ts";
import { formatBytes } from "./_text.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";
import { VERSION } from "./version.ts";

const HELP = `Usage: bitloop convert <model> -o <out.bitloop> [--external-data]

Converts a model (ONNX or bitloop) to the bitloop format; an output name ending in .onnx writes ONNX
(quantized weights are then written dequantized, as float32).
Files are written atomically: a crash never leaves a half-written file under the output name.

Options:
  -o, --output FILE   where to write the converted model (required)
  --external-data     store the weights in a sidecar FILE.weight next to the model
  --debug             print stack traces on errors
  -h, --help          show this help`;

/** The `convert` command. */
export const convertCommand: Command = {
  name: "convert",
  summary: "convert an ONNX model to the bitloop format (optionally with a weight sidecar)",
  help: HELP,
  run: convert,
};

/** The sidecar file name for a bitloop model written to `out`. */
export function sidecarPath(out: string): string {
  return `${out}.weight`;
}

async function convert(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseOrUsage("convert", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        "external-data": { type: "boolean", default: false },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError(`Missing <model>; usage: bitloop convert <model> -o <out.bitloop>`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"; "convert" takes one model`);
  const out = values.output;
  if (out === undefined || out === "") throw new UsageError(`Missing -o <out.bitloop>; see "bitloop convert --help"`);
  const externalData = values["external-data"];
  const { model, bytes: source } = await loadUserModel(path);
  if (out.toLowerCase().endsWith(".onnx")) {
    if (externalData) throw new UsageError(`--external-data is only supported for bitloop output, not "${out}"`);
    const bytes = exportOnnx(dequantizeModel(model)); // ONNX has no quantized weights: store them as floats
    await writeUserFile(out, bytes);
    io.stdout(`wrote ${out} (onnx, ${formatBytes(bytes.length)})`);
    return;
  }
  const written = await writeBitloop(model, {
    externalData,
    sidecarName: basename(sidecarPath(out)),
    metadata: { producer: `bitloop ${VERSION}`, sourceSha256: await sha256Hex(source) },
  });
  if (written.sidecar) await writeUserFile(sidecarPath(out), written.sidecar);
  await writeUserFile(out, written.model);
  const sidecar = written.sidecar ? ` + ${sidecarPath(out)} (${formatBytes(written.sidecar.length)})` : "";
  io.stdout(`wrote ${out} (bitloop, ${formatBytes(written.model.length)})${sidecar}`);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
