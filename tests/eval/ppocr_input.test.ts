// PaddleOCR preprocessing (src/eval/ppocr_input.ts) and the bilinear resize it relies on.
import { describe, expect, test } from "bun:test";
import { clsInput, detInput, recInput } from "../../src/eval/ppocr_input.ts";
import { resizeBilinear, type RgbImage } from "../../src/eval/rgb_image.ts";

/** A `width × height` image filled with one RGB colour. */
function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(rgb, i * 3);
  return { width, height, pixels };
}

describe("resizeBilinear", () => {
  test("returns the same image when the size does not change", () => {
    const img = solid(3, 2, [1, 2, 3]);
    expect(resizeBilinear(img, 3, 2)).toBe(img);
  });

  test("halving averages neighbouring pixel pairs (pixel centres aligned)", () => {
    const img: RgbImage = {
      width: 4,
      height: 1,
      pixels: Uint8Array.of(0, 0, 0, 100, 100, 100, 200, 200, 200, 50, 50, 50),
    };
    expect([...resizeBilinear(img, 2, 1).pixels]).toEqual([50, 50, 50, 125, 125, 125]);
  });

  test("refuses a pixel buffer of the wrong size", () => {
    expect(() => resizeBilinear({ width: 2, height: 2, pixels: new Uint8Array(11) }, 1, 1)).toThrow(RangeError);
  });
});

describe("recInput / clsInput", () => {
  test("a 48-px line keeps its width, is normalized to [-1, 1] in BGR order and zero-padded to 320", () => {
    const x = recInput(solid(100, 48, [255, 0, 51]));
    expect(x.dims).toEqual([1, 3, 48, 320]);
    const plane = 48 * 320;
    expect(x.data[0]).toBeCloseTo(51 / 127.5 - 1, 6); // B
    expect(x.data[plane]).toBe(-1); // G
    expect(x.data[2 * plane]).toBe(1); // R
    expect(x.data[99]).toBeCloseTo(51 / 127.5 - 1, 6);
    expect(x.data[100]).toBe(0);
  });

  test("a taller line is scaled to height 48 keeping its aspect ratio", () => {
    const x = recInput(solid(50, 96, [255, 255, 255]));
    const row = Array.from(x.data.slice(0, 320) as Float32Array);
    expect(row.filter((v) => v === 1).length).toBe(25); // ceil(48 · 50 / 96)
    expect(row.slice(25).every((v) => v === 0)).toBe(true);
  });

  test("a line wider than the input is squeezed to it", () => {
    const x = recInput(solid(1000, 48, [255, 255, 255]));
    expect(Array.from(x.data as Float32Array).every((v) => v === 1)).toBe(true);
  });

  test("cls input is 48×192", () => {
    expect(clsInput(solid(120, 48, [0, 0, 0])).dims).toEqual([1, 3, 48, 192]);
  });
});

describe("detInput", () => {
  test("rounds each side to a multiple of 32 and applies ImageNet mean/std in BGR order", () => {
    const x = detInput(solid(330, 300, [255, 128, 0]));
    expect(x.dims).toEqual([1, 3, 288, 320]);
    const plane = 288 * 320;
    expect(x.data[0]).toBeCloseTo((0 - 0.485) / 0.229, 5);
    expect(x.data[plane]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5);
    expect(x.data[2 * plane]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });

  test("caps the longer side at limitSideLength", () => {
    expect(detInput(solid(2000, 1000, [0, 0, 0])).dims).toEqual([1, 3, 480, 960]);
    expect(detInput(solid(320, 320, [0, 0, 0]), { limitSideLength: 160 }).dims).toEqual([1, 3, 160, 160]);
  });
});
