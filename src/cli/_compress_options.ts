// Parses `bitloop compress` arguments, MNNConvert's flag names included, into compression options.
// Every check happens here, before any model is read, so a bad flag costs nothing and writes nothing.
import { parseArgs } from "node:util";
import type { QuantAlgorithm } from "../graph/quantized_tensor.ts";
import type { CompressOptions } from "../quant/compress_model.ts";
import { scaleBitsOptions } from "../quant/param_storage.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";

/** Everything `compress` was asked to do. */
export interface CompressRequest {
  /** The model to compress. */
  input: string;
  /** The bitloop file to write. */
  output: string;
  /** Compression settings (the policy is read later, from `policyPath`). */
  options: CompressOptions;
  /** Put the weights in `<output>.weight`. */
  externalData: boolean;
  /** The per-layer policy file, if any. */
  policyPath: string | undefined;
  /** Where to write the JSON report, if anywhere. */
  reportPath: string | undefined;
  /** Output format: bitloop, or an MNN model re-written (`--format mnn`, input must be MNN). */
  format: "bitloop" | "mnn";
}

const OPTIONS = {
  output: { type: "string", short: "o" },
  bits: { type: "string" },
  block: { type: "string" },
  symmetric: { type: "boolean" },
  asymmetric: { type: "boolean" },
  algo: { type: "string" },
  hqq: { type: "boolean" },
  fp16: { type: "boolean" },
  "external-data": { type: "boolean" },
  policy: { type: "string" },
  "min-size": { type: "string" },
  "scale-bits": { type: "string" },
  "activation-aware": { type: "boolean" },
  "no-activation-aware": { type: "boolean" },
  report: { type: "string" },
  format: { type: "string" },
  // MNNConvert's names.
  weightQuantBits: { type: "string" },
  weightQuantBlock: { type: "string" },
  weightQuantAsymmetric: { type: "string" },
  weightQuantScaleBit: { type: "string" },
  saveExternalData: { type: "boolean" },
  compressionParamsFile: { type: "string" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const ALGORITHMS: readonly string[] = ["minmax", "mse", "hqq"];

/** One value from a flag and its MNN alias; both given with different values is an error. */
function either(a: string | undefined, b: string | undefined, names: string): string | undefined {
  if (a !== undefined && b !== undefined && a !== b) {
    throw new UsageError(`${names} disagree ("${a}" vs "${b}"); give one`);
  }
  return a ?? b;
}

function wholeNumber(text: string, flag: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be ${what}, got "${text}"`);
  return Number(text);
}

function parseBits(text: string, flag: string): number {
  const bits = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(bits >= 2 && bits <= 8)) throw new UsageError(`${flag} must be an integer from 2 to 8, got "${text}"`);
  return bits;
}

function parseBlock(text: string, flag: string): number {
  if (text === "-1") return 0; // MNNConvert's "per channel"
  return wholeNumber(text, flag, "a whole number of input channels per block (0 = per channel)");
}

function parseAsymmetricFlag(text: string): boolean {
  const value = text.toLowerCase();
  if (["1", "true", "yes", ""].includes(value)) return true;
  if (["0", "false", "no"].includes(value)) return false;
  throw new UsageError(`--weightQuantAsymmetric takes 0 or 1, got "${text}"`);
}

/**
 * Parses the arguments of `bitloop compress`. Throws `UsageError` (one line) for unknown flags, bad
 * or contradictory values, and a missing input or output.
 */
export function parseCompressArgs(args: readonly string[]): CompressRequest {
  // `--weightQuantAsymmetric` alone means 1, as in MNNConvert.
  const normalized = args.map((a) => (a === "--weightQuantAsymmetric" ? "--weightQuantAsymmetric=1" : a));
  const { values: v, positionals } = parseOrUsage(
    "compress",
    () => parseArgs({ args: normalized, allowPositionals: true, options: OPTIONS }),
  );
  const [input, ...extra] = positionals;
  if (input === undefined) throw new UsageError(`Missing <model>; usage: bitloop compress <model> -o <out.bitloop>`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"; "compress" takes one model`);
  const output = v.output;
  if (output === undefined || output === "") {
    throw new UsageError(`Missing -o <out.bitloop>; see "bitloop compress --help"`);
  }
  const format = v.format ?? "bitloop";
  if (format !== "bitloop" && format !== "mnn") {
    throw new UsageError(`--format must be bitloop or mnn, got "${format}"`);
  }
  if (format === "bitloop" && /\.(onnx|mnn)$/i.test(output)) {
    throw new UsageError(
      `Output "${output}" looks like ONNX or MNN; compress writes the bitloop format (.bitloop) unless --format mnn`,
    );
  }
  if (format === "mnn" && /\.(onnx|bitloop)$/i.test(output)) {
    throw new UsageError(`Output "${output}" looks like ONNX or bitloop; --format mnn writes an MNN model (.mnn)`);
  }
  const options: CompressOptions = {};
  const bitsText = either(v.bits, v.weightQuantBits, "--bits and --weightQuantBits");
  if (bitsText !== undefined) options.bits = parseBits(bitsText, v.bits !== undefined ? "--bits" : "--weightQuantBits");
  const blockText = either(v.block, v.weightQuantBlock, "--block and --weightQuantBlock");
  if (blockText !== undefined) {
    options.blockSize = parseBlock(blockText, v.block !== undefined ? "--block" : "--weightQuantBlock");
  }
  const asymmetricAlias = v.weightQuantAsymmetric === undefined
    ? undefined
    : parseAsymmetricFlag(v.weightQuantAsymmetric);
  if (v.symmetric && v.asymmetric) throw new UsageError(`--symmetric and --asymmetric contradict each other`);
  const symmetric = v.symmetric ? true : v.asymmetric ? false : undefined;
  if (symmetric !== undefined && asymmetricAlias !== undefined && symmetric === asymmetricAlias) {
    throw new UsageError(
      `--${symmetric ? "symmetric" : "asymmetric"} and --weightQuantAsymmetric contradict each other`,
    );
  }
  const sym = symmetric ?? (asymmetricAlias === undefined ? undefined : !asymmetricAlias);
  if (sym !== undefined) options.symmetric = sym;
  if (v.algo !== undefined && !ALGORITHMS.includes(v.algo)) {
    throw new UsageError(`--algo must be minmax, mse or hqq, got "${v.algo}"`);
  }
  if (v.hqq && v.algo !== undefined && v.algo !== "hqq") {
    throw new UsageError(`--hqq and --algo ${v.algo} contradict each other`);
  }
  const algorithm = (v.hqq ? "hqq" : v.algo) as QuantAlgorithm | undefined;
  if (algorithm !== undefined) options.algorithm = algorithm;
  if (v.fp16) {
    if (options.bits !== undefined) {
      throw new UsageError(
        `--fp16 stores weights as FP16 instead of ${options.bits}-bit codes; give one of the two ` +
          `(a --policy file can mix them per layer)`,
      );
    }
    options.fp16 = true;
  }
  if (v["min-size"] !== undefined) {
    options.minSize = wholeNumber(v["min-size"], "--min-size", "a whole number of elements");
  }
  const scaleText = either(v["scale-bits"], v.weightQuantScaleBit, "--scale-bits and --weightQuantScaleBit");
  if (scaleText !== undefined) {
    const flag = v["scale-bits"] !== undefined ? "--scale-bits" : "--weightQuantScaleBit";
    if (!["8", "16", "32"].includes(scaleText)) {
      throw new UsageError(`${flag} must be 8 (compact log8), 16 (fp16) or 32 (fp32), got "${scaleText}"`);
    }
    Object.assign(options, scaleBitsOptions(Number(scaleText)));
  }
  if (v["activation-aware"] && v["no-activation-aware"]) {
    throw new UsageError("--activation-aware and --no-activation-aware contradict each other; give one of them");
  }
  if (v["activation-aware"]) options.activationAware = true;
  if (v["no-activation-aware"]) options.activationAware = false;
  const policyPath = either(v.policy, v.compressionParamsFile, "--policy and --compressionParamsFile");
  return {
    input,
    output,
    options,
    externalData: (v["external-data"] ?? false) || (v.saveExternalData ?? false),
    policyPath,
    reportPath: v.report,
    format,
  };
}
