// The stack of layer cards: kept in the state's order (cards are reused by id, so a moved
// card keeps its form and focus), reordered by drag and drop (mouse), by Alt+ArrowUp /
// Alt+ArrowDown on a focused card (keyboard) and by its Move buttons (touch too).

import { LayerCard } from "./card.js";

export const LAYER_MIME = "application/x-cnnpg-layer";
export const TYPE_MIME = "application/x-cnnpg-type";

export class StackView {
  /** actions: edit(id, name, value), move(id, delta, button), moveTo(id, index),
   * insert(type, index), duplicate(id), remove(id). */
  constructor(list, endZone, catalog, actions) {
    this.list = list;
    this.endZone = endZone;
    this.catalog = catalog;
    this.actions = actions;
    this.cards = new Map();
    this.dragId = null;
    this.bindDrag();
    this.list.addEventListener("keydown", (e) => this.key(e));
  }

  card(id) {
    return this.cards.get(id);
  }

  /** Make the list match `layers` (the state's order). */
  render(layers) {
    const keep = new Set(layers.map((l) => l.id));
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        card.el.remove();
        this.cards.delete(id);
      }
    }
    const focused = document.activeElement;
    layers.forEach((layer, i) => {
      let card = this.cards.get(layer.id);
      if (!card) {
        card = new LayerCard(layer, this.catalog, this.actions);
        this.cards.set(layer.id, card);
      }
      if (this.list.children[i] !== card.el) this.list.insertBefore(card.el, this.list.children[i]);
      card.place(i, layers.length);
    });
    if (focused && focused !== document.activeElement && document.contains(focused)) {
      focused.focus();
    }
    this.endZone.classList.toggle("empty", layers.length === 0);
  }

  /** Focus a card (or one of its buttons, by class) after a move or an insertion. */
  focus(id, buttonClass = null) {
    const card = this.cards.get(id);
    if (!card) return;
    const target = buttonClass ? card.el.querySelector(`.${buttonClass}`) : null;
    (target && !target.disabled ? target : card.el).focus();
  }

  key(event) {
    const cardEl = event.target.closest(".layer-card");
    if (!cardEl || event.target !== cardEl) return;
    const id = Number(cardEl.dataset.id);
    const delta = { ArrowUp: -1, ArrowDown: 1 }[event.key];
    if (!delta) return;
    event.preventDefault();
    if (event.altKey) {
      this.actions.move(id, delta, null);
      return;
    }
    const sibling = delta < 0 ? cardEl.previousElementSibling : cardEl.nextElementSibling;
    if (sibling) sibling.focus();
  }

  bindDrag() {
    this.list.addEventListener("dragstart", (e) => this.dragStart(e));
    this.list.addEventListener("dragend", () => this.dragEnd());
    for (const zone of [this.list, this.endZone]) {
      zone.addEventListener("dragover", (e) => this.dragOver(e));
      zone.addEventListener("dragleave", (e) => {
        if (!zone.contains(e.relatedTarget)) this.marker(null);
      });
      zone.addEventListener("drop", (e) => this.drop(e));
    }
  }

  dragStart(event) {
    const head = event.target.closest && event.target.closest(".card-head");
    if (!head) return;
    const cardEl = head.closest(".layer-card");
    this.dragId = Number(cardEl.dataset.id);
    event.dataTransfer.setData(LAYER_MIME, String(this.dragId));
    event.dataTransfer.setData("text/plain", cardEl.querySelector(".card-title").textContent);
    event.dataTransfer.effectAllowed = "move";
    cardEl.classList.add("dragging");
  }

  dragEnd() {
    const card = this.cards.get(this.dragId);
    if (card) card.el.classList.remove("dragging");
    this.dragId = null;
    this.marker(null);
  }

  accepts(event) {
    const types = [...event.dataTransfer.types];
    return types.includes(LAYER_MIME) || types.includes(TYPE_MIME);
  }

  /** Where a drop lands: {index, cardEl, after}; below the last card means the end. */
  target(event) {
    const cardEl = event.target.closest && event.target.closest(".layer-card");
    const count = this.list.children.length;
    if (!cardEl || !this.list.contains(cardEl)) return { index: count, cardEl: null, after: true };
    const box = cardEl.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    const index = [...this.list.children].indexOf(cardEl) + (after ? 1 : 0);
    return { index, cardEl, after };
  }

  marker(place) {
    for (const el of this.list.querySelectorAll(".drop-before, .drop-after")) {
      el.classList.remove("drop-before", "drop-after");
    }
    this.endZone.classList.toggle("drop-here", Boolean(place && !place.cardEl));
    if (place && place.cardEl) place.cardEl.classList.add(place.after ? "drop-after" : "drop-before");
  }

  dragOver(event) {
    if (!this.accepts(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = this.dragId !== null ? "move" : "copy";
    this.marker(this.target(event));
  }

  drop(event) {
    if (!this.accepts(event)) return;
    event.preventDefault();
    const { index } = this.target(event);
    this.marker(null);
    const type = event.dataTransfer.getData(TYPE_MIME);
    if (type) {
      this.actions.insert(type, index);
      return;
    }
    const id = Number(event.dataTransfer.getData(LAYER_MIME));
    const from = [...this.list.children].findIndex((el) => Number(el.dataset.id) === id);
    if (from < 0) return;
    this.actions.moveTo(id, index > from ? index - 1 : index);
  }
}
