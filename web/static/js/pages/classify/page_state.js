// body[data-state]: what the Classify page is doing, for tests and styles: "busy" while it
// loads, while a drawing waits for its classification or while a request is out, "error"
// while an error is shown, else "idle". body[data-classified] counts the answers shown
// (results and errors), so a test can wait for the next one.

const flags = { booting: true, pending: false, predicting: false, error: false };
let answers = 0;

function update() {
  let state = "idle";
  if (flags.booting || flags.pending || flags.predicting) state = "busy";
  else if (flags.error) state = "error";
  document.body.dataset.state = state;
  document.body.dataset.classified = String(answers);
}

/** name: "booting" | "pending" | "predicting" | "error". */
export function setFlag(name, value) {
  flags[name] = Boolean(value);
  update();
}

/** A result or an error is on the page. */
export function answered() {
  answers += 1;
  update();
}
