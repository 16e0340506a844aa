// body[data-state]: what the page is doing, for tests and styles: "busy" while loading or
// starting, "error" while an error is shown (or the run failed), else the run's state:
// "training" (queued or running), "paused", "finished" (finished or stopped) or "idle".
// body[data-run-status] keeps the run's exact status.

import { t } from "../../i18n.js";

const RUN_STATES = {
  queued: "training", running: "training", paused: "paused",
  finished: "finished", stopped: "finished", failed: "error",
};

const flags = { booting: true, starting: false, error: false };
let runStatus = null;

function update() {
  let state = "idle";
  if (flags.error) state = "error";
  else if (flags.booting || flags.starting) state = "busy";
  else if (runStatus) state = RUN_STATES[runStatus] || "idle";
  document.body.dataset.state = state;
  if (runStatus) document.body.dataset.runStatus = runStatus;
  else delete document.body.dataset.runStatus;
}

/** name: "booting" | "starting" | "error". */
export function setFlag(name, value) {
  flags[name] = Boolean(value);
  update();
}

export function setRunStatus(status) {
  runStatus = status;
  update();
}

/** Run a page's start-up, then leave "busy"; a failure is said in #boot-error. */
export async function bootPage(start) {
  try {
    await start();
    setFlag("booting", false);
  } catch (err) {
    const node = document.getElementById("boot-error");
    node.hidden = false;
    node.textContent = t("The page could not load: {error}", { error: err.message });
    setFlag("error", true);
  }
}
