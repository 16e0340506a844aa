// Error types raised for the Builder, Training and Compare pages (networks, runs): type -> (ctx) => message
// in the page's language (see ../error_messages.js).

// import { t } from "../i18n.js"; when the first type is added

export const BUILDER_ERRORS = {};
