// The network the Builder keeps in this browser (localStorage["cnnpg.spec"]), read by the
// pages that train it: the Training page (classifiers) and the Detection page (detectors).

const BUILDER_KEY = "cnnpg.spec";

/** The Builder's last valid network, or null. */
export function builderSpec() {
  try {
    const spec = JSON.parse(localStorage.getItem(BUILDER_KEY) || "null");
    return spec && typeof spec === "object" && spec.input && Array.isArray(spec.layers)
      ? spec : null;
  } catch {
    return null;
  }
}

/** A network that ends in a detection head finds boxes (it trains on mnist-detect). */
export function isDetector(spec) {
  const last = spec && spec.layers[spec.layers.length - 1];
  return Boolean(last && last.type === "detection_head");
}
