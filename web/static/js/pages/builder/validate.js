// Every edit is checked by the server: requests are debounced, and a response that
// arrives after a newer edit is dropped. The page is "busy" from the edit to the answer,
// then "error" while the spec is invalid, else "idle".

import { summarizeNetwork } from "../../api.js";
import * as status from "../../ui/status.js";

export const DEBOUNCE_MS = 250;
const PART = "network";

export class Validator {
  /** onResult({ok, summary, detail}): summary may be null (nothing could be computed). */
  constructor(onResult) {
    this.onResult = onResult;
    this.sequence = 0;
    this.timer = null;
  }

  schedule(spec) {
    this.sequence += 1;
    const mine = this.sequence;
    clearTimeout(this.timer);
    status.clearError(PART);
    status.begin(PART);
    this.timer = setTimeout(() => this.send(spec, mine), DEBOUNCE_MS);
  }

  /** Nothing to check (an empty stack): forget pending requests, leave the error state. */
  cancel() {
    this.sequence += 1;
    clearTimeout(this.timer);
    status.end(PART, true);
  }

  async send(spec, mine) {
    let result;
    try {
      result = { ok: true, summary: await summarizeNetwork(spec), detail: [], spec };
    } catch (err) {
      if (!err.detail) throw err;
      result = { ok: false, summary: err.summary || null, detail: err.detail, spec };
    }
    if (mine !== this.sequence) return;
    this.onResult(result);
    status.end(PART, result.ok);
  }
}
