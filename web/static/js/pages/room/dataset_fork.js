// The dataset a student forked from a room, remembered in this browser (localStorage, per
// room and shown dataset) so that the room page still offers "Add your pictures" and
// "Train on this" after a reload; a fork deleted since is forgotten.

import { getDataset } from "../../api_datasets.js";

const PREFIX = "cnnpg.room.fork."; // + <room code>.<shown dataset id>

function key(code, sourceId) {
  return `${PREFIX}${code}.${sourceId}`;
}

/** copy: the fork answer ({dataset_id, name, datasets_url, train_url, ...}). */
export function rememberFork(code, sourceId, copy) {
  try {
    localStorage.setItem(key(code, sourceId), JSON.stringify(copy));
  } catch {
    // not kept: after a reload the page offers to fork again
  }
}

function forget(code, sourceId) {
  try {
    localStorage.removeItem(key(code, sourceId));
  } catch {
    // nothing was kept
  }
}

/** The fork of that dataset made from this room, if it still exists; else null. */
export async function recallFork(code, sourceId) {
  let copy;
  try {
    copy = JSON.parse(localStorage.getItem(key(code, sourceId)) || "null");
  } catch {
    return null;
  }
  if (!copy || typeof copy.dataset_id !== "string") return null;
  try {
    const now = await getDataset(copy.dataset_id);
    const total = Object.values(now.counts).reduce((sum, n) => sum + n, 0);
    return { ...copy, name: now.name, classes: now.classes.map((c) => c.name), total };
  } catch (err) {
    if (err.status === 404) forget(code, sourceId);
    return null;
  }
}
