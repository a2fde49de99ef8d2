// Toasts (aria-live) and the connection banner.

import { h, icon } from "../dom.js";

const TOAST_MS = 6_000;

function region() {
  return document.getElementById("toasts");
}

/** Show a short message; errors are announced assertively. */
export function toast(text, { kind = "info", timeout = TOAST_MS } = {}) {
  const host = region();
  if (!host) return;
  const close = () => {
    item.classList.add("leaving");
    setTimeout(() => item.remove(), 200);
  };
  const item = h(
    `div.toast.toast-${kind}`,
    { role: kind === "error" ? "alert" : "status" },
    kind === "error" ? icon("alert") : null,
    h("span.toast-text", {}, text),
    h("button.icon-button.toast-close", { type: "button", "aria-label": "Dismiss", onclick: close },
      icon("close")),
  );
  // Same text twice in a row: keep one.
  for (const existing of host.querySelectorAll(".toast-text")) {
    if (existing.textContent === text) existing.closest(".toast").remove();
  }
  host.append(item);
  while (host.children.length > 4) host.firstElementChild.remove();
  if (timeout) setTimeout(close, timeout);
}

/** The banner at the top: shown while the socket is not connected. */
export function showConnection(status) {
  const banner = document.getElementById("banner");
  if (!banner) return;
  if (status === "online" || status === "closed") {
    banner.hidden = true;
    banner.textContent = "";
    return;
  }
  const text = status === "connecting" ? "Connecting…" : "Reconnecting… messages you send will be delivered when we're back.";
  banner.replaceChildren(h("span.spinner", { "aria-hidden": "true" }), h("span", {}, text));
  banner.dataset.status = status;
  banner.hidden = false;
}
