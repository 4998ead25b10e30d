// Known-answer tests of the OCR text metrics: edit distance, normalization, line accuracy, CTC decoding.
import { describe, expect, test } from "bun:test";
import { ctcDecode, ctcDecodeBatch, ctcKeys } from "../../src/eval/ctc_decode.ts";
import { editDistance } from "../../src/eval/edit_distance.ts";
import { normalizeText } from "../../src/eval/normalize_text.ts";
import { lineAccuracy, textAccuracy } from "../../src/eval/text_accuracy.ts";
import { Tensor } from "../../src/graph/tensor.ts";

describe("editDistance", () => {
  test("matches the textbook cases", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("flaw", "lawn")).toBe(2);
    expect(editDistance("intention", "execution")).toBe(5);
    expect(editDistance("abc", "abc")).toBe(0);
  });

  test("is the other length against an empty string, and symmetric", () => {
    expect(editDistance("", "abcd")).toBe(4);
    expect(editDistance("abcd", "")).toBe(4);
    expect(editDistance("Saturday", "Sunday")).toBe(editDistance("Sunday", "Saturday"));
  });

  test("counts code points, not UTF-16 units", () => {
    expect(editDistance("a😀b", "ab")).toBe(1);
    expect(editDistance("价格", "价钱")).toBe(1);
  });
});

test("normalizeText maps full-width forms to ASCII and collapses whitespace", () => {
  expect(normalizeText("（c）bitloop：  ４２％\t")).toBe("(c)bitloop: 42%");
  expect(normalizeText("  a \n b  ")).toBe("a b");
});

describe("line and set accuracy", () => {
  test("one substitution in twelve characters is 11/12 character accuracy", () => {
    expect(lineAccuracy("Total: 42.5O", "Total: 42.50")).toEqual({
      exact: false,
      distance: 1,
      length: 12,
      charAccuracy: 11 / 12,
    });
  });

  test("normalization makes a full-width parenthesis exact; raw comparison does not", () => {
    expect(lineAccuracy("(c）bitloop", "(c) bitloop").exact).toBe(false); // the space is really missing
    expect(lineAccuracy("（c) bitloop", "(c) bitloop").exact).toBe(true);
    expect(lineAccuracy("（c) bitloop", "(c) bitloop", { normalize: false }).exact).toBe(false);
  });

  test("ignoreSpaces compares without any spaces, like PaddleOCR's RecMetric", () => {
    expect(lineAccuracy("No.34/77", "No. 34/77").exact).toBe(false);
    expect(lineAccuracy("No.34/77", "No. 34/77", { ignoreSpaces: true })).toEqual({
      exact: true,
      distance: 0,
      length: 8,
      charAccuracy: 1,
    });
  });

  test("character accuracy never goes below zero and handles empty truths", () => {
    expect(lineAccuracy("completely different", "ab").charAccuracy).toBe(0);
    expect(lineAccuracy("", "").charAccuracy).toBe(1);
    expect(lineAccuracy("x", "").charAccuracy).toBe(0);
    expect(lineAccuracy("", "abc").charAccuracy).toBe(0);
  });

  test("set accuracy pools distances over lengths", () => {
    const a = textAccuracy(["Hello", "w0rld", ""], ["Hello", "world", "abcde"]);
    expect(a.lines).toBe(3);
    expect(a.exactLines).toBe(1);
    expect(a.exactRate).toBeCloseTo(1 / 3, 15);
    expect(a.charAccuracy).toBeCloseTo(1 - 6 / 15, 15);
    expect(() => textAccuracy(["a"], [])).toThrow(RangeError);
  });
});

describe("CTC decoding", () => {
  const keys = ["a", "b"];
  /** One-hot steps over [blank, a, b, space]. */
  const steps = (classes: number[]) => {
    const data = new Float32Array(classes.length * 4);
    classes.forEach((c, t) => (data[t * 4 + c] = 1));
    return new Tensor("float32", data, [1, classes.length, 4]);
  };

  test("collapses repeats, drops blanks, and needs a blank between doubled letters", () => {
    expect(ctcDecode(steps([1, 1, 0, 1, 2, 2, 0]), keys)).toBe("aab");
    expect(ctcDecode(steps([1, 1, 1]), keys)).toBe("a");
    expect(ctcDecode(steps([0, 0, 0]), keys)).toBe("");
  });

  test("the class after the keys is a space", () => {
    expect(ctcDecode(steps([1, 3, 2]), keys)).toBe("a b");
  });

  test("decodes every row of a batch, and ctcDecode refuses a batch", () => {
    const two = new Tensor(
      "float32",
      new Float32Array([...steps([1, 0]).data as Float32Array, ...steps([2, 2]).data as Float32Array]),
      [2, 2, 4],
    );
    expect(ctcDecodeBatch(two, keys)).toEqual(["a", "b"]);
    expect(() => ctcDecode(two, keys)).toThrow(RangeError);
    expect(() => ctcDecodeBatch(new Tensor("float32", new Float32Array(4), [1, 4]), keys)).toThrow(RangeError);
  });

  test("ctcKeys reads a dictionary file", () => {
    expect(ctcKeys("'\r\n疗\n绚\n\n")).toEqual(["'", "疗", "绚"]);
  });
});
