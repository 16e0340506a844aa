// Every panel of the run column (web/templates/_run_panels.html), for the Training page
// and the room page; send(message) goes to the run's socket.

import { ActivationsPanel } from "./activations.js";
import { Charts } from "./charts.js";
import { diverging, drawLegend, viridis } from "../../ui/colormaps.js";
import { EvaluationPanel } from "./evaluation.js";
import { FiltersPanel } from "./filters.js";
import { PredictionPanel } from "./prediction.js";
import { ProbePicker } from "./probe.js";
import { Progress } from "./progress.js";
import { ReplayPanel } from "./replay.js";
import { RunControls } from "./run_controls.js";
import { SamplesPanel } from "./samples.js";
import { byId } from "../../ui/dom.js";

export function runPanels(send) {
  drawLegend(byId("seq-legend"), viridis);
  drawLegend(byId("div-legend"), diverging);
  const probe = new ProbePicker(send);
  const panels = {
    charts: new Charts(),
    progress: new Progress(),
    activations: new ActivationsPanel(),
    filters: new FiltersPanel(),
    prediction: new PredictionPanel(),
    evaluation: new EvaluationPanel(),
    samples: new SamplesPanel((index) => probe.pickIndex(index)),
    probe,
    controls: new RunControls(),
  };
  panels.replay = new ReplayPanel(panels);
  return panels;
}
