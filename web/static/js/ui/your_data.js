// The footer's "Your data" panel: delete everything this session made, after a confirm
// step (DELETE /api/sessions/me). Works with the keyboard alone: the confirm step takes the
// focus, Cancel and Escape give it back to the delete button.

import { request } from "../api.js";

const NAMES = {
  runs: ["run", "runs"], run_summaries: ["run summary", "run summaries"],
  uploads: ["upload", "uploads"], models: ["model", "models"],
  datasets: ["dataset", "datasets"], rooms: ["room", "rooms"],
};

/** "2 runs, 1 model and 0 uploads" from {runs: 2, models: 1, uploads: 0}. */
export function describeDeleted(counts) {
  const parts = Object.entries(NAMES).filter(([key]) => key in counts)
    .map(([key, [one, many]]) => `${counts[key]} ${counts[key] === 1 ? one : many}`);
  if (parts.length < 2) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

async function deleteEverything() {
  let deleted;
  try {
    deleted = (await (await request("/api/sessions/me", { method: "DELETE" })).json()).deleted;
  } catch (err) { // ApiError: the server's reasons, or "the server cannot be reached"
    return `Nothing was deleted: ${err.message}`;
  }
  document.dispatchEvent(new CustomEvent("session-data-deleted", { detail: deleted }));
  return `Deleted ${describeDeleted(deleted)}. Reload a page to see it empty.`;
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
    status.textContent = "Deleting…";
    status.textContent = await deleteEverything();
    yes.disabled = false;
    no.disabled = false;
    close();
  });
}

start();
