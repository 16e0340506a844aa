// The model store and prediction calls of the Classify page (GET /api/models,
// GET /api/models/{id}, POST /api/models/{id}/predict). Errors are ApiError with the
// server's {loc, msg, type} list, as everywhere else.

import { ApiError } from "../../api.js";

async function request(url, options = {}) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, [{ loc: [], msg: `the server cannot be reached (${err.message})`,
      type: "network" }]);
  }
  if (!response.ok) {
    let detail = null;
    try {
      detail = (await response.json()).detail;
    } catch {
      detail = null;
    }
    if (typeof detail === "string") detail = [{ loc: [], msg: detail, type: "http_error" }];
    throw new ApiError(response.status, detail);
  }
  return response.json();
}

const path = (id) => `/api/models/${encodeURIComponent(id)}`;

export function listModels() {
  return request("/api/models");
}

export function getModel(id) {
  return request(path(id));
}

/** The query the page sends (also shown in the curl snippet). */
export function predictQuery(topK, full = true) {
  return `top_k=${topK}${full ? "&explain=true&activations=true" : ""}`;
}

export function predictUrl(id, topK, full = true) {
  return `${path(id)}/predict?${predictQuery(topK, full)}`;
}

/** Classify one image (a Blob or File); `signal` aborts a request that a newer one
 * replaces. Resolves to the prediction answer with explanation and activations. */
export function predict(id, blob, filename, topK, signal) {
  const form = new FormData();
  form.append("file", blob, filename);
  return request(predictUrl(id, topK), { method: "POST", body: form, signal });
}

/** Test images of a dataset as PNG data URLs (GET /api/datasets/{name}/samples). */
export function testImages(dataset, n, seed) {
  return request(`/api/datasets/${encodeURIComponent(dataset)}/samples?split=test&n=${n}`
    + `&seed=${seed}`);
}

/** A data: URL (the test images) as a Blob to upload. */
export async function dataUrlBlob(url) {
  return (await fetch(url)).blob();
}
