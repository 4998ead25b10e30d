/**
 * The 8-bit RGB image the PP-OCR preprocessing reads, and a bilinear resize that samples like OpenCV's
 * `cv2.resize(..., INTER_LINEAR)` (pixel centres aligned, edges clamped, results rounded to bytes),
 * which PaddleOCR's preprocessing uses.
 * @module
 */

/** An 8-bit RGB image. */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Interleaved RGB bytes, row-major, `width · height · 3` of them. */
  pixels: Uint8Array;
}

/**
 * Checks that an image's pixel buffer matches its size; throws `RangeError` saying what is wrong.
 *
 * @example
 * ```ts
 * checkRgbImage({ width: 2, height: 1, pixels: new Uint8Array(6) });
 * ```
 */
export function checkRgbImage(image: RgbImage): void {
  const { width, height, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Invalid image size ${width}×${height}`);
  }
  if (pixels.length !== width * height * 3) {
    throw new RangeError(`A ${width}×${height} RGB image needs ${width * height * 3} bytes, got ${pixels.length}`);
  }
}

/**
 * The image resized to `width × height` by bilinear interpolation (returned as is when the size is
 * unchanged).
 *
 * @example
 * ```ts
 * const img = { width: 2, height: 1, pixels: Uint8Array.of(0, 0, 0, 200, 200, 200) };
 * const wide = resizeBilinear(img, 4, 1);
 * if (wide.pixels[0] !== 0 || wide.pixels[3] !== 50 || wide.pixels[9] !== 200) throw new Error();
 * ```
 */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  checkRgbImage(image);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Cannot resize to ${width}×${height}`);
  }
  if (width === image.width && height === image.height) return image;
  const src = image.pixels;
  const out = new Uint8Array(width * height * 3);
  const x0s = new Int32Array(width), x1s = new Int32Array(width), fxs = new Float64Array(width);
  axisTaps(image.width, width, x0s, x1s, fxs);
  const y0s = new Int32Array(height), y1s = new Int32Array(height), fys = new Float64Array(height);
  axisTaps(image.height, height, y0s, y1s, fys);
  const rowBytes = image.width * 3;
  for (let y = 0; y < height; y++) {
    const r0 = y0s[y]! * rowBytes, r1 = y1s[y]! * rowBytes, fy = fys[y]!;
    for (let x = 0; x < width; x++) {
      const a = x0s[x]! * 3, b = x1s[x]! * 3, fx = fxs[x]!;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = src[r0 + a + c]! + (src[r0 + b + c]! - src[r0 + a + c]!) * fx;
        const bottom = src[r1 + a + c]! + (src[r1 + b + c]! - src[r1 + a + c]!) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return { width, height, pixels: out };
}

function axisTaps(from: number, to: number, i0: Int32Array, i1: Int32Array, frac: Float64Array): void {
  const scale = from / to;
  for (let d = 0; d < to; d++) {
    const s = Math.max(0, (d + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(s), from - 1);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, from - 1);
    frac[d] = Math.min(s - lo, 1);
  }
}
