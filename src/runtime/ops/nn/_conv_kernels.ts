/**
 * Scalar float32 kernels behind Conv, over a three-axis (depth, height, width) geometry; 1-D and 2-D
 * convolutions run with neutral leading axes. `im2row` lays each output position's receptive field out
 * as one contiguous row (read transposed as the B operand of `multiplyMatrices`); `depthwisePlane` convolves one
 * channel directly.
 * @module
 */

/** Spatial geometry of a convolution on three axes (leading axes are size 1 for 1-D and 2-D). */
export interface Geometry3 {
  inD: number;
  inH: number;
  inW: number;
  outD: number;
  outH: number;
  outW: number;
  kD: number;
  kH: number;
  kW: number;
  sD: number;
  sH: number;
  sW: number;
  dD: number;
  dH: number;
  dW: number;
  /** Leading pads. */
  pD: number;
  pH: number;
  pW: number;
}

/**
 * Writes the receptive fields of `channels` input planes (from `xOffset`) for output positions
 * `first ≤ n < end` as rows of `out`: each row holds `channels·kD·kH·kW` values in weight order, zero
 * where the window covers padding.
 */
export function im2row(
  x: Float32Array,
  xOffset: number,
  channels: number,
  g: Geometry3,
  first: number,
  end: number,
  out: Float32Array,
): void {
  const { inD, inH, inW, outH, outW, kD, kH, kW, sD, sH, sW, dD, dH, dW, pD, pH, pW } = g;
  const plane = inD * inH * inW;
  let ow = first % outW;
  let oh = Math.floor(first / outW) % outH;
  let od = Math.floor(first / (outW * outH));
  let k = 0;
  for (let n = first; n < end; n++) {
    const iw0 = ow * sW - pW;
    const inside = iw0 >= 0 && iw0 + (kW - 1) * dW < inW;
    for (let c = 0; c < channels; c++) {
      const cBase = xOffset + c * plane;
      for (let kd = 0; kd < kD; kd++) {
        const id = od * sD - pD + kd * dD;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH - pH + kh * dH;
          if (id < 0 || id >= inD || ih < 0 || ih >= inH) {
            for (let kw = 0; kw < kW; kw++) out[k++] = 0;
            continue;
          }
          const base = cBase + (id * inH + ih) * inW + iw0;
          if (inside) {
            for (let kw = 0; kw < kW; kw++) out[k++] = x[base + kw * dW]!;
          } else {
            for (let kw = 0; kw < kW; kw++) {
              const iw = iw0 + kw * dW;
              out[k++] = iw >= 0 && iw < inW ? x[base + kw * dW]! : 0;
            }
          }
        }
      }
    }
    if (++ow === outW) {
      ow = 0;
      if (++oh === outH) {
        oh = 0;
        od++;
      }
    }
  }
}

/**
 * The im2row of a 1×1, stride-1, unpadded convolution: columns `first ≤ n < end` of the `rows × cols`
 * matrix at `xOffset` (channels × positions), transposed into `out` (positions × channels).
 */
export function transposeColumns(
  x: Float32Array,
  xOffset: number,
  rows: number,
  cols: number,
  first: number,
  end: number,
  out: Float32Array,
): void {
  const tile = 32;
  for (let c0 = first; c0 < end; c0 += tile) {
    const c1 = Math.min(end, c0 + tile);
    for (let r = 0; r < rows; r++) {
      const src = xOffset + r * cols;
      for (let c = c0; c < c1; c++) out[(c - first) * rows + r] = x[src + c]!;
    }
  }
}

/**
 * Convolves one input plane with one `kD×kH×kW` filter (from `wOffset`) into one output plane (at
 * `outOffset`), adding `bias`. `acc` is float64 scratch of at least `outW` elements.
 */
export function depthwisePlane(
  x: Float32Array,
  xOffset: number,
  w: Float32Array,
  wOffset: number,
  bias: number,
  out: Float32Array,
  outOffset: number,
  g: Geometry3,
  acc: Float64Array,
): void {
  const { inD, inH, inW, outD, outH, outW, kD, kH, kW, sD, sH, sW, dD, dH, dW, pD, pH, pW } = g;
  let o = outOffset;
  for (let od = 0; od < outD; od++) {
    for (let oh = 0; oh < outH; oh++) {
      acc.fill(0, 0, outW);
      for (let kd = 0; kd < kD; kd++) {
        const id = od * sD - pD + kd * dD;
        if (id < 0 || id >= inD) continue;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH - pH + kh * dH;
          if (ih < 0 || ih >= inH) continue;
          const row = xOffset + (id * inH + ih) * inW;
          const wRow = wOffset + (kd * kH + kh) * kW;
          for (let kw = 0; kw < kW; kw++) {
            const wv = w[wRow + kw]!;
            const shift = kw * dW - pW;
            // Output columns whose input column ow·sW + shift lies inside the row.
            const lo = shift >= 0 ? 0 : Math.ceil(-shift / sW);
            const hi = Math.min(outW, Math.floor((inW - 1 - shift) / sW) + 1);
            let src = row + lo * sW + shift;
            for (let ow = lo; ow < hi; ow++, src += sW) acc[ow] = acc[ow]! + wv * x[src]!;
          }
        }
      }
      for (let ow = 0; ow < outW; ow++) out[o++] = acc[ow]! + bias;
    }
  }
}
