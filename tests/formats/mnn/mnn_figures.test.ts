// MNN's own figures (shared/mnn/README.md), recomputed from the outputs MNN's runtime wrote: every
// table cell whose output file is present reproduces to the README's precision.
import { describe, expect, test } from "bun:test";
import { HAVE_MNN } from "./_mnn_files.ts";
import { fp32Text, mnnFigures, README_TABLE, TABLE_VARIANTS } from "./_mnn_figures.ts";

describe.skipIf(!HAVE_MNN)("MNN's README table from MNN's own output files", () => {
  test('rec fp32 decodes "Hello World 42"; each present cell matches the README', () => {
    expect(fp32Text()).toBe("Hello World 42");
    const figures = mnnFigures();
    const present = new Set(figures.map((f) => `${f.model}.${f.variant}`));
    for (const f of figures) {
      const row = README_TABLE[f.model];
      const digits = row.digits[f.variant];
      const shown = f.model === "rec" ? `"${f.text}" cos ${f.value.toFixed(4)}` : f.value.toFixed(4);
      console.log(`${f.model}.${f.variant}: ${shown} (README ${row.value[f.variant]})`);
      expect(Math.abs(f.value - row.value[f.variant])).toBeLessThanOrEqual(0.5 * 10 ** -digits + 1e-12);
      if (row.text) expect(f.text).toBe(row.text[f.variant]!);
    }
    const missing = (["rec", "det", "cls"] as const).flatMap((m) =>
      TABLE_VARIANTS.filter((v) => !present.has(`${m}.${v}`)).map((v) => `${m}.${v}`)
    );
    console.log(`README cells without an output file here: ${missing.join(", ") || "none"}`);
    expect(figures.length).toBeGreaterThanOrEqual(10);
  });
});
