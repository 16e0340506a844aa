// The Classify page: choose a stored model, give it an image (drawn, a file or a test
// image), and see its top-k answer, the input it saw, a saliency map and every layer's
// output (POST /api/models/{id}/predict?explain=true&activations=true).

import { localMessage } from "../../error_messages.js";
import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { FieldErrors } from "../../ui/field_errors.js";
import { ActivationsView } from "./activations_view.js";
import { CurlSnippet } from "./curl_snippet.js";
import { DrawPad } from "./draw_pad.js";
import { FileInput, TestImages } from "./image_inputs.js";
import { LiveWebcam } from "./live_webcam.js";
import { ModelPicker } from "./model_picker.js";
import { listModels, predict } from "../../api.js";
import { answered, setFlag } from "./page_state.js";
import { PredictionView } from "./prediction_view.js";
import { SeenView } from "./seen_view.js";

const DEBOUNCE_MS = 350; // after a stroke ends: a second stroke (a 7's bar) cancels it
const TOP_K = 5;

// Where each kind of image shows its errors (the data-loc of its field).
const ERROR_AT = { drawing: "drawing", file: "file", sample: "samples", webcam: "webcam" };
const STATUS_AT = { drawing: "draw-status", file: "file-status", sample: "file-status" };

/** "mnist-test-7.png" -> "mnist test 7", said in the page's language. */
function sampleName(name) {
  const found = /^(.*)-test-(\d+)\.png$/.exec(name);
  return found ? t("{dataset} test {index}", { dataset: found[1], index: found[2] })
    : name.replace(/\.png$/, "").replaceAll("-", " ");
}

class ClassifyPage {
  constructor(models) {
    this.errors = new FieldErrors(byId("classify"));
    this.prediction = new PredictionView();
    this.seen = new SeenView();
    this.activations = new ActivationsView();
    this.curl = new CurlSnippet();
    this.model = null;
    this.source = null; // {kind, blob, name, what, truth?}: the image classified last
    this.timer = null;
    this.controller = null;
    this.pad = new DrawPad(byId("draw-canvas"), byId("draw-clear"), {
      onStart: () => this.cancelPending(),
      onStroke: () => this.strokeEnded(),
      onClear: () => this.cleared(),
    });
    this.files = new FileInput((file) => {
      this.use({ kind: "file", blob: file, name: file.name, what: file.name });
      this.files.reset();
    });
    this.tests = new TestImages((blob, name, truth) => this.use({ kind: "sample", blob, name,
      truth, what: sampleName(name) }));
    this.webcam = new LiveWebcam({ toggle: byId("webcam-toggle"), video: byId("webcam-video"),
      status: byId("webcam-status"), fps: byId("webcam-fps") }, {
      model: () => this.model,
      topK: () => this.topK,
      onClear: () => {
        this.errors.clear();
        setFlag("error", false);
      },
      onStart: () => this.liveStarted(),
      onResult: (answer) => this.liveResult(answer),
      onError: (detail, status) => this.fail({ status, detail }, { kind: "webcam" }),
      onStop: () => byId("prediction-summary").setAttribute("aria-live", "polite"),
    });
    this.picker = new ModelPicker(models, (model) => this.modelChanged(model));
    if (!this.model) this.noModel();
  }

  get topK() {
    const classes = (this.model && this.model.classes) || [];
    return Math.max(1, Math.min(TOP_K, classes.length || TOP_K));
  }

  get drawable() {
    const shape = this.model && this.model.input_shape;
    return Array.isArray(shape) && shape[0] === 1;
  }

  noModel() {
    byId("file-input").disabled = true;
    byId("draw-block").hidden = true;
    byId("curl-copy").disabled = true;
    this.prediction.reset(t("There is no usable model to classify with."));
  }

  modelChanged(model) {
    this.model = model;
    document.body.dataset.model = model.id;
    byId("draw-block").hidden = !this.drawable;
    byId("draw-unavailable").hidden = this.drawable;
    this.tests.show(model);
    if (this.source && this.source.kind === "drawing" && !this.drawable) this.forget();
    this.curl.update(model, this.topK, this.fileName);
    if (this.source) this.classify();
    else this.clearResults();
  }

  cancelPending() {
    clearTimeout(this.timer);
    this.timer = null;
    setFlag("pending", false);
  }

  strokeEnded() {
    this.cancelPending();
    setFlag("pending", true);
    byId("draw-status").textContent = "";
    this.timer = setTimeout(async () => {
      this.timer = null;
      const blob = await this.pad.toBlob();
      if (this.pad.isBlank) { // cleared while the PNG was encoded
        setFlag("pending", false);
        return;
      }
      this.use({ kind: "drawing", blob, name: "drawing.png", what: t("your drawing") });
      setFlag("pending", false); // after use() set "predicting": never idle in between
    }, DEBOUNCE_MS);
  }

  cleared() {
    this.cancelPending();
    byId("draw-status").textContent = t("Cleared.");
    if (this.source && this.source.kind === "drawing") this.forget();
  }

  /** Drop the current image and its results. */
  forget() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    setFlag("predicting", false);
    byId("results").setAttribute("aria-busy", "false");
    this.source = null;
    this.errors.clear();
    setFlag("error", false);
    this.clearResults();
  }

  clearResults() {
    this.prediction.reset(t("Draw or choose an image to see what the model predicts."));
    this.seen.reset();
    this.activations.reset();
  }

  /** The chosen file's name, for the curl snippet. */
  get fileName() {
    return this.source && this.source.kind === "file" ? this.source.name : null;
  }

  liveStarted() {
    this.cancelPending();
    this.forget();
    // Answers come many times a second: the summary is not read out each time.
    byId("prediction-summary").setAttribute("aria-live", "off");
    this.prediction.reset(t("Waiting for the first webcam frame\u2026"));
  }

  liveResult(answer) {
    if (!this.model || answer.model_id !== this.model.id) return; // sent before a switch
    const [width, height] = answer.input_size;
    this.prediction.show(answer, this.model, t("the webcam"));
    this.seen.showSaliency(answer.explanation, height, width);
    answered();
  }

  use(source) {
    if (this.webcam.running) this.webcam.stop(); // the latest choice wins
    if (source.kind !== "drawing") this.cancelPending();
    this.source = source;
    this.curl.update(this.model, this.topK, this.fileName);
    this.classify();
  }

  async classify() {
    const { model, source } = this;
    if (!model || !source) return;
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.errors.clear();
    setFlag("error", false);
    setFlag("predicting", true);
    byId("results").setAttribute("aria-busy", "true");
    for (const id of new Set(Object.values(STATUS_AT))) byId(id).textContent = "";
    byId(STATUS_AT[source.kind]).textContent = t("Classifying {what}\u2026",
      { what: source.what });
    try {
      const result = await predict(model.id, source.blob, source.name, this.topK,
        controller.signal);
      if (controller !== this.controller) return;
      this.render(result, source);
    } catch (err) {
      if (controller !== this.controller || err.name === "AbortError") return;
      this.fail(err, source);
    } finally {
      if (controller === this.controller) {
        this.controller = null;
        setFlag("predicting", false);
        byId("results").setAttribute("aria-busy", "false");
        answered();
      }
    }
  }

  render(result, source) {
    const [top] = result.predictions || [];
    byId(STATUS_AT[source.kind]).textContent = top
      ? t("Classified {what}: \u201c{label}\u201d.", { what: source.what, label: top.label }) : "";
    this.prediction.show(result, this.model, source.what, source.truth);
    this.seen.show(result);
    this.activations.show(result.activations);
  }

  /** The server's message goes next to the control the image came from (or the model
   * list for an unknown or damaged model), and the old results go. */
  fail(err, source) {
    if (STATUS_AT[source.kind]) byId(STATUS_AT[source.kind]).textContent = "";
    const at = err.status === 404 || err.status === 409 ? "model" : ERROR_AT[source.kind];
    // An ApiError's messages are in the page's language already; the webcam socket's not.
    this.errors.show((err.detail || []).map((d) => ({ ...d, loc: [at],
      msg: d.english === undefined ? localMessage(d) ?? d.msg : d.msg })));
    setFlag("error", true);
    this.prediction.reset(t("No prediction: see the error message."));
    this.seen.reset();
    this.activations.reset();
  }
}

async function boot() {
  try {
    const { models } = await listModels();
    // Detectors answer with boxes: the Detection page's "Draw several digits" uses them.
    new ClassifyPage(models.filter((m) => m.task !== "detection"));
  } catch (err) {
    const node = byId("boot-error");
    node.hidden = false;
    node.textContent = t("The page could not load: {error}", { error: err.message });
    setFlag("error", true);
  } finally {
    setFlag("booting", false);
  }
}

boot();
