// Colour-blind-safe lookup tables, 256 RGB entries each (Uint8Array of 768 bytes):
// viridis (sequential, for magnitudes) and blue - light grey - orange (diverging, for signed
// values, the same ends as pages/kernel_lab/weight_colours.js). Values are always also written as numbers.

const VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
  "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"];
const DIVERGING = ["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fee0b6",
  "#fdb863", "#e08214", "#b35806"];

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function interpolate(stops) {
  const colours = stops.map(rgb);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i += 1) {
    const at = (i / 255) * (colours.length - 1);
    const lo = Math.min(Math.floor(at), colours.length - 2);
    const t = at - lo;
    for (let c = 0; c < 3; c += 1) {
      lut[i * 3 + c] = Math.round(colours[lo][c] + (colours[lo + 1][c] - colours[lo][c]) * t);
    }
  }
  return lut;
}

export const viridis = interpolate(VIRIDIS);
export const diverging = interpolate(DIVERGING);

/** For one quantized block (byte b means min + b/255 (max - min)): a 256-entry LUT from
 * byte to colour. Signed ranges use the diverging palette with zero at light grey. */
export function blockLut(min, max) {
  if (!(min < 0 && max > 0)) return viridis;
  const scale = Math.max(-min, max);
  const lut = new Uint8Array(256 * 3);
  for (let b = 0; b < 256; b += 1) {
    const value = min + (b / 255) * (max - min);
    const i = Math.round(((value / scale + 1) / 2) * 255);
    lut.set(diverging.subarray(i * 3, i * 3 + 3), b * 3);
  }
  return lut;
}

/** CSS colour of entry i (0..255) of a LUT. */
export function cssColour(lut, i) {
  const k = Math.max(0, Math.min(255, Math.round(i))) * 3;
  return `rgb(${lut[k]}, ${lut[k + 1]}, ${lut[k + 2]})`;
}

/** Dark or light text, whichever reads on entry i of a LUT. */
export function inkFor(lut, i) {
  const k = Math.max(0, Math.min(255, Math.round(i))) * 3;
  const luma = 0.2126 * lut[k] + 0.7152 * lut[k + 1] + 0.0722 * lut[k + 2];
  return luma > 140 ? "#111" : "#fff";
}

/** A horizontal legend strip of a LUT, drawn into a canvas. */
export function drawLegend(canvas, lut) {
  canvas.width = 256;
  canvas.height = 1;
  const image = new ImageData(256, 1);
  for (let i = 0; i < 256; i += 1) {
    image.data.set([lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2], 255], i * 4);
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}
