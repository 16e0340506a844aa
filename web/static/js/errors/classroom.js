// Error types raised for the Classroom and room pages (rooms, joining, broadcast): type -> (ctx) => message
// in the page's language (see ../error_messages.js).

// import { t } from "../i18n.js"; when the first type is added

export const CLASSROOM_ERRORS = {};
