// The Classroom's calls (docs/classroom.md), beside api.js (which they use): rooms,
// joining, broadcasts, kicks and forks. A room's answers are RoomView objects.

import { getJson, postJson, request, sendJson } from "./api.js";

const roomPath = (code, rest = "") => `/api/rooms/${encodeURIComponent(code)}${rest}`;

/** Resolves to {code, join_url, teacher_key, room}; the key is shown only this once.
 * maxParticipants: null for the server's default. language: the teacher's page language
 * (a tag such as "pt-BR"), suggested to the room's students; null: none. */
export function createRoom(title, maxParticipants = null, language = null) {
  const body = title ? { title } : {};
  if (maxParticipants !== null) body.max_participants = maxParticipants;
  if (language) body.language = language;
  return postJson("/api/rooms", body);
}

/** settings: {max_participants?, locked?}; the teacher's. Resolves to the RoomView. */
export function configureRoom(code, settings) {
  return sendJson("PATCH", roomPath(code), settings);
}

/** {teaching: [RoomView], joined: [RoomView]}: this browser's open rooms. */
export function listRooms() {
  return getJson("/api/rooms");
}

export function getRoom(code) {
  return getJson(roomPath(code));
}

/** 404 wrong code (or a closed room you were not in), 410 closed, 403 kicked or address
 * blocked, 409 locked or full. */
export function joinRoom(code, name) {
  return postJson(roomPath(code, "/join"), name ? { name } : {});
}

export async function leaveRoom(code) {
  await request(roomPath(code, "/leave"), { method: "POST" });
}

/** broadcast: {kind: "run", run_id} | {kind: "network", network} | {kind: "kernel_lab",
 * kernel_lab, follow} | {kind: "model", model_id} | {kind: "dataset", dataset_id} |
 * {kind: "none"}. */
export function setBroadcast(code, broadcast) {
  return sendJson("PUT", roomPath(code, "/broadcast"), broadcast);
}

/** blockAddress: also refuse new sessions from their network address (null: the server
 * decides, blocking only an address no one else in the room uses). */
export function kickParticipant(code, participantId, blockAddress = null) {
  const body = { participant_id: participantId };
  if (blockAddress !== null) body.block_address = blockAddress;
  return postJson(roomPath(code, "/kick"), body);
}

/** Lift a kick: the participant (and their address) may join again. */
export function allowBack(code, participantId) {
  return postJson(roomPath(code, "/unban"), { participant_id: participantId });
}

export function closeRoom(code) {
  return postJson(roomPath(code, "/close"), {});
}

/** what: "network" | "model" | "checkpoint" | "dataset"; a copy in this browser's session. */
export function forkFromRoom(code, what) {
  return postJson(roomPath(code, "/fork"), { what });
}

/** The class's runs, for the teacher's comparison: {code, runs, settings, differences}. */
export function classRuns(code) {
  return getJson(roomPath(code, "/runs"));
}
