// The AI side panel of the open chat: the member's own bindings (advice, autoreply), asking
// for advice, and the advice only this member sees.

import * as actions from "../actions.js";
import { formatTime, h, icon } from "../dom.js";
import * as store from "../store.js";

/**
 * @param {HTMLElement} root  the aside
 * @param {{close: () => void, useReply: (text) => void}} nav
 */
export function mountAiPanel(root, nav) {
  let chatId = null;
  let waiting = false;
  let waitTimer = 0;
  let repeatedId = null; // the advice shown again instead of a copy of it

  const closeButton = h("button.icon-button", { type: "button", "aria-label": "Close the AI panel", onclick: () => nav.close() }, icon("close"));
  const adviceSwitch = h("input", { type: "checkbox", role: "switch", id: "ai-advice-switch", "aria-labelledby": "ai-advice-title", "aria-describedby": "ai-advice-desc" });
  const autoSwitch = h("input", { type: "checkbox", role: "switch", id: "ai-autoreply-switch", "aria-labelledby": "ai-autoreply-title", "aria-describedby": "ai-autoreply-desc" });
  const askButton = h("button.secondary.wide", { type: "button", id: "ai-ask" }, icon("spark"), "Ask for advice");
  const notice = h("p.ai-notice", { role: "status" });
  const list = h("ol.advice-list", { "aria-label": "Advice for you", "aria-live": "polite" });
  const emptyNote = h("p.muted.advice-empty", {}, "No advice yet. Turn on advice, and suggestions about this chat appear here, visible only to you.");

  root.replaceChildren(
    h("header.ai-head", {},
      h("h2", { id: "ai-heading" }, icon("spark"), "Assistant"),
      closeButton),
    h("div.ai-body", {},
      h("div.ai-settings", { role: "group", "aria-label": "Assistant settings for this chat" },
        h("label.switch-row", { for: "ai-advice-switch" },
          h("span.switch-text", {},
            h("span.switch-title", { id: "ai-advice-title" }, "Advice"),
            h("span.switch-desc", { id: "ai-advice-desc" }, "Private suggestions on how to answer. Only you see them.")),
          adviceSwitch, h("span.switch-ui", { "aria-hidden": "true" })),
        h("label.switch-row", { for: "ai-autoreply-switch" },
          h("span.switch-text", {},
            h("span.switch-title", { id: "ai-autoreply-title" }, "Auto-reply"),
            h("span.switch-desc", { id: "ai-autoreply-desc" }, "The AI answers for you. Its messages are marked AI.")),
          autoSwitch, h("span.switch-ui", { "aria-hidden": "true" }))),
      askButton,
      notice,
      h("h3.advice-heading", {}, "Advice for you"),
      list,
      emptyNote));

  async function toggle(type, input) {
    if (!chatId) return;
    const id = chatId;
    input.disabled = true;
    try {
      await actions.setBinding(id, type, input.checked);
    } catch (error) {
      actions.report(error);
    }
    if (id === chatId) render();
  }
  adviceSwitch.addEventListener("change", () => toggle("advice", adviceSwitch));
  autoSwitch.addEventListener("change", () => toggle("autoreply", autoSwitch));

  askButton.addEventListener("click", async () => {
    if (!chatId) return;
    askButton.disabled = true;
    repeatedId = null;
    try {
      await actions.askAdvice(chatId);
      waiting = true;
      clearTimeout(waitTimer);
      waitTimer = setTimeout(() => {
        waiting = false;
        render();
      }, 30_000);
    } catch (error) {
      actions.report(error);
    }
    render();
  });

  function render() {
    if (!chatId) return;
    const bindings = store.state.bindings.get(chatId);
    const loaded = Boolean(bindings?.loaded);
    const unavailable = Boolean(bindings?.unavailable);
    adviceSwitch.checked = Boolean(bindings?.advice);
    autoSwitch.checked = Boolean(bindings?.autoreply);
    adviceSwitch.disabled = !loaded || unavailable;
    autoSwitch.disabled = !loaded || unavailable;
    askButton.disabled = !loaded || unavailable || !bindings?.advice || waiting;
    askButton.title = bindings?.advice ? "" : "Turn on advice first";
    if (unavailable) notice.textContent = "The AI assistant isn't available on this server yet.";
    else if (!loaded) notice.textContent = "Loading…";
    else if (waiting) notice.textContent = "Thinking about this conversation…";
    else if (repeatedId) notice.textContent = "Nothing new to add: the advice below still stands.";
    else notice.textContent = "";
    notice.classList.toggle("thinking", waiting);

    const advice = store.state.advice.get(chatId) || [];
    emptyNote.hidden = advice.length > 0;
    list.replaceChildren(...[...advice].reverse().map(renderAdvice));
  }

  function renderAdvice(item) {
    const about = item.in_reply_to ? store.state.convs.get(chatId)?.byId.get(item.in_reply_to) : null;
    // A warning (a likely scam, someone in crisis) and an autoreply's notice are marked.
    const label = { warning: "Warning", notice: "Autoreply" }[item.kind];
    const kindClass = item.kind && item.kind !== "advice" ? `.${item.kind}` : "";
    return h(`li.advice${kindClass}${item.id === repeatedId ? ".repeated" : ""}`,
      { dataset: { adviceId: item.id } },
      about ? h("blockquote.advice-about", {}, h("span.visually-hidden", {}, "About: "), about.text) : null,
      h("p.advice-text", {}, label ? h("strong.advice-kind", {}, `${label}: `) : null, item.text),
      h("div.advice-foot", {},
        item.created_at ? h("time", { datetime: item.created_at }, formatTime(item.created_at)) : null,
        item.suggested_reply
          ? h("button.link-button.use-reply", {
              type: "button",
              "aria-label": `Use the suggested reply: ${item.suggested_reply}`,
              onclick: () => nav.useReply(item.suggested_reply),
            }, "Use reply: ", h("q", {}, item.suggested_reply))
          : null));
  }

  function show(id) {
    chatId = id;
    waiting = false;
    repeatedId = null;
    clearTimeout(waitTimer);
    if (!id) return;
    store.state.adviceUnseen.delete(id);
    store.emit("advice", { chatId: id });
    render();
    const bindings = store.state.bindings.get(id);
    if (!bindings?.loaded) actions.loadBindings(id).catch((e) => actions.report(e));
    actions.loadAdvice(id).catch((e) => actions.report(e));
  }

  store.on("bindings", (d) => d.chatId === chatId && render());
  store.on("advice", (d) => {
    if (d.chatId !== chatId) return;
    if (d.live) {
      waiting = false;
      clearTimeout(waitTimer);
      repeatedId = d.repeated || null;
      if (store.state.aiOpen) store.state.adviceUnseen.delete(chatId);
    }
    render();
  });
  store.on("messages", (d) => d.chatId === chatId && render());

  return { show, focus: () => closeButton.focus() };
}
