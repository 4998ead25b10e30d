import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportOnnx } from "../../src/formats/onnx/export_onnx.ts";
import { readNpy } from "../../src/formats/npy/read_npy.ts";
import { writeNpy } from "../../src/formats/npy/write_npy.ts";
import type { Model } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { agreement } from "../_compare.ts";
import { ortRun, ortSession } from "../_ort.ts";
import { randomTensor } from "../_random.ts";
import { MNN_DIR } from "../_shared_mnn.ts";
import { zooPath } from "../zoo/zoo.ts";
import { cli, type CliResult, SPAWN_SETUP_TIMEOUT_MS } from "./_cli.ts";

const CLS = zooPath("ppocr_cls");
const OUTPUT = "softmax_0.tmp_0";
// MNN's own input for this model, written by NumPy, when the shared reference files are present.
const MNN_INPUT = `${MNN_DIR}/cls.input.npy`;
const dir = mkdtempSync(join(tmpdir(), "bitloop-cli-run-"));
const at = (name: string) => join(dir, name);
const runs: Record<string, CliResult> = {};

/** A model with one Identity node per output, named the way real exports name them. */
function oddNamesModel(): Model {
  const outputs = ["save/scale:0", "../escape", "save_scale_0"];
  return {
    irVersion: 8,
    opsets: { "": 17 },
    producer: { name: "bitloop-tests", version: "0" },
    metadata: {},
    graph: {
      name: "odd_names",
      inputs: [{ name: "in", dtype: "int32", shape: [2] }],
      outputs: outputs.map((name) => ({ name, dtype: "int32", shape: [2] })),
      initializers: new Map(),
      quantized: new Map(),
      nodes: outputs.map((name, i) => ({
        name: `id${i}`,
        op: "Identity",
        domain: "",
        inputs: ["in"],
        outputs: [name],
        attributes: {},
      })),
      valueInfo: new Map(),
    },
  };
}

beforeAll(async () => {
  if (existsSync(MNN_INPUT)) copyFileSync(MNN_INPUT, at("x.npy"));
  else writeFileSync(at("x.npy"), writeNpy(randomTensor([1, 3, 48, 192], 7)));
  writeFileSync(at("odd.onnx"), exportOnnx(oddNamesModel()));
  writeFileSync(at("in.npy"), writeNpy(new Tensor("int32", new Int32Array([3, -4]), [2])));
  const converted = await cli("bun", ["convert", CLS, "-o", at("cls.bitloop"), "--external-data"]);
  expect(converted.code).toBe(0);
  const pending = {
    deno: cli("deno", ["run", CLS, "--input", `x=${at("x.npy")}`, "--output-dir", at("out_deno")]),
    bun: cli("bun", ["run", CLS, "--input", `x=${at("x.npy")}`, "--output-dir", at("out_bun")]),
    bitloop: cli("deno", ["run", at("cls.bitloop"), "-i", at("x.npy"), "-o", at("out_bitloop/")]),
    noDir: cli("bun", ["run", CLS, "-i", `x=${at("x.npy")}`]),
    odd: cli("bun", ["run", at("odd.onnx"), "-i", `in=${at("in.npy")}`, "-o", at("out_odd")]),
  };
  for (const [key, p] of Object.entries(pending)) runs[key] = await p;
}, SPAWN_SETUP_TIMEOUT_MS);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bitloop run", () => {
  test("writes DIR/<output>.npy under Deno and Bun, byte-identical", () => {
    for (const key of ["deno", "bun", "bitloop"]) {
      expect({ key, code: runs[key]!.code, stderr: runs[key]!.stderr }).toEqual({ key, code: 0, stderr: "" });
    }
    expect(runs.deno!.stdout).toMatch(
      new RegExp(
        `^${OUTPUT.replace(".", "\\.")} +float32 +\\[1, 2\\] +\\S+ \\.\\. \\S+ +-> .*out_deno/${OUTPUT}\\.npy\\n$`,
      ),
    );
    expect(readdirSync(at("out_deno"))).toEqual([`${OUTPUT}.npy`]);
    const deno = readFileSync(at(`out_deno/${OUTPUT}.npy`));
    expect(deno.equals(readFileSync(at(`out_bun/${OUTPUT}.npy`)))).toBe(true);
    expect(deno.equals(readFileSync(at(`out_bitloop/${OUTPUT}.npy`)))).toBe(true);
  });

  test("matches onnxruntime-node within the whole-model budget", async () => {
    const x = readNpy(new Uint8Array(readFileSync(at("x.npy"))));
    const ref = (await ortRun(await ortSession(CLS), { x }))[OUTPUT]!;
    const ours = readNpy(new Uint8Array(readFileSync(at(`out_deno/${OUTPUT}.npy`))));
    const a = agreement(ours, ref);
    expect(a.sameShape).toBe(true);
    expect(a.cosine).toBeGreaterThanOrEqual(0.99999);
    expect(a.maxAbsError).toBeLessThanOrEqual(1e-4 * a.maxAbsRef);
  });

  test("without --output-dir it prints the outputs and writes nothing", () => {
    expect(runs.noDir!.code).toBe(0);
    expect(runs.noDir!.stdout).toMatch(
      new RegExp(`^${OUTPUT.replace(".", "\\.")} +float32 +\\[1, 2\\] +[0-9.e-]+ \\.\\. [0-9.e-]+\\n$`),
    );
  });

  test("output names become safe, distinct file names inside the output directory", () => {
    expect({ code: runs.odd!.code, stderr: runs.odd!.stderr }).toEqual({ code: 0, stderr: "" });
    expect(readdirSync(at("out_odd")).sort()).toEqual(["_._escape.npy", "save_scale_0.npy", "save_scale_0_2.npy"]);
    for (const file of readdirSync(at("out_odd"))) {
      const t = readNpy(new Uint8Array(readFileSync(at(`out_odd/${file}`))));
      expect([...t.data as Int32Array]).toEqual([3, -4]);
    }
    expect(existsSync(join(dir, "escape.npy"))).toBe(false);
  });
});
