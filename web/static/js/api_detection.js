// The Detection Lab's HTTP calls: the maths endpoints and mnist-detect scenes.

import { getJson, postJson } from "./api.js";

/** One scene of mnist-detect or of a detection dataset of yours: image, objects, grid,
 * label grid and proposals. */
export function getScene(split, index, dataset = "mnist-detect") {
  const path = `/api/detection/scenes/${encodeURIComponent(split)}/${encodeURIComponent(index)}`;
  return getJson(`${path}?dataset=${encodeURIComponent(dataset)}`);
}

/** {iou, intersection, union, intersection_box, text} for two xywh boxes. */
export function computeIoU(a, b) {
  return postJson("/api/detection/iou", { a, b, format: "xywh" });
}

/** {keep, dropped, steps} for boxes, scores and classes (xywh). */
export function suppress(body) {
  return postJson("/api/detection/nms", { format: "xywh", ...body });
}
