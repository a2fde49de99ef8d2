// A button that asks before it acts: the first click arms it ("Remove Bob?"), a second one
// within a few seconds confirms. Instead of window.confirm, which blocks the page and is
// hard to test.

import { h } from "../dom.js";

const ARMED_MS = 4_000;

/**
 * @param {{label: string, armedLabel: string, name?: string, armedName?: string,
 *          className?: string, onConfirm: () => Promise<void> | void}} options
 *   `name`/`armedName`: accessible names when the visible label alone is too short.
 */
export function confirmButton({ label, armedLabel, name, armedName, className = "danger", onConfirm }) {
  let timer = 0;
  const button = h(`button.${className}`, { type: "button", "aria-label": name }, label);
  const disarm = () => {
    clearTimeout(timer);
    delete button.dataset.armed;
    button.textContent = label;
    if (name) button.setAttribute("aria-label", name);
  };
  button.addEventListener("click", async () => {
    if (!button.dataset.armed) {
      button.dataset.armed = "1";
      button.textContent = armedLabel;
      if (armedName) button.setAttribute("aria-label", armedName);
      timer = setTimeout(disarm, ARMED_MS);
      return;
    }
    disarm();
    button.disabled = true;
    try {
      await onConfirm();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
