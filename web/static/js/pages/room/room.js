// The room page (/room/<code>): what a student (or the teacher, on the projector) sees. The
// room socket (/ws/rooms/<code>) brings every RoomView; the broadcast decides the view: a
// run is shown live with the Training page's own panels (run_view.js), a network or a
// model as a layer table, a dataset as its classes and thumbnails, the Kernel Lab as a link to follow it. Kicked or closed: a
// message, and no reconnecting.

import { getRoom, leaveRoom } from "../../api_rooms.js";
import { RoomSocket } from "../../socket.js";
import { t } from "../../i18n.js";
import { byId } from "../../ui/dom.js";
import { Presentation } from "../../ui/presentation.js";
import { runPanels } from "../training/run_panels.js";
import { RunView } from "../training/run_view.js";
import { showConnection, showEnded, showRoom } from "./banner.js";
import { ForkPanel } from "./fork.js";
import { codeFromPath, mark, messageOf, setFlag } from "./state.js";
import { forget, showDataset, showModel, showNetwork } from "./broadcast_views.js";
import { hideLanguageNote, suggestLanguage } from "./language_note.js";

const VIEWS = { none: "none-view", run: "run-view", network: "network-view",
  model: "model-view", kernel_lab: "kernel-view", dataset: "dataset-view" };

class RoomPage {
  constructor(code) {
    this.code = code;
    this.seq = null;
    this.fork = new ForkPanel(code);
    this.view = new RunView(runPanels((message) => this.view.send(message)),
      (run) => this.fork.show("run", run), false);
    byId("leave-button").addEventListener("click", () => this.leave());
    byId("follow-link").href = `/?follow=${encodeURIComponent(code)}`;
    const controls = this.view.panels.controls;
    new Presentation({ onSpace: () => controls.toggle() && t("Done."),
      onNext: () => controls.next() && t("One step.") });
  }

  /** GET the room first: a wrong code, a closed room or one not joined is said at once. */
  async load() {
    let room;
    try {
      room = await getRoom(this.code);
    } catch (err) {
      // 404: no such room, or one this browser has not joined (the server gives both the
      // same answer): offer to join. 403: the teacher removed this browser.
      if (err.status === 404) this.notJoined();
      else if (err.status === 410) showEnded("closed", messageOf(err));
      else if (err.status === 403) showEnded("kicked", messageOf(err));
      else throw err;
      return;
    }
    this.update(room);
    if (room.closed) return;
    showConnection("connecting");
    this.socket = new RoomSocket(this.code, {
      onRoom: (next) => this.update(next),
      onConnection: (state) => showConnection(state),
      onEnd: (reason, detail) => this.ended(reason, detail),
    });
  }

  notJoined() {
    showEnded("gone");
    const link = document.createElement("a");
    link.href = `/join/${encodeURIComponent(this.code)}`;
    link.textContent = t("join room {code}", { code: this.code });
    // One sentence with the link inside it: the text around {link} comes from the catalogue.
    const [before, after = ""] = t("If you have the code from your teacher: {link}.")
      .split("{link}");
    byId("room-ended-text").append(` ${before}`, link, after);
  }

  update(room) {
    if (room.closed) {
      this.ended("closed");
      return;
    }
    showRoom(room);
    suggestLanguage(room);
    const b = room.broadcast;
    if (b.seq === this.seq) return;
    this.seq = b.seq;
    this.show(b);
  }

  show(b) {
    mark("broadcast", b.kind);
    mark("broadcastSeq", b.seq);
    for (const [kind, id] of Object.entries(VIEWS)) byId(id).hidden = kind !== b.kind;
    if (b.kind !== "run") this.view.detach();
    if (!["network", "model", "dataset"].includes(b.kind)) forget();
    if (b.kind === "run") {
      // The same run (a new title, follow changed): stay attached, keep the history drawn.
      if (!this.view.run || this.view.run.id !== b.run_id) this.view.attach(b.run_id);
      this.fork.show("run", this.view.run);
      return;
    }
    this.fork.show(b.kind, null, b.model_id, b.dataset_id);
    if (b.kind === "network") showNetwork(b.network, b.title);
    else if (b.kind === "model") showModel(b.model_id, b.title);
    else if (b.kind === "dataset") showDataset(b.dataset_id, b.title);
  }

  ended(reason, detail) {
    if (this.ending) return;
    this.ending = reason;
    if (this.socket) this.socket.close();
    this.view.detach();
    forget();
    hideLanguageNote();
    showEnded(reason, messageOf(detail));
  }

  async leave() {
    try {
      await leaveRoom(this.code);
      this.ending = "left";
      if (this.socket) this.socket.close();
      window.location.assign("/join");
    } catch (err) {
      byId("room-you").textContent = t("You could not leave: {error}", { error: messageOf(err) });
    }
  }
}

async function boot() {
  try {
    await new RoomPage(codeFromPath()).load();
    setFlag("booting", false);
  } catch (err) {
    byId("broadcast-what").textContent = t("The room could not load: {error}",
      { error: messageOf(err) });
    setFlag("error", true);
  }
}

boot();
