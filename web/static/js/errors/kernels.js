// Error types raised for the Kernel Lab (kernels, matrices, the numeric walk-throughs): type -> (ctx) => message
// in the page's language (see ../error_messages.js).

// import { t } from "../i18n.js"; when the first type is added

export const KERNEL_ERRORS = {};
