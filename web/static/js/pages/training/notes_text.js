// A run's notes (how its data was fitted to the network) in the page's language, written
// from the type and values the server sends beside each English note (note_details:
// server/training/notes.py). Pure: no DOM.

import { t, tx } from "../../i18n.js";

/** type -> (ctx) => the note; the English is the server's, word for word. */
export const NOTES = {
  grey_to_rgb: () => t("grayscale images are repeated into 3 channels for the RGB network"),
  rgb_to_grey: () => t("colour images are converted to grayscale for the 1-channel network"),
  images_padded: (c) => t("{size} images are zero-padded to {to} (as LeNet-5 did with MNIST)", c),
  images_resized: (c) => t("{size} images are resized to {to}", c),
  // a detection run (server/training/detection_session.py)
  detection_scored_scenes: (c) => t("scored after each epoch by mAP@0.5 on the {count} held-out test scenes (digits training never saw); validation_split is not used", c),
  detection_scored_pictures: (c) => t("scored after each epoch by mAP@0.5 on the {count} held-out pictures of {dataset} training never sees; validation_split is not used", c),
  detection_first_scenes: (c) => t("training on the first {count} of the train scenes", c),
};

/** notes: the English texts; details: [{text, type, ctx}] in the same order (absent from
 * older servers: then each text as the catalogue has it, else as sent). */
export function noteTexts(notes, details = []) {
  return notes.map((text, i) => {
    const detail = details[i];
    const render = detail && detail.text === text && NOTES[detail.type];
    return render ? render(detail.ctx || {}) : tx(text);
  });
}
