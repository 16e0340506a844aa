// Copy this page's address (a link that rebuilds what it shows); where the clipboard is
// refused (a page not served over https or localhost), show it selected in `field`.

import { t } from "../i18n.js";

export async function copyLink(field, copied) {
  field.value = location.href;
  field.hidden = false;
  try {
    await navigator.clipboard.writeText(location.href);
    return copied;
  } catch {
    field.focus();
    field.select();
    return t("The clipboard is not available here: copy the selected link with Ctrl+C.");
  }
}
