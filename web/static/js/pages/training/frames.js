// The blocks of an activations/filters frame (docs/protocol.md): the header lists them,
// the binary frame carries their uint8 data, quantized over each block's own min..max.

/** header + the frame's data bytes -> [{index, layer, shape, min, max, bytes}]. Blocks whose
 * bytes fall outside the frame, or whose length does not match their shape, are dropped. */
export function decodeBlocks(header, data) {
  const out = [];
  for (const block of header.blocks || []) {
    const count = block.shape.reduce((a, b) => a * b, 1);
    const end = block.offset + block.length;
    if (block.length !== count || end > data.length) continue;
    out.push({ index: block.index, layer: block.layer, shape: block.shape, min: block.min,
      max: block.max, bytes: data.subarray(block.offset, end) });
  }
  return out;
}

/** The real value a byte stands for in a block. */
export function dequantize(block, byte) {
  return block.min + (byte / 255) * (block.max - block.min);
}

/** Paint a w x h plane of `bytes` (from index `start`) into an ImageData at (x0, y0),
 * each byte through a 256-entry RGB LUT. */
export function paintTile(image, x0, y0, w, h, bytes, start, lut) {
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const b = bytes[start + y * w + x] * 3;
      const k = ((y0 + y) * image.width + x0 + x) * 4;
      image.data[k] = lut[b];
      image.data[k + 1] = lut[b + 1];
      image.data[k + 2] = lut[b + 2];
      image.data[k + 3] = 255;
    }
  }
}

/** The same for three planes (red, green, blue) that follow each other from `start`. */
export function paintRgbTile(image, x0, y0, w, h, bytes, start) {
  const plane = w * h;
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const i = start + y * w + x;
      const k = ((y0 + y) * image.width + x0 + x) * 4;
      image.data[k] = bytes[i];
      image.data[k + 1] = bytes[i + plane];
      image.data[k + 2] = bytes[i + 2 * plane];
      image.data[k + 3] = 255;
    }
  }
}

/** Columns and rows for `count` tiles, roughly square but at most `maxColumns` wide. */
export function gridFor(count, maxColumns) {
  const columns = Math.max(1, Math.min(count, maxColumns, Math.ceil(Math.sqrt(count * 1.6))));
  return { columns, rows: Math.ceil(count / columns) };
}

/** A canvas of the given size, filled with the page's gutter colour. */
export function blankImage(width, height) {
  const image = new ImageData(width, height);
  image.data.fill(255);
  return image;
}
