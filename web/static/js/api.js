// Every HTTP call the pages make. Errors become ApiError with the server's detail list
// ({loc, msg, type, ctx}), so one renderer can place each message next to its control. Each
// msg is in the page's language (error_messages.js); `english` keeps the server's own.

import { localMessage } from "./error_messages.js";

export class ApiError extends Error {
  constructor(status, detail) {
    const given = Array.isArray(detail) && detail.length ? detail
      : [{ loc: [], msg: `request failed (HTTP ${status})`, type: "http_error",
        ctx: { status } }];
    const list = given.map((d) => ({ ...d, english: d.msg, msg: localMessage(d) ?? d.msg }));
    super(list.map((d) => d.msg).join("; "));
    this.status = status;
    this.detail = list;
  }
}

async function failure(response) {
  let detail = null;
  try {
    detail = (await response.json()).detail;
  } catch {
    // not JSON (a proxy's error page): ApiError says "request failed (HTTP n)"
  }
  if (typeof detail === "string") {
    detail = [{ loc: [], msg: detail, type: "http_error", ctx: { status: response.status } }];
  }
  return new ApiError(response.status, detail);
}

export async function request(url, options = {}) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    if (err.name === "AbortError") throw err; // a newer request replaced this one
    throw new ApiError(0, [{ loc: [], msg: `the server cannot be reached (${err.message})`,
      type: "network" }]);
  }
  if (!response.ok) throw await failure(response);
  return response;
}

export async function getJson(url) {
  return (await request(url)).json();
}

export async function postJson(url, body) {
  const response = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

export function listKernels() {
  return getJson("/api/kernels");
}

/** The Kernel Lab's choices and limits (modes, padding, channels, outputs, max_steps...). */
export function getKernelVocabulary() {
  return getJson("/api/kernels/vocabulary");
}

export function listSamples() {
  return getJson("/api/samples");
}

export function imageUrl(source) {
  return source.sample ? `/api/samples/${encodeURIComponent(source.sample)}`
    : `/api/images/${encodeURIComponent(source.image_id)}`;
}

/** POST a FormData with upload progress: onProgress(fraction) while the bytes go out. XHR:
 * fetch has no upload progress. Resolves to the JSON answer of a 2xx; else an ApiError. */
export function upload(url, form, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(new ApiError(xhr.status, xhr.response && xhr.response.detail));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, [
      { loc: ["file"], msg: "the upload failed: the server cannot be reached", type: "network" }])));
    xhr.send(form);
  });
}

/** Upload a photo; onProgress(fraction) while the bytes go out. Resolves to {image_id,
 * width, height, channels, format, notes}. */
export function uploadImage(file, onProgress) {
  const form = new FormData();
  form.append("file", file);
  return upload("/api/images", form, onProgress);
}

function sourceForm(source, spec, format) {
  const form = new FormData();
  if (source.sample) form.append("sample", source.sample);
  else form.append("image_id", source.image_id);
  form.append("spec", JSON.stringify(spec));
  form.append("format", format);
  return form;
}

/** The filtered image as a PNG Blob (the Download PNG link). */
export async function applyPng(source, spec) {
  const response = await request("/api/kernels/apply", {
    method: "POST", body: sourceForm(source, spec, "png"),
  });
  return response.blob();
}

export function explainPixel(source, spec, x, y, previewMaxSide) {
  return postJson("/api/kernels/explain", {
    source, spec, x, y, preview_max_side: previewMaxSide || null,
  });
}

export function runMatrix(body) {
  return postJson("/api/matrix", body);
}

// The Network Builder.

export function listLayers() {
  return getJson("/api/layers");
}

export function listPresets() {
  return getJson("/api/presets");
}

export function getPreset(id) {
  return getJson(`/api/presets/${encodeURIComponent(id)}`);
}

/** Shapes, counts and totals of a spec. A 422 rejects with an ApiError whose `summary`
 * keeps the rest of the body: the rows the server could compute (null when none). */
export async function summarizeNetwork(spec) {
  let response;
  try {
    response = await fetch("/api/networks/summary", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(spec),
    });
  } catch (err) {
    throw new ApiError(0, [{ loc: [], msg: `the server cannot be reached (${err.message})`,
      type: "network" }]);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the error below says "request failed (HTTP n)"
  }
  if (response.ok) return body;
  const error = new ApiError(response.status, body && body.detail);
  error.summary = body && Array.isArray(body.layers) ? body : null;
  throw error;
}

/** Runnable PyTorch source (text) for a spec; `name` goes into its docstring. */
export async function exportPytorch(spec, name) {
  const response = await request(`/api/networks/export?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  return response.text();
}

// The Training page.

/** A JSON body sent with `method` (PUT, PATCH, ...); resolves to the JSON answer. */
export async function sendJson(method, url, body) {
  const response = await request(url, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

/** The OpenAPI document: the training form takes its defaults and bounds from it. */
export function getOpenApi() {
  return getJson("/openapi.json");
}

export function listDatasets() {
  return getJson("/api/datasets");
}

export function datasetSamples(name, n = 12, seed = 0) {
  return getJson(`/api/datasets/${encodeURIComponent(name)}/samples?n=${n}&seed=${seed}`);
}

/** POST /api/runs {network, dataset, training}; resolves to {id, status}. */
export function startRun(body) {
  return postJson("/api/runs", body);
}

export function listRuns() {
  return getJson("/api/runs");
}

export function getRun(id) {
  return getJson(`/api/runs/${encodeURIComponent(id)}`);
}

/** GET /api/runs/compare: 2 to 6 runs side by side; room: one you teach (its class's runs
 * too); signal aborts a request that a newer one replaces. */
export async function compareRuns(ids, room = null, signal = undefined) {
  const query = `ids=${ids.map(encodeURIComponent).join(",")}${
    room ? `&room=${encodeURIComponent(room)}` : ""}`;
  return (await request(`/api/runs/compare?${query}`, { signal })).json();
}

/** action: "pause" | "resume" | "step" | "stop". */
export function controlRun(id, action) {
  return sendJson("POST", `/api/runs/${encodeURIComponent(id)}/${action}`, {});
}

export function setLearningRate(id, learningRate) {
  return sendJson("PATCH", `/api/runs/${encodeURIComponent(id)}`, { learning_rate: learningRate });
}

// Models and predictions (the Classroom and Classify pages).

const modelPath = (id) => `/api/models/${encodeURIComponent(id)}`;

/** {models: [...]}: yours and the public ones, each with `yours` and `visibility`. */
export function listModels() {
  return getJson("/api/models");
}

/** A model's listing plus manifest, spec and layer summary. */
export function getModel(id) {
  return getJson(modelPath(id));
}

/** The query the Classify page sends (also shown in its curl snippet). */
export function predictQuery(topK, full = true) {
  return `top_k=${topK}${full ? "&explain=true&activations=true" : ""}`;
}

export function predictUrl(id, topK, full = true) {
  return `${modelPath(id)}/predict?${predictQuery(topK, full)}`;
}

/** Classify one image (a Blob or File); `signal` aborts a request that a newer one
 * replaces. Resolves to the prediction answer with explanation and activations. */
export async function predict(id, blob, filename, topK, signal) {
  const form = new FormData();
  form.append("file", blob, filename);
  return (await request(predictUrl(id, topK), { method: "POST", body: form, signal })).json();
}

/** Test images of a dataset as PNG data URLs (GET /api/datasets/{name}/samples). */
export function testImages(dataset, n, seed) {
  return getJson(`/api/datasets/${encodeURIComponent(dataset)}/samples?split=test&n=${n}`
    + `&seed=${seed}`);
}

/** A data: URL (the test images) as a Blob to upload. */
export async function dataUrlBlob(url) {
  return (await fetch(url)).blob();
}
