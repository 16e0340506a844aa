// A run's notes are written from their type and values, and read as the server's English
// (server/training/data.py) under node, where i18n.js answers in English.

import assert from "node:assert/strict";
import { test } from "node:test";

import { noteTexts } from "../static/js/pages/training/notes_text.js";

test("each typed note reads as the server's English", () => {
  const notes = [
    "grayscale images are repeated into 3 channels for the RGB network",
    "28x28 images are zero-padded to 32x32 (as LeNet-5 did with MNIST)",
    "28x28 images are resized to 56x56",
    "colour images are converted to grayscale for the 1-channel network",
  ];
  const details = [
    { text: notes[0], type: "grey_to_rgb", ctx: {} },
    { text: notes[1], type: "images_padded", ctx: { size: "28x28", to: "32x32" } },
    { text: notes[2], type: "images_resized", ctx: { size: "28x28", to: "56x56" } },
    { text: notes[3], type: "rgb_to_grey", ctx: {} },
  ];
  assert.deepEqual(noteTexts(notes, details), notes);
});

test("a note without a type, or from an older server, shows as sent", () => {
  const notes = ["training on the first 100 of the train scenes", "9x9 images are resized to 28x28"];
  assert.deepEqual(noteTexts(notes, [{ text: notes[0], type: null, ctx: {} }]), notes);
  assert.deepEqual(noteTexts(notes), notes);
});

test("a detection run's notes read as the server's English", () => {
  const notes = [
    "scored after each epoch by mAP@0.5 on the 200 held-out test scenes (digits training never saw); validation_split is not used",
    "scored after each epoch by mAP@0.5 on the 4 held-out pictures of 'Shapes' training never sees; validation_split is not used",
    "training on the first 100 of the train scenes",
  ];
  const details = [
    { text: notes[0], type: "detection_scored_scenes", ctx: { count: 200 } },
    { text: notes[1], type: "detection_scored_pictures", ctx: { count: 4, dataset: "'Shapes'" } },
    { text: notes[2], type: "detection_first_scenes", ctx: { count: 100 } },
  ];
  assert.deepEqual(noteTexts(notes, details), notes);
});
