// The Datasets page's HTTP calls (your own datasets), on api.js's request helpers.
// Answers: see server/api/routes/user_datasets.py and docs/api.md.

import { getJson, postJson, request, upload } from "./api.js";

const datasetPath = (id, rest = "") => `/api/datasets/${encodeURIComponent(id)}${rest}`;

/** spec: {name, classes?, size, channels, fit}; resolves to the add answer (id, counts...). */
export function createDataset(spec) {
  return postJson("/api/datasets", spec);
}

/** Import a zip of class folders; fields: {name, size, channels, fit}. Resolves to {id,
 * name, classes, counts, stored, skipped: [{file, reason}]}. */
export function importDatasetZip(file, fields, onProgress) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, String(value));
  form.append("file", file);
  return upload("/api/datasets", form, onProgress);
}

/** {id, name, size, channels, fit, classes: [{name, count, thumbnails: [{image_id, png}]}],
 * counts, total}. */
export function getDataset(id) {
  return getJson(datasetPath(id));
}

export function addDatasetClass(id, name) {
  return postJson(datasetPath(id, "/classes"), { name });
}

/** Add pictures (Files or Blobs with names) to a class; same answer as an import. */
export function addDatasetImages(id, label, files, onProgress) {
  const form = new FormData();
  form.append("label", label);
  for (const file of files) form.append("files", file, file.name || "picture.png");
  return upload(datasetPath(id, "/images"), form, onProgress);
}

async function sendDelete(url) {
  return (await request(url, { method: "DELETE" })).json();
}

export function deleteDataset(id) {
  return sendDelete(datasetPath(id));
}

export function deleteDatasetClass(id, name) {
  return sendDelete(datasetPath(id, `/classes/${encodeURIComponent(name)}`));
}

export function deleteDatasetImage(id, imageId) {
  return sendDelete(datasetPath(id, `/images/${encodeURIComponent(imageId)}`));
}

export function datasetExportUrl(id) {
  return datasetPath(id, "/export");
}
