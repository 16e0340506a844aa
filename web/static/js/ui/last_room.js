// The room the Classroom page opened last in this browser, kept in
// localStorage["cnnpg.room"] as {"code": "K7MNPQ"}: the Classroom page reopens it after a
// reload and the Kernel Lab's "follow me" broadcasts to it.

const KEY = "cnnpg.room";

/** Remember a room's code (null: forget it). */
export function rememberRoom(code) {
  try {
    if (code) localStorage.setItem(KEY, JSON.stringify({ code }));
    else localStorage.removeItem(KEY);
  } catch {
    // storage disabled: a reload shows the newest open room instead
  }
}

/** The remembered code, or null (none, storage disabled, or not written by this page). */
export function rememberedRoom() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    return saved && typeof saved.code === "string" ? saved.code.toUpperCase() : null;
  } catch {
    return null;
  }
}
