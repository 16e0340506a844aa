// Pictures for a class: the files of a drop (folders included, read through the entries
// API), and adding them in batches so a big folder shows its progress.

import { addDatasetImages } from "../../api_datasets.js";
import { tn } from "../../i18n.js";

export const BATCH = 50; // pictures per POST .../images (the server takes up to 1000)

function readAll(reader) {
  return new Promise((resolve, reject) => {
    const entries = [];
    const next = () => reader.readEntries((batch) => {
      if (!batch.length) resolve(entries);
      else {
        entries.push(...batch);
        next(); // readEntries answers at most 100 at a time
      }
    }, reject);
    next();
  });
}

async function entryFiles(entry) {
  if (entry.isFile) return [await new Promise((resolve, reject) => entry.file(resolve, reject))];
  if (!entry.isDirectory) return [];
  const children = await readAll(entry.createReader());
  return (await Promise.all(children.map(entryFiles))).flat();
}

/** The files of a drop: plain files, and the files inside dropped folders. */
export async function droppedFiles(dataTransfer) {
  const items = [...(dataTransfer.items || [])].filter((item) => item.kind === "file");
  const entries = items.map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry());
  if (!entries.length || entries.some((e) => !e)) return [...dataTransfer.files];
  return (await Promise.all(entries.map(entryFiles))).flat();
}

/** Add files to a class in batches; onProgress(done, total) after each byte of progress.
 * Resolves to {stored, skipped: [{file, reason}], counts} summed over the batches. */
export async function addInBatches(datasetId, label, files, onProgress) {
  const total = { stored: 0, skipped: [], counts: null };
  for (let start = 0; start < files.length; start += BATCH) {
    const batch = files.slice(start, start + BATCH);
    const answer = await addDatasetImages(datasetId, label, batch,
      (fraction) => onProgress(start + fraction * batch.length, files.length));
    total.stored += answer.stored;
    total.skipped.push(...answer.skipped);
    total.counts = answer.counts;
    onProgress(start + batch.length, files.length);
  }
  return total;
}

/** "Added 3 pictures" / "Added 3 pictures; skipped 1" (the reasons are listed apart). */
export function addedText(stored, skipped) {
  if (!skipped) return tn("Added {n} picture.", "Added {n} pictures.", stored);
  return tn("Added {n} picture; skipped {skipped}.", "Added {n} pictures; skipped {skipped}.",
    stored, { skipped });
}
