// document.body.dataset.state: "error" while any part of the page shows an error, else
// "busy" while anything is pending, else "idle". Tests (and screen readers, through the
// status line) wait on it.

const pending = new Set();
const failed = new Set();

function update() {
  let state = "idle";
  if (failed.size) state = "error";
  else if (pending.size) state = "busy";
  document.body.dataset.state = state;
}

export function begin(part) {
  pending.add(part);
  update();
}

/** The part is done; ok=false keeps the page in the error state until it succeeds. */
export function end(part, ok = true) {
  pending.delete(part);
  if (ok) failed.delete(part);
  else failed.add(part);
  update();
}

export function clearError(part) {
  failed.delete(part);
  update();
}
