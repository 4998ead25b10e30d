// Small text formatters shared by the CLI commands: sizes, shapes, aligned tables.
import type { Dim } from "../graph/graph.ts";

/** `1536` → `"1.5 KiB"`; plain bytes below 1 KiB. */
export function formatBytes(n: number): string {
  const units = ["KiB", "MiB", "GiB"];
  if (n < 1024) return `${n} B`;
  let v = n / 1024;
  let unit = 0;
  while (v >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[unit]}`;
}

/** `[1, "batch", null]` → `"[1, batch, ?]"`; `null` (shape unknown) → `"?"`. */
export function formatShape(shape: readonly Dim[] | null | undefined): string {
  if (!shape) return "?";
  return `[${shape.map((d) => d ?? "?").join(", ")}]`;
}

/** `1234567` → `"1,234,567"`. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Rows of cells as left-aligned columns (right-aligned where `right[i]`), joined by two spaces. */
export function table(rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd()
  );
}

/** `label` then `items` joined by ", ", wrapped at `width` columns with continuation lines indented by 2. */
export function wrap(label: string, items: readonly string[], width = 100): string[] {
  const lines: string[] = [];
  let line = label;
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (line.length + piece.length + 1 > width && line.trim() !== label.trim()) {
      lines.push(line.trimEnd());
      line = "  ";
    }
    line += line.endsWith(" ") || line === "" ? piece : ` ${piece}`;
  });
  lines.push(line.trimEnd());
  return lines;
}
