// Error types raised for the Datasets, Classify and Detection pages (datasets, images, models): type -> (ctx) => message
// in the page's language (see ../error_messages.js).

// import { t } from "../i18n.js"; when the first type is added

export const DATA_ERRORS = {};
