/**
 * `bitloop validate <original> <compressed> [--input NAME=FILE.npy ...] [--dim NAME=N ...] [--json]`:
 * runs both models in bitloop's reference runtime on the same inputs (given, or generated from each
 * input's declared shape and dtype) and reports, per output, the cosine, SQNR, max abs error and — for
 * classifier-shaped outputs — top-1 agreement of the compressed model against the original, plus both
 * file sizes and their ratio.
 * @module
 */
import { parseArgs } from "node:util";
import { compareTensors, type TensorComparison } from "../eval/metrics.ts";
import { readBitloopInfo } from "../formats/bitloop/read.ts";
import type { Tensor } from "../graph/tensor.ts";
import { InferenceSession } from "../runtime/session.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { loadUserModel, type UserModel } from "./_load_user_model.ts";
import { formatBytes, formatShape, table } from "./_text.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";
import { DEFAULT_DIM, parseDims, validateInputs } from "./_validate_inputs.ts";

const HELP = `Usage: bitloop validate <original> <compressed> [--input NAME=FILE.npy ...] [--dim NAME=N ...] [--json]

Runs the original and the compressed model on the same inputs and compares every output: cosine
similarity, SQNR (dB), max abs error, and top-1 agreement for classifier-shaped outputs (last axis =
classes). Prints both file sizes and their ratio. Inputs not given are generated from the declared
dtype and shape (floats uniform in [-1, 1), integers 0, seeded); symbolic dims take 1 on the first
axis and ${DEFAULT_DIM} elsewhere unless set with --dim.

Options:
  -i, --input NAME=FILE   an input from a .npy file (NAME= may be left out for one-input models)
  --dim NAME=N            size of a symbolic dim (e.g. --dim batch=1 --dim sequence=512)
  --seed N                seed of generated inputs (default 1)
  --json                  print the comparison as JSON
  --debug                 print stack traces on errors
  -h, --help              show this help`;

/** The `validate` command. */
export const validateCommand: Command = {
  name: "validate",
  summary: "compare a compressed model's outputs and size with the original's",
  help: HELP,
  run: validate,
};

/** One compared output. */
interface OutputRow extends TensorComparison {
  name: string;
  dtype: string;
  dims: number[];
}

async function validate(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseOrUsage("validate", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        input: { type: "string", short: "i", multiple: true, default: [] },
        dim: { type: "string", multiple: true, default: [] },
        seed: { type: "string", default: "1" },
        json: { type: "boolean", default: false },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  const [originalPath, compressedPath, ...extra] = positionals;
  if (originalPath === undefined || compressedPath === undefined) {
    throw new UsageError(`Missing a model; usage: bitloop validate <original> <compressed>`);
  }
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"; "validate" takes two models`);
  if (!/^\d+$/.test(values.seed)) throw new UsageError(`--seed must be a whole number, got "${values.seed}"`);
  const dims = parseDims(values.dim);
  const original = await loadUserModel(originalPath);
  const compressed = await loadUserModel(compressedPath);
  const inputs = await validateInputs(original.model.graph.inputs, values.input, dims, Number(values.seed));
  const generated = Object.keys(inputs.defaulted).length > 0;
  const [a, b] = [await bytesOf(original), await bytesOf(compressed)];
  const run = async (m: UserModel, path: string) => {
    try {
      return await (await InferenceSession.create(m.model)).run(inputs.feeds);
    } catch (error) {
      if (!generated) throw error;
      const dimList = Object.entries(inputs.defaulted).map(([k, v]) => `${k}=${v}`).join(", ");
      throw new UsageError(
        `${path} failed on generated inputs (dims ${dimList} by default): ${(error as Error).message}; ` +
          "set the dims with --dim NAME=N or pass --input NAME=FILE.npy",
        { cause: error },
      );
    }
  };
  const ref = await run(original, originalPath);
  const out = await run(compressed, compressedPath);
  const rows: OutputRow[] = [];
  for (const o of original.model.graph.outputs) {
    const r = ref[o.name]!;
    const c = out[o.name];
    if (c === undefined) throw new UsageError(`${compressedPath} has no output "${o.name}" (the original has)`);
    if (r.type === "string") continue;
    rows.push({ name: o.name, dtype: r.type, dims: [...r.dims], ...compare(o.name, r, c) });
  }
  if (values.json) {
    io.stdout(JSON.stringify(
      {
        original: { path: originalPath, format: original.format, bytes: a },
        compressed: { path: compressedPath, format: compressed.format, bytes: b },
        ratio: b > 0 ? a / b : null,
        inputs: inputs.sources,
        defaultedDims: inputs.defaulted,
        outputs: rows,
      },
      (_k, v) => (v === Infinity ? "inf" : v === -Infinity ? "-inf" : v),
      2,
    ));
    return;
  }
  for (const [name, source] of Object.entries(inputs.sources)) io.stdout(`input ${name}: ${source}`);
  if (generated) {
    const list = Object.entries(inputs.defaulted).map(([k, v]) => `${k}=${v}`).join(", ");
    io.stdout(`note: symbolic dims defaulted to ${list}; set them with --dim NAME=N`);
  }
  const head = ["output", "dtype", "shape", "cosine", "SQNR dB", "max abs err", "top-1"];
  const body = rows.map((r) => [
    r.name,
    r.dtype,
    formatShape(r.dims),
    r.cosine.toFixed(6),
    Number.isFinite(r.sqnrDb) ? r.sqnrDb.toFixed(2) : r.sqnrDb > 0 ? "inf" : "-inf",
    r.maxAbsError.toExponential(3),
    r.top1Agreement === undefined ? "-" : `${(r.top1Agreement * 100).toFixed(1)}%`,
  ]);
  for (const line of table([head, ...body], [false, false, false, true, true, true, true])) io.stdout(line);
  const ratio = b > 0 ? `${(a / b).toFixed(2)}x` : "?";
  io.stdout(
    `size: original ${formatBytes(a)} (${original.format}), compressed ${formatBytes(b)} (${compressed.format}); ` +
      `ratio ${ratio}`,
  );
}

function compare(name: string, ref: Tensor, cand: Tensor): TensorComparison {
  try {
    return compareTensors(ref, cand);
  } catch (error) {
    throw new UsageError(`Output "${name}": ${(error as Error).message}`, { cause: error });
  }
}

/** The model's bytes on disk, its bitloop sidecar included. */
async function bytesOf(m: UserModel): Promise<number> {
  if (m.format !== "bitloop") return m.fileBytes;
  return m.fileBytes + (await readBitloopInfo(m.bytes)).header.sidecarLength;
}
