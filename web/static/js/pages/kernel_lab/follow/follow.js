// "Follow me" in the Kernel Lab (docs/classroom.md, broadcast kind "kernel_lab"). The
// teacher of an open room publishes the page's selections (follow_teacher.js); a student's
// page at /?follow=CODE mirrors them until the student changes anything
// (follow_student.js). One bar above the lab tells either what is going on.
//
// For tests and screen readers the state is on <body>: data-follow ("connecting",
// "following", "away", "offered", "waiting", "ended", "error") and data-follow-seq (the
// broadcast seq last applied; data-follow-latest: the last one received) for a student;
// data-broadcasting ("off", "on", "error", "ended") and data-broadcast-seq (the room's
// broadcast seq once the server took the page's state) for a teacher.

import { listRooms } from "../../../api_rooms.js";
import { rememberedRoom } from "../../../ui/last_room.js";
import { barLink, FollowBar } from "./follow_bar.js";
import { Broadcaster } from "./follow_teacher.js";
import { Follower } from "./follow_student.js";
import { t } from "../../../i18n.js";

/** The room to broadcast to: one that shows the Kernel Lab already, else the one the
 * Classroom page opened last, else the newest (the saved one first among equals). */
function teachingRoom(teaching) {
  const code = rememberedRoom();
  const rank = (room) => (room.broadcast.kind === "kernel_lab" ? 2 : 0)
    + (room.code === code ? 1 : 0);
  const ranked = [...teaching].sort((a, b) => rank(b) - rank(a) || b.created - a.created);
  return ranked[0] || null;
}

/** Start follow-me for the page: a student (?follow=CODE), a teacher, or neither. */
export async function startFollow(lab, samples) {
  const bar = new FollowBar();
  try {
    await follow(lab, samples, bar);
  } catch (err) {
    bar.show(t("The classroom connection could not start: {error}", { error: err.message }),
      null, "ended");
  }
}

async function follow(lab, samples, bar) {
  const code = new URLSearchParams(window.location.search).get("follow");
  if (code) {
    new Follower(lab, samples, code.trim().toUpperCase(), bar, (room) => {
      new Broadcaster(lab, room, bar, samples);
    });
    return;
  }
  let rooms;
  try {
    rooms = await listRooms();
  } catch {
    return; // the Kernel Lab works without the classroom
  }
  const room = teachingRoom(rooms.teaching);
  if (room) {
    new Broadcaster(lab, room, bar, samples);
    return;
  }
  const sharing = rooms.joined.find((r) => r.broadcast.kind === "kernel_lab");
  if (sharing) {
    bar.show(t("The teacher of room {code} is sharing the Kernel Lab.", { code: sharing.code }),
      null, "info", barLink(t("Follow the teacher"), `/?follow=${encodeURIComponent(sharing.code)}`));
  }
}
