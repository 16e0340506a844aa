// The footer's "Your data" panel: delete everything this session made, after a confirm
// step (DELETE /api/sessions/me). Works with the keyboard alone: the confirm step takes the
// focus, Cancel and Escape give it back to the delete button.

import { request } from "../api.js";
import { lang, t, tn } from "../i18n.js";

const NAMES = {
  runs: (n) => tn("{n} run", "{n} runs", n),
  run_summaries: (n) => tn("{n} run summary", "{n} run summaries", n),
  uploads: (n) => tn("{n} upload", "{n} uploads", n),
  models: (n) => tn("{n} model", "{n} models", n),
  datasets: (n) => tn("{n} dataset", "{n} datasets", n),
  rooms: (n) => tn("{n} room", "{n} rooms", n),
};

/** "2 runs, 1 model, and 0 uploads" from {runs: 2, models: 1, uploads: 0} (the list in
 * the page's language). */
export function describeDeleted(counts) {
  const parts = Object.entries(NAMES).filter(([key]) => key in counts)
    .map(([key, name]) => name(counts[key]));
  return new Intl.ListFormat(lang, { style: "long", type: "conjunction" }).format(parts);
}

async function deleteEverything() {
  let deleted;
  try {
    deleted = (await (await request("/api/sessions/me", { method: "DELETE" })).json()).deleted;
  } catch (err) { // ApiError: the server's reasons, or "the server cannot be reached"
    return t("Nothing was deleted: {error}", { error: err.message });
  }
  document.dispatchEvent(new CustomEvent("session-data-deleted", { detail: deleted }));
  return t("Deleted {what}. Reload a page to see it empty.", { what: describeDeleted(deleted) });
}

function start() {
  const ask = document.getElementById("your-data-delete");
  const confirm = document.getElementById("your-data-confirm");
  const yes = document.getElementById("your-data-yes");
  const no = document.getElementById("your-data-no");
  const status = document.getElementById("your-data-status");
  if (!ask || !confirm || !yes || !no || !status) return;
  const close = () => {
    confirm.hidden = true;
    ask.hidden = false;
    ask.focus();
  };
  ask.addEventListener("click", () => {
    status.textContent = "";
    ask.hidden = true;
    confirm.hidden = false;
    no.focus(); // the safe choice first
  });
  no.addEventListener("click", close);
  confirm.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    no.disabled = true;
    status.textContent = t("Deleting…");
    status.textContent = await deleteEverything();
    yes.disabled = false;
    no.disabled = false;
    close();
  });
}

start();
