// "Call it from code": the REST call for the chosen model as a curl command, with a copy
// button (the clipboard API, or selecting the text where that is not allowed).

import { byId } from "../../ui/dom.js";
import { predictUrl } from "../../api.js";

const SAFE_NAME = /^[\w.-]+$/;

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
    this.code.textContent = `# Classify ${file} with "${model.name}"; add\n`
      + "# &explain=true&activations=true for the saliency map and the layers\n"
      + `curl -F "file=@${file}" \\\n"${url}"`;
    this.status.textContent = "";
  }

  async copy() {
    const text = this.code.textContent;
    try {
      await navigator.clipboard.writeText(text);
      this.status.textContent = "Copied.";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(this.code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      this.status.textContent = "Selected: press Ctrl+C (\u2318C) to copy.";
    }
  }
}
