/**
 * `bitloop compress <model> -o <out.bitloop> [--bits N] [--block B] [--symmetric|--asymmetric]
 * [--algo minmax|mse|hqq] [--fp16] [--external-data] [--policy FILE] [--min-size N]
 * [--[no-]activation-aware] [--report FILE.json]`:
 * post-training weight compression (MNNConvert's `--weightQuantBits`, `--weightQuantBlock`,
 * `--weightQuantAsymmetric`, `--hqq`, `--fp16`, `--saveExternalData` and `--compressionParamsFile` are
 * accepted as aliases). The model is prepared (`prepareForCompression`), compressed (`compressModel`) and
 * written in the bitloop format; every output file is written atomically, and when any of them fails
 * the others are removed, so a failed run leaves nothing behind.
 * @module
 */
import { writeBitloop } from "../formats/bitloop/write.ts";
import { currentPlatform } from "../platform/current.ts";
import { ACTIVATION_AWARE_MAX_BITS, compressModel } from "../quant/compress_model.ts";
import type { CompressReport } from "../quant/compress_report.ts";
import { type CompressionPolicy, parseCompressionPolicy } from "../quant/compression_policy.ts";
import { prepareForCompression } from "../runtime/prepare_for_compression.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { compressMnn } from "./_compress_mnn.ts";
import { type CompressRequest, parseCompressArgs } from "./_compress_options.ts";
import { basename, readUserFile, writeUserFile } from "./_files.ts";
import { loadUserModel } from "./_load_user_model.ts";
import { formatBytes } from "./_text.ts";
import { UsageError } from "./_usage_error.ts";
import { VERSION } from "./version.ts";
import { paramStorage } from "../quant/param_storage.ts";

const HELP = `Usage: bitloop compress <model> -o <out.bitloop> [options]

Quantizes the weights of a model (ONNX or bitloop) to 2-8 bits, or stores them as FP16, and writes a
bitloop file. Weights of Conv, ConvTranspose, Gemm, MatMul (constant operand), LSTM/GRU/RNN and
Gather tables are compressed; biases and other constants stay float32, and so do weights smaller
than --min-size. No calibration data is needed.

Options:
  -o, --output FILE      where to write the compressed model (required)
  --bits N               code width, 2..8 (default 8)
  --block B              input channels per block; 0 = one scale per output channel (default 0)
  --symmetric            symmetric grid, no zero points
  --asymmetric           a zero point per block (the default)
  --algo A               minmax, mse (clipping search) or hqq (default hqq)
  --hqq                  same as --algo hqq
  --fp16                 store the weights as FP16 instead of integer codes
  --external-data        write the weights to FILE.weight beside the model
  --policy FILE          per-layer JSON: {"name or glob": {"bits", "block", "symmetric", "algo",
                         "fp16", "skip"}}; later rules override earlier ones
  --min-size N           keep weights with fewer elements float32 (default 1024)
  --scale-bits S         per-group scale storage: 8 = one log8 byte (4.4 % steps against a
                         per-tensor reference; 4.375 bits/weight at 4-bit block 32), 16 = fp16,
                         32 = fp32; zero points at the code width (default: 8 at 2-4 bits, 16 above)
  --activation-aware     weigh each weight's error by the power of the input channel it meets,
                         estimated from the model itself (no data); default for layers at 2-3
                         bits (PP-OCRv4 rec 3-bit block 32: 12 of 24 lines instead of 0)
  --no-activation-aware  plain fit at every width
  --report FILE.json     write the per-layer report (bits, bytes, weight SQNR) as JSON
  --format F             bitloop (default), or mnn: re-write an MNN model (.mnn in, .mnn out) with
                         MNN's own weight quantization, which MNN's runtime loads
  --debug                print stack traces on errors
  -h, --help             show this help

MNNConvert aliases: --weightQuantBits N, --weightQuantBlock B (-1 = per channel),
--weightQuantAsymmetric[=0|1], --weightQuantScaleBit S, --saveExternalData,
--compressionParamsFile FILE.

Example: bitloop compress model.onnx -o model.bitloop --bits 4 --block 32 --report report.json`;

/** The `compress` command. */
export const compressCommand: Command = {
  name: "compress",
  summary: "quantize a model's weights to 2-8 bits (or FP16) and write a bitloop file",
  help: HELP,
  run: compress,
};

async function compress(args: string[], io: CliIO): Promise<void> {
  const request = parseCompressArgs(args);
  const policy = request.policyPath === undefined ? undefined : await readPolicy(request.policyPath);
  const started = performance.now();
  if (request.format === "mnn") {
    const out = await compressMnn(request, policy, io.progress ? progressLine(io, started) : undefined);
    io.progress?.("");
    const used = { ...request, options: out.options };
    if (request.reportPath !== undefined) {
      const json = { input: request.input, output: request.output, settings: describeSettings(used), ...out.report };
      out.files.push([request.reportPath, new TextEncoder().encode(`${JSON.stringify(json, jsonNumbers, 2)}\n`)]);
    }
    await writeAll(out.files);
    const seconds = (performance.now() - started) / 1000;
    for (const line of summary(used, out.report, out.inBytes, out.outBytes, seconds)) io.stdout(line);
    return;
  }
  const { model, bytes: source, fileBytes } = await loadUserModel(request.input);
  const prepared = prepareForCompression(model);
  for (const note of prepared.notes) io.stderr(`bitloop: note: ${note}`);
  const { model: compressed, report } = compressModel(model, {
    ...request.options,
    ...(policy ? { policy } : {}),
    ...(io.progress ? { onProgress: progressLine(io, started) } : {}),
  });
  io.progress?.("");
  for (const p of report.unusedPatterns) io.stderr(`bitloop: warning: policy rule "${p}" matched no weight`);
  const sidecarName = `${basename(request.output)}.weight`;
  const written = await writeBitloop(compressed, {
    externalData: request.externalData,
    sidecarName,
    metadata: {
      producer: `bitloop ${VERSION}`,
      sourceSha256: await sha256Hex(source),
      extra: { compression: describeSettings(request) },
    },
  });
  const files: [string, Uint8Array][] = [];
  if (written.sidecar) files.push([`${request.output}.weight`, written.sidecar]);
  files.push([request.output, written.model]);
  if (request.reportPath !== undefined) {
    const json = { input: request.input, output: request.output, settings: describeSettings(request), ...report };
    files.push([request.reportPath, new TextEncoder().encode(`${JSON.stringify(json, jsonNumbers, 2)}\n`)]);
  }
  await writeAll(files);
  const seconds = (performance.now() - started) / 1000;
  const outBytes = written.model.length + (written.sidecar?.length ?? 0);
  for (const line of summary(request, report, fileBytes, outBytes, seconds)) io.stdout(line);
}

async function readPolicy(path: string): Promise<CompressionPolicy> {
  const text = new TextDecoder().decode(await readUserFile(path, `policy "${path}"`));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Cannot parse policy "${path}": ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseCompressionPolicy(json, `policy "${path}"`);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** Writes every file atomically, in order; if one fails, removes the ones already written. */
async function writeAll(files: [string, Uint8Array][]): Promise<void> {
  const done: string[] = [];
  try {
    for (const [path, bytes] of files) {
      await writeUserFile(path, bytes);
      done.push(path);
    }
  } catch (error) {
    for (const path of done) await currentPlatform().removeFile(path).catch(() => {});
    throw error;
  }
}

function progressLine(io: CliIO, started: number): (done: number, total: number, name: string) => void {
  let last = 0;
  return (done, total, name) => {
    const now = performance.now();
    // Quick runs show nothing; long ones redraw at most ten times a second.
    if (now - started < 300 || (now - last < 100 && done < total)) return;
    last = now;
    const fraction = total > 0 ? done / total : 1;
    const width = 24;
    const bar = "#".repeat(Math.round(fraction * width)).padEnd(width, ".");
    const seconds = ((now - started) / 1000).toFixed(1);
    io.progress!(`compressing [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${seconds} s  ${name.slice(0, 40)}`);
  };
}

function describeSettings(r: CompressRequest): string {
  const o = r.options;
  if (o.fp16) return `fp16, min-size ${o.minSize ?? 1024}${r.policyPath ? ", policy" : ""}`;
  const block = o.blockSize ? `block ${o.blockSize}` : "per channel";
  const grid = o.symmetric ? "symmetric" : "asymmetric";
  const policy = r.policyPath ? `, policy ${basename(r.policyPath)}` : "";
  const p = paramStorage(o, o.bits ?? 8);
  const params = o.symmetric ? p.scaleDtype : `${p.scaleDtype}/${p.zeroPoint}`;
  const aware = (o.activationAware ?? (o.bits ?? 8) <= ACTIVATION_AWARE_MAX_BITS) ? ", activation-aware" : "";
  return `${o.bits ?? 8}-bit, ${block}, ${grid}, ${o.algorithm ?? "hqq"}${aware}, min-size ${o.minSize ?? 1024}, ` +
    `params ${params}${policy}`;
}

/** JSON has no Infinity: an exact reconstruction's SQNR is written as the string "inf". */
function jsonNumbers(_key: string, value: unknown): unknown {
  return value === Infinity ? "inf" : value;
}

function summary(r: CompressRequest, report: CompressReport, inBytes: number, outBytes: number, s: number): string[] {
  const t = report.totals;
  const ratio = outBytes > 0 ? (inBytes / outBytes).toFixed(2) : "?";
  const sidecar = r.externalData ? ` + ${r.output}.weight` : "";
  const lines = [
    `wrote ${r.output}${sidecar} (${r.format}, ${formatBytes(outBytes)}; input ${
      formatBytes(inBytes)
    }, ${ratio}x smaller)`,
    `settings: ${describeSettings(r)}`,
  ];
  const bpw = t.quantized > 0 ? `, ${t.quantizedBitsPerWeight.toFixed(2)} bits/weight quantized` : "";
  lines.push(
    `weights: ${t.quantized} quantized, ${t.fp16} fp16, ${t.float} kept float32; ` +
      `${formatBytes(t.bytesBefore)} -> ${formatBytes(t.bytesAfter)}${bpw}`,
  );
  const measured = report.layers.filter((l) => l.sqnr !== null && l.storage !== "float");
  if (measured.length > 0) {
    const finite = measured.filter((l) => Number.isFinite(l.sqnr));
    const mean = finite.reduce((a, l) => a + l.sqnr!, 0) / Math.max(finite.length, 1);
    const worst = measured.reduce((a, l) => (l.sqnr! < a.sqnr! ? l : a));
    lines.push(
      `weight SQNR: mean ${mean.toFixed(1)} dB, lowest ${worst.sqnr!.toFixed(1)} dB (${worst.name}, ${worst.op})`,
    );
  }
  if (r.reportPath !== undefined) lines.push(`per-layer report: ${r.reportPath}`);
  lines.push(`took ${s.toFixed(2)} s`);
  return lines;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
