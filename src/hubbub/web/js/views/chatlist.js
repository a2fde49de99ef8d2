// The sidebar: who I am, finding people, the chat list (newest activity first).

import { api } from "../api.js";
import * as actions from "../actions.js";
import { avatar, debounce, formatShort, h, icon } from "../dom.js";
import * as store from "../store.js";

/**
 * @param {HTMLElement} root   the sidebar element
 * @param {{open: (chatId) => void, newGroup: () => void, logout: () => void}} nav
 */
export function mountChatList(root, nav) {
  const me = store.state.me;
  const searchInput = h("input.search-input", {
    type: "search", id: "people-search", placeholder: "Find people by username",
    "aria-label": "Find people by username", autocomplete: "off", autocapitalize: "none",
    spellcheck: "false", "aria-controls": "people-results",
  });
  const results = h("ul.people-results", { id: "people-results", role: "list", "aria-label": "People found", hidden: true });
  const list = h("ul.chat-list", { role: "list", "aria-label": "Chats" });
  const empty = h("div.list-empty", { hidden: true },
    h("p", {}, "No chats yet."),
    h("p.muted", {}, "Find someone by their username above to start talking."));

  root.replaceChildren(
    h("header.sidebar-head", {},
      h("div.me", {},
        avatar(me.display_name || me.username, me.id),
        h("div.me-text", {},
          h("span.me-name", {}, me.display_name || me.username),
          h("span.me-handle", {}, `@${me.username}`))),
      h("div.head-actions", {},
        // Labelled, not icon-only: the visible text is the accessible name.
        h("button.labelled-button", { type: "button", title: "Create a group room", onclick: nav.newGroup }, icon("users"), h("span", {}, "New room")),
        h("button.labelled-button", { type: "button", onclick: nav.logout }, icon("logout"), h("span", {}, "Sign out")))),
    h("nav.mood-nav", { "aria-label": "Diary and matches" },
      h("button.labelled-button", { type: "button", title: "Your private mood diary", onclick: nav.diary }, h("span", {}, "Diary")),
      h("button.labelled-button", { type: "button", title: "People with a similar mood", onclick: nav.matches }, h("span", {}, "Matches"))),
    h("div.search", { role: "search" }, icon("search"), searchInput),
    results,
    h("nav.chat-list-wrap", { "aria-label": "Your chats" }, list, empty),
  );

  // -- people search ----------------------------------------------------------------
  let searchSerial = 0;
  const runSearch = debounce(async () => {
    const query = searchInput.value.trim().replace(/^@/, "");
    const serial = ++searchSerial;
    if (!query) {
      results.hidden = true;
      results.replaceChildren();
      return;
    }
    try {
      const answer = await api.searchUsers(query);
      if (serial !== searchSerial) return;
      const people = answer.users.filter((u) => u.id !== me.id);
      results.replaceChildren(
        ...(people.length
          ? people.map((user) => h("li", {},
              h("button.person", {
                type: "button", "aria-label": `Message ${user.display_name || user.username} (@${user.username})`,
                dataset: { username: user.username },
                onclick: () => startChat(user),
              },
              avatar(user.display_name || user.username, user.id, { online: user.online }),
              h("span.person-text", {},
                h("span.person-name", {}, user.display_name || user.username),
                h("span.person-handle", {}, `@${user.username}`)),
              h("span.person-action", {}, "Message"))))
          : [h("li.muted.no-results", {}, `Nobody called “${query}”.`)]),
      );
      results.hidden = false;
    } catch (error) {
      if (serial === searchSerial) actions.report(error);
    }
  }, 250);
  searchInput.addEventListener("input", runSearch);
  searchInput.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      searchInput.value = "";
      runSearch();
    } else if (event.key === "Enter") {
      results.querySelector("button")?.click(); // the first match
      event.preventDefault();
    } else if (event.key === "ArrowDown") {
      results.querySelector("button")?.focus();
      event.preventDefault();
    }
  });

  async function startChat(user) {
    try {
      const chat = await actions.openDirect(user);
      searchInput.value = "";
      results.hidden = true;
      results.replaceChildren();
      nav.open(chat.id);
    } catch (error) {
      actions.report(error);
    }
  }

  // -- the list ---------------------------------------------------------------------
  const items = new Map(); // chat id → li

  function preview(chat) {
    const typers = store.typers(chat.id);
    if (typers.length) {
      return h("span.preview.typing-preview", {},
        chat.type === "direct" ? "typing…" : `${store.displayName(typers[0])} is typing…`);
    }
    const last = chat.last_message;
    if (!last) return h("span.preview.muted", {}, chat.type === "group" ? `${chat.members_count} members` : "No messages yet");
    const who = last.sender_id === me.id ? "You: " : chat.type === "group" ? `${store.displayName(last.sender_id)}: ` : "";
    return h("span.preview", {},
      last.ai_generated ? h("span.ai-badge.small", { "aria-label": "AI generated" }, "AI") : null,
      who, last.deleted ? "Deleted message" : last.text.slice(0, 140));
  }

  function renderItem(chat) {
    const title = store.chatTitle(chat);
    const online = chat.type === "direct" && chat.partner ? store.isOnline(chat.partner.id) : null;
    const unread = chat.unread_count || 0;
    const active = store.state.activeChatId === chat.id;
    const when = chat.last_message?.created_at || chat.updated_at;
    const label = [
      title,
      chat.type === "group" ? "group" : online ? "online" : null,
      unread ? `${unread} unread` : null,
      chat.mention_count ? `${chat.mention_count} mentioning you` : null,
      chat.muted ? "muted" : null,
    ].filter(Boolean).join(", ");
    const button = h(`button.chat-item${active ? ".active" : ""}${unread ? ".unread" : ""}${chat.muted ? ".muted-chat" : ""}`, {
      type: "button",
      "aria-label": label,
      "aria-current": active ? "true" : null,
      dataset: { chatId: chat.id, title },
      onclick: () => nav.open(chat.id),
    },
    chat.type === "group"
      ? h("span.avatar.avatar-group", { "aria-hidden": "true" }, icon("users"))
      : avatar(title, chat.partner?.id, { online }),
    h("span.chat-item-body", {},
      h("span.chat-item-top", {},
        h("span.chat-title", {}, title),
        when ? h("time.chat-time", { datetime: when }, formatShort(when)) : null),
      h("span.chat-item-bottom", {},
        preview(chat),
        chat.mention_count ? h("span.badge.mention-badge", { "aria-hidden": "true" }, "@") : null,
        unread ? h(`span.badge${chat.muted ? ".badge-muted" : ""}`, { "aria-hidden": "true" }, unread > 99 ? "99+" : String(unread)) : null)));
    return button;
  }

  function render() {
    const chats = store.sortedChats();
    const alive = new Set();
    let previous = null;
    for (const chat of chats) {
      alive.add(chat.id);
      let li = items.get(chat.id);
      if (!li) {
        li = h("li.chat-row");
        items.set(chat.id, li);
      }
      li.replaceChildren(renderItem(chat));
      const expected = previous ? previous.nextSibling : list.firstChild;
      if (expected !== li) list.insertBefore(li, expected);
      previous = li;
    }
    for (const [id, li] of items) {
      if (!alive.has(id)) {
        li.remove();
        items.delete(id);
      }
    }
    empty.hidden = chats.length > 0;
  }

  // Keep keyboard focus on the same chat when the list re-renders.
  const renderKeepingFocus = () => {
    const focused = document.activeElement?.closest?.(".chat-item")?.dataset.chatId;
    render();
    if (focused) list.querySelector(`.chat-item[data-chat-id="${CSS.escape(focused)}"]`)?.focus();
  };
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      renderKeepingFocus();
    });
  };
  const unsubscribe = [store.on("chats", schedule), store.on("active", schedule), store.on("typing", schedule)];
  render();
  const timeTicker = setInterval(schedule, 60_000);
  return () => {
    unsubscribe.forEach((fn) => fn());
    clearInterval(timeTicker);
  };
}

/** Focus a chat's entry in the list (after going back on a phone). */
export function focusChatItem(root, chatId) {
  root.querySelector(`.chat-item[data-chat-id="${CSS.escape(chatId)}"]`)?.focus();
}
