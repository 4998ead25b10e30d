import { expect, test } from "bun:test";
import { safeFileName, safeFileNames } from "../../src/cli/safe_file_name.ts";

test("safeFileName() keeps names inside the output directory", () => {
  expect(safeFileName("softmax_0.tmp_0")).toBe("softmax_0.tmp_0");
  expect(safeFileName("save_infer_model/scale_0.tmp_1")).toBe("save_infer_model_scale_0.tmp_1");
  expect(safeFileName("../../etc/passwd")).toBe("_._.._etc_passwd");
  expect(safeFileName("..")).toBe("_.");
  expect(safeFileName(".hidden")).toBe("_hidden");
  expect(safeFileName("a:b c\\d\0e")).toBe("a_b_c_d_e");
  expect(safeFileName("")).toBe("output");
  expect(safeFileName("CON")).toBe("_CON");
  expect(safeFileName("x".repeat(500)).length).toBe(200);
  for (const name of ["../a", "/abs", "a/../../b", "..\\x"]) expect(safeFileName(name)).not.toMatch(/[/\\]|^\./);
});

test("safeFileNames() keeps clashing names apart, ignoring case", () => {
  expect(safeFileNames(["a/b", "a_b", "A_B", "c"])).toEqual(["a_b", "a_b_2", "A_B_3", "c"]);
});
