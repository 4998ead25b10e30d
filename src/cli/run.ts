/**
 * `bitloop run <model> --input NAME=FILE.npy ... [--output-dir DIR]`: runs a model on `.npy` inputs
 * and writes each output to `DIR/<output name>.npy` (names made file-system safe). Inputs are checked
 * against the model before it runs: a missing, unknown, mistyped or misshapen input is one clear error.
 * @module
 */
import { parseArgs } from "node:util";
import type { ValueInfo } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";
import { writeNpy } from "../formats/npy/write_npy.ts";
import { InferenceSession } from "../runtime/session.ts";
import type { CliIO } from "./cli_io.ts";
import type { Command } from "./command.ts";
import { joinPath, makeUserDir, writeUserFile } from "./_files.ts";
import { readInputFile } from "./_read_input.ts";
import { loadUserModel } from "./_load_user_model.ts";
import { safeFileNames } from "./safe_file_name.ts";
import { formatShape, table } from "./_text.ts";
import { parseOrUsage, UsageError } from "./_usage_error.ts";

const HELP = `Usage: bitloop run <model> --input NAME=FILE.npy [--input ...] [--output-dir DIR]

Runs a model (ONNX or bitloop) on inputs read from NumPy .npy files and prints each output's dtype,
shape and value range. With --output-dir, writes every output to DIR/<output name>.npy (characters
other than letters, digits, '.', '_' and '-' in the name become '_').

Options:
  -i, --input NAME=FILE   an input tensor from a .npy file; repeat for each input
                          (NAME= may be left out when the model has one input)
  -o, --output-dir DIR    write the outputs there as .npy files (created if missing)
  --debug                 print stack traces on errors
  -h, --help              show this help`;

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "run a model on .npy inputs and write its outputs as .npy files",
  help: HELP,
  run,
};

async function run(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseOrUsage("run", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        input: { type: "string", short: "i", multiple: true, default: [] },
        "output-dir": { type: "string", short: "o" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError(`Missing <model>; usage: bitloop run <model> --input NAME=FILE.npy`);
  if (extra.length > 0) {
    throw new UsageError(`Unexpected argument "${extra[0]}"; give each input as --input NAME=FILE.npy`);
  }
  const { model } = await loadUserModel(path);
  // Cheap checks of the inputs first, against what the model declares; then prepare the model.
  const declared = [...model.graph.inputs];
  const files = inputFiles(values.input, declared);
  const feeds: Record<string, Tensor> = {};
  for (const info of declared) {
    const file = files.get(info.name)!;
    feeds[info.name] = await readInputFile(info, file);
  }
  const session = await InferenceSession.create(model);
  const outputs = await session.run(feeds);
  const names = session.outputNames;
  const dir = values["output-dir"];
  const fileNames = safeFileNames(names);
  if (dir !== undefined) await makeUserDir(dir);
  const rows: string[][] = [];
  for (const [i, name] of names.entries()) {
    const t = outputs[name]!;
    const row = [name, t.type, formatShape(t.dims), valueRange(t)];
    if (dir !== undefined) {
      const file = joinPath(dir, `${fileNames[i]}.npy`);
      await writeUserFile(file, writeNpy(t));
      row.push(`-> ${file}`);
    }
    rows.push(row);
  }
  for (const line of table(rows)) io.stdout(line);
}

/** Maps each model input to its file, from `NAME=FILE` specs; throws one clear UsageError otherwise. */
function inputFiles(specs: readonly string[], inputs: readonly ValueInfo[]): Map<string, string> {
  const names = inputs.map((v) => v.name);
  const takes = `the model takes: ${
    inputs.map((v) => `${v.name} ${v.dtype ?? "?"} ${formatShape(v.shape)}`).join(", ")
  }`;
  const files = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    let name: string, file: string;
    if (eq > 0) [name, file] = [spec.slice(0, eq), spec.slice(eq + 1)];
    else if (names.length === 1) [name, file] = [names[0]!, spec];
    else throw new UsageError(`--input "${spec}" must be NAME=FILE.npy; ${takes}`);
    if (!names.includes(name)) throw new UsageError(`Unknown input "${name}" in --input ${spec}; ${takes}`);
    if (file === "") throw new UsageError(`--input ${spec} names no file; use --input ${name}=FILE.npy`);
    if (files.has(name)) throw new UsageError(`Input "${name}" is given twice (--input)`);
    files.set(name, file);
  }
  const missing = inputs.filter((v) => !files.has(v.name));
  if (missing.length > 0) {
    const list = missing.map((v) => `${v.name} ${v.dtype ?? "?"} ${formatShape(v.shape)}`).join(", ");
    const example = missing.map((v) => `--input ${v.name}=FILE.npy`).join(" ");
    throw new UsageError(`Missing input${missing.length > 1 ? "s" : ""} ${list}; pass ${example}`);
  }
  return files;
}

/** `min .. max` of a numeric tensor (float16 and strings are not decoded). */
function valueRange(t: Tensor): string {
  if (t.type === "string" || t.type === "float16" || t.size === 0) return "";
  let min = Infinity, max = -Infinity;
  const data = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const show = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(6));
  return `${show(min)} .. ${show(max)}`;
}
