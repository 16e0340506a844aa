// An inline confirm step for a delete: the question and Yes / Cancel take the place of the
// button; the focus goes to Cancel (the safe choice), and Cancel or Escape give it back.

import { t } from "../../i18n.js";
import { h } from "../../ui/dom.js";

export function confirmStep(button, question, onYes) {
  const id = `confirm-${Math.random().toString(36).slice(2, 9)}`;
  const no = h("button", { type: "button" }, t("Cancel"));
  const yes = h("button", { type: "button", class: "danger" }, t("Yes, delete"));
  const box = h("div", { class: "confirm-step", role: "group", "aria-labelledby": id },
    h("p", { id }, question), yes, " ", no);
  const close = () => {
    box.remove();
    button.hidden = false;
    button.focus();
  };
  no.addEventListener("click", close);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  yes.addEventListener("click", () => {
    box.remove();
    button.hidden = false;
    onYes();
  });
  button.hidden = true;
  button.after(box);
  no.focus();
}
