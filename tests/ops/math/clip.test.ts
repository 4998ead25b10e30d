import { test } from "bun:test";
import { attr, expectOpMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { expectOpExact, int64, tensor } from "./_exact.ts";

const x = randomTensor([2, 3, 8], 41, -10, 10);

test("Clip before opset 11 takes min and max attributes (PP-OCR rec, opset 9)", async () => {
  await expectOpMatches({
    op: "Clip",
    inputs: [["x", x]],
    attributes: { min: attr.float(0), max: attr.float(6) },
    opset: 9,
  });
  await expectOpMatches({ op: "Clip", inputs: [["x", x]], attributes: { max: attr.float(1.5) }, opset: 6 });
  await expectOpMatches({ op: "Clip", inputs: [["x", x]], attributes: { min: attr.float(-2) }, opset: 6 });
  await expectOpMatches({ op: "Clip", inputs: [["x", x]], opset: 9 });
});

test("Clip from opset 11 takes optional min and max inputs (PP-OCR det, opset 11)", async () => {
  const lo = tensor("float32", [0], []), hi = tensor("float32", [6], []);
  await expectOpMatches({ op: "Clip", inputs: [["x", x], ["lo", lo], ["hi", hi]], constants: ["lo", "hi"], opset: 11 });
  await expectOpMatches({ op: "Clip", inputs: [["x", x], ["lo", lo], ["hi", hi]], opset: 13 });
  await expectOpMatches({ op: "Clip", inputs: [["x", x], ["lo", lo]], opset: 13 });
  await expectOpMatches({ op: "Clip", inputs: [["x", x], null, ["hi", hi]], opset: 13 });
  await expectOpMatches({ op: "Clip", inputs: [["x", x]], opset: 13 });
});

test("Clip with min > max gives max everywhere, as onnxruntime does", async () => {
  const lo = tensor("float32", [3], []), hi = tensor("float32", [1], []);
  await expectOpExact({ op: "Clip", inputs: [["x", x], ["lo", lo], ["hi", hi]], opset: 13 });
});

test("Clip on int32 and int64 (opset 12+) is exact", async () => {
  const i32 = tensor("int32", [-100, -3, 0, 3, 100], [5]);
  await expectOpExact({
    op: "Clip",
    inputs: [["x", i32], ["lo", tensor("int32", [-5], [])], ["hi", tensor("int32", [5], [])]],
    opset: 13,
  });
  const i64 = int64([-(2n ** 60n), -3n, 0n, 3n, 2n ** 60n], [5]);
  await expectOpExact({
    op: "Clip",
    inputs: [["x", i64], ["lo", int64([-4n], [])], ["hi", int64([2n ** 59n], [])]],
    opset: 13,
  });
  await expectOpExact({ op: "Clip", inputs: [["x", i64], null, ["hi", int64([1n], [])]], opset: 13 });
});
