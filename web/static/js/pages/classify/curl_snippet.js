// "Call it from code": the REST call for the chosen model as a curl command, with a copy
// button (the clipboard API, or selecting the text where that is not allowed).

import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { predictUrl } from "../../api.js";

const SAFE_NAME = /^[\w.-]+$/;

/** A shell comment over two lines: broken before the first "&" (the query to add). */
function commentLines(text) {
  const at = text.indexOf(" &explain=");
  return at < 0 ? text : `${text.slice(0, at)}\n# ${text.slice(at + 1)}`;
}

export class CurlSnippet {
  constructor() {
    this.code = byId("curl-snippet");
    this.status = byId("curl-status");
    byId("curl-copy").addEventListener("click", () => this.copy());
  }

  update(model, topK, filename) {
    if (!model) {
      this.code.textContent = "";
      return;
    }
    const file = filename && SAFE_NAME.test(filename) ? filename : "image.png";
    const url = `${window.location.origin}${predictUrl(model.id, topK, false)}`;
    const comment = t("Classify {file} with \"{model}\"; add &explain=true&activations=true for the saliency map and the layers", { file, model: model.name });
    this.code.textContent = `# ${commentLines(comment)}\n`
      + `curl -F "file=@${file}" \\\n"${url}"`;
    this.status.textContent = "";
  }

  async copy() {
    const text = this.code.textContent;
    try {
      await navigator.clipboard.writeText(text);
      this.status.textContent = t("Copied.");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(this.code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      this.status.textContent = t("Selected: press Ctrl+C (\u2318C) to copy.");
    }
  }
}
