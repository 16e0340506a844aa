// Error types raised for the Classroom and room pages (rooms, joining, broadcast): type -> (ctx) => message
// in the page's language (see ../error_messages.js). The codes and their params are raised in
// server/classroom/ and server/api/routes/rooms.py.

import { t } from "../i18n.js";

export const CLASSROOM_ERRORS = {
  // a code, joining, who may join
  bad_room_code: (c) => t("no room with code {code}: a code is {length} letters and digits from {letters}; check the code on the teacher's screen", c),
  no_open_room: (c) => t("no open room has the code {code}; check the code on the teacher's screen (rooms end when the server restarts)", c),
  room_not_joined: (c) => t("no room with the code {code} that you have joined; check the code on the teacher's screen and join first", c),
  removed_from_room: (c) => t("the teacher removed you from room {code}; ask the teacher if that was a mistake (they can allow you back)", c),
  address_blocked: (c) => t("the teacher removed someone using your network address from room {code} and blocked new joins from it; if that was not you (a shared school network), ask the teacher to allow it back", c),
  room_locked: (c) => t("room {code} is locked: the teacher is not letting anyone new join; ask the teacher to unlock it", c),
  room_full: (c) => t("room {code} is full: {present} people have joined and the teacher's limit is {limit}; ask the teacher to raise the limit (or to remove someone who has left)", c),
  room_closed: (c) => t("room {code} is closed", c),
  room_closed_ask_teacher: (c) => t("room {code} is closed; ask the teacher for the code of the new room", c),
  room_closed_create_new: (c) => t("room {code} is closed; create a new room", c),
  room_closed_class_runs: (c) => t("room {code} is closed, and with it the view of its class's runs; open a new room, or compare your own runs without the room", c),
  teacher_only: (c) => t("only the teacher of room {code} can do this", c),
  // the teacher's settings
  no_participant: (c) => t("no participant {participant} in room {code}; reload the page to see who is in it", c),
  no_removed_participant: (c) => t("no removed participant {participant} in room {code}; reload the page to see who was removed", c),
  over_participant_limit: (c) => t("{max_participants} participants is over this server's limit of {limit} per room; choose 1 to {limit}", c),
  server_room_limit: (c) => t("this server already has {count} open rooms, its limit; close rooms that are no longer used", c),
  session_room_limit: (c) => t("you already have {count} open rooms ({rooms}), the limit per session is {limit}; close one first", c),
  unknown_language: (c) => t("the language {language} is not one the pages speak; choose one of {choices}", c),
  rooms_unavailable: () => t("the rooms cannot be reached right now; try again in a moment"),
  rooms_busy: () => t("the rooms are busy; try again"),
  // what the room shows
  broadcast_needs_field: (c) => t("showing {kind} needs {field}", c),
  kernel_lab_too_large: (c) => t("the Kernel Lab's state is {size} bytes; at most {limit}: use fewer or smaller custom filters", c),
  lone_surrogate_in_kernel_lab: () => t("the Kernel Lab's state holds a broken character; remove it"),
  dataset_not_yours_to_show: (c) => t("dataset {dataset_id} is not yours to show: show one of your own datasets (fork it first)", c),
  model_not_yours_to_show: (c) => t("model {model_id} is not yours to show: show a public model or one of your own (fork it first)", c),
  // forking
  no_network_shown: (c) => t("room {code} is not showing a network; wait for the teacher to show a run, a network or a model", c),
  no_dataset_shown: (c) => t("room {code} is not showing a dataset; wait for the teacher to show one", c),
  shown_dataset_deleted: (c) => t("the dataset room {code} shows ({title}) was deleted by its teacher; wait for the teacher to show another", c),
  no_run_or_model_shown: (c) => t("room {code} is not showing a run or a model; fork the network instead, or wait for the teacher", c),
  run_unfinished_no_model: (c) => t("run {run} has not finished, so there is no trained model yet; fork a checkpoint of it now", c),
  run_ended_no_model: (c) => (c.status === "failed"
    ? t("run {run} failed without a model; fork the network", c)
    : t("run {run} was stopped without a model; fork the network", c)),
  // runs, models and datasets shared through a room
  run_not_found: (c) => t("no run {run_id}; your runs are listed on the Training page", c),
  run_not_yours: (c) => t("run {run_id} is shared with you through a room, but only the session that started it can control it; fork it to train your own copy", c),
  model_not_found: (c) => t("no model {model_id}", c),
  model_not_yours: (c) => t("model {model_id} is not yours: you can use it, but only its owner can change it; fork or import a copy to change it", c),
  model_limit: (c) => t("you have {count} models and {pending} unfinished runs that will save one; the limit per session is {limit}: delete some models first", c),
  dataset_not_found: (c) => t("no dataset {dataset_id}", c),
  dataset_not_yours: (c) => t("dataset {dataset_id} is shown to you in a room, but only the session that made it can change or export it; fork it on the room page to add your own pictures", c),
};
