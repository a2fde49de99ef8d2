// Message search: a dialog over every chat (or the open one), ranked results with the
// matching words marked; choosing one opens the chat at that message.

import * as actions from "../actions.js";
import { formatFull, h, icon } from "../dom.js";
import { essentialsApi, highlightParts } from "../essentials.js";
import * as store from "../store.js";

/** @param {{chatId: string|null, open: (chatId, messageId) => void}} options */
export function searchDialog({ chatId, open }) {
  const input = h("input.search-input", {
    type: "search", placeholder: "Search messages", "aria-label": "Search messages", autocomplete: "off",
  });
  const scope = chatId
    ? h("label.search-scope", {}, h("input", { type: "checkbox", name: "this-chat" }), " Only this chat")
    : null;
  const results = h("ol.search-results", { "aria-label": "Messages found", "aria-live": "polite" });
  const more = h("button.link-button", { type: "button", hidden: true }, "More results");
  const form = h("form.search-form", { role: "search" }, input, scope, h("button.primary", { type: "submit" }, icon("search"), "Search"));
  const close = h("button.icon-button", { type: "button", "aria-label": "Close" }, icon("close"));
  const el = h("dialog.modal.search-dialog", { "aria-label": "Search messages" },
    h("header.modal-head", {}, h("h2", {}, "Search messages"), close), form, results, more);
  close.addEventListener("click", () => el.close());
  el.addEventListener("close", () => el.remove());
  el.addEventListener("click", (event) => {
    if (event.target === el) el.close();
  });

  let next = null;
  let query = "";
  async function run(append) {
    const onlyHere = scope?.querySelector("input").checked;
    try {
      const page = await essentialsApi.search(query, { chatId: onlyHere ? chatId : null, before: append ? next : null });
      next = page.next;
      more.hidden = !next;
      const items = page.results.map((hit) => resultItem(hit, () => {
        el.close();
        open(hit.message.chat_id, hit.message.id);
      }));
      if (append) results.append(...items);
      else results.replaceChildren(...(items.length ? items : [h("li.muted.no-results", {}, "No messages found.")]));
    } catch (error) {
      if (!append) results.replaceChildren(h("li.muted.no-results", {}, error.message));
      else actions.report(error);
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    query = input.value.trim();
    if (query) run(false);
  });
  more.addEventListener("click", () => run(true));
  document.body.append(el);
  el.showModal();
  input.focus();
  return el;
}

function resultItem(hit, choose) {
  const message = hit.message;
  const chat = store.state.chats.get(message.chat_id);
  return h("li", {},
    h("button.search-hit", { type: "button", onclick: choose, dataset: { messageId: message.id } },
      h("span.search-where", {},
        h("strong", {}, store.displayName(message.sender_id)),
        chat ? ` · ${store.chatTitle(chat)}` : "",
        h("time", { datetime: message.created_at }, ` · ${formatFull(message.created_at)}`)),
      h("span.search-snippet", {}, highlightParts(hit.highlight).map((part) =>
        part.mark ? h("mark", {}, part.text) : part.text))));
}
