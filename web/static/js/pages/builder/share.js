// The network in the URL (#spec= + base64url of its JSON, replaced on every edit so the
// address bar always holds a link that rebuilds it), the Copy link button, and the
// hand-off to the training page: localStorage["cnnpg.spec"] holds the last valid spec.

import { t } from "../../i18n.js";
import { copyLink as copyAddress } from "../../ui/copy_link.js";

export const STORAGE_KEY = "cnnpg.spec";
const PREFIX = "#spec=";

export function encodeSpec(spec) {
  let binary = "";
  for (const byte of new TextEncoder().encode(JSON.stringify(spec))) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeSpec(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
}

/** The spec in location.hash: null when there is none, {error} when it cannot be read. */
export function specFromUrl() {
  if (!location.hash.startsWith(PREFIX)) return null;
  try {
    return { spec: decodeSpec(location.hash.slice(PREFIX.length)) };
  } catch {
    return { error: t("The link's network could not be read (it may have been cut short).") };
  }
}

export function writeUrl(spec) {
  history.replaceState(history.state, "", `${location.pathname}${location.search}${PREFIX}${
    encodeSpec(spec)}`);
}

/** Copy the address; where the clipboard is refused, show it selected in `field`. */
export function copyLink(field) {
  return copyAddress(field, t("Link copied: it rebuilds this network."));
}

/** Keep a valid spec for the training page. */
export function handOff(spec) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(spec));
    return true;
  } catch {
    return false; // storage disabled or full: the page works without it
  }
}

export function savedSpec() {
  try {
    const text = localStorage.getItem(STORAGE_KEY);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
