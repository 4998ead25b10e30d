// Cross-checks against NumPy itself when python3 has it (skipped otherwise; never installed by tests).
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DType } from "../../../src/graph/dtype.ts";
import { readNpy } from "../../../src/formats/npy/read_npy.ts";
import { writeNpy } from "../../../src/formats/npy/write_npy.ts";
import { bytesOf, everyDType } from "./_npy_cases.ts";

const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;
const dir = mkdtempSync(join(tmpdir(), "bitloop-npy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function python(script: string): string {
  const r = spawnSync("python3", ["-c", script, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return r.stdout;
}

const TYPE_OF: Record<string, DType> = {
  "<f4": "float32",
  "<f8": "float64",
  "<f2": "float16",
  "|i1": "int8",
  "|u1": "uint8",
  "<i2": "int16",
  "<u2": "uint16",
  "<i4": "int32",
  "<u4": "uint32",
  "<i8": "int64",
  "<u8": "uint64",
  "|b1": "bool",
};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe.skipIf(!hasNumpy)("npy and NumPy agree", () => {
  test("readNpy() reads what numpy.save writes: every dtype, Fortran order, scalars, empty arrays", () => {
    const expected = JSON.parse(python(`
import json, sys, numpy as np
out = {}
rng = np.random.default_rng(7)
def save(name, a):
    np.save(f"{sys.argv[1]}/{name}.npy", a)
    c = a.copy(order="C")
    out[name] = [c.dtype.str, list(c.shape), c.tobytes().hex()]
for code in ["f4", "f8", "f2", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "b1"]:
    dt = np.dtype("?" if code == "b1" else code)
    if dt.kind == "f":
        a = rng.standard_normal((2, 3, 4)).astype(dt)
    elif dt.kind == "b":
        a = rng.integers(0, 2, (2, 3, 4)).astype(dt)
    else:
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, (2, 3, 4), dtype=dt, endpoint=True)
    save(code, a)
    save(code + "_fortran", np.asfortranarray(a))
save("scalar", np.float32(2.5).reshape(()))
save("empty", np.zeros((0, 3), np.int16))
save("vector", np.arange(5, dtype=np.int64))
print(json.dumps(out))
`)) as Record<string, [string, number[], string]>;
    for (const [name, [descr, shape, data]] of Object.entries(expected)) {
      const t = readNpy(new Uint8Array(readFileSync(join(dir, `${name}.npy`))));
      expect({ name, type: t.type, dims: t.dims, data: hex(bytesOf(t)) }).toEqual({
        name,
        type: TYPE_OF[descr]!,
        dims: shape,
        data,
      });
    }
  });

  test("numpy.load reads what writeNpy() writes, and numpy.save writes the same bytes", () => {
    const tensors = everyDType();
    for (const t of tensors) writeFileSync(join(dir, `ts_${t.type}.npy`), writeNpy(t));
    const seen = JSON.parse(python(`
import io, json, sys, numpy as np
out = {}
for name in sys.stdin.read().split():
    path = f"{sys.argv[1]}/ts_{name}.npy"
    raw = open(path, "rb").read()
    a = np.load(path)
    buf = io.BytesIO()
    np.save(buf, a)
    out[name] = [list(a.shape), a.tobytes().hex(), buf.getvalue() == raw]
print(json.dumps(out))
`.replace("sys.stdin.read().split()", JSON.stringify(tensors.map((t) => t.type))))) as Record<
      string,
      [number[], string, boolean]
    >;
    for (const t of tensors) {
      expect({ type: t.type, seen: seen[t.type] }).toEqual({ type: t.type, seen: [[2, 3], hex(bytesOf(t)), true] });
    }
  });
});
