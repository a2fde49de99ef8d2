// One conversation: header, history with scroll-back, live messages, typing, composer.

import * as actions from "../actions.js";
import { avatar, charCount, dayKey, formatDay, formatFull, formatTime, h, icon, lastSeen } from "../dom.js";
import * as store from "../store.js";
import {
  clearComposerExtras, composerExtras, enableNotifications, essentialsApi, notificationsSupported, sendRich,
  uploadFile,
} from "../essentials.js";
import {
  editedMark, filesBlock, messageActions, messageText, reactionsRow, replyQuote, svgIcon,
} from "./message_extras.js";
import { searchDialog } from "./search.js";

const NEAR_BOTTOM_PX = 80;
const LOAD_OLDER_PX = 240;
const COUNTER_FROM = 3_800;

/**
 * @param {HTMLElement} root  the conversation section
 * @param {{back: () => void, toggleAi: () => void, members: (chatId) => void,
 *          visible: () => boolean}} nav
 */
export function mountConversation(root, nav) {
  let chatId = null;
  let elements = new Map(); // key → li
  let unsubscribe = [];
  const drafts = new Map(); // chat id → unsent text

  // -- static skeleton -----------------------------------------------------------------
  const backButton = h("button.icon-button.back", { type: "button", "aria-label": "Back to chats", onclick: () => nav.back() }, icon("back"));
  const headAvatar = h("span.head-avatar");
  const title = h("h2.conv-title", { id: "conv-title", tabindex: "-1" });
  const subtitle = h("p.conv-sub", { id: "conv-sub" });
  const membersButton = h("button.icon-button", { type: "button", "aria-label": "Members", title: "Members", hidden: true, onclick: () => chatId && nav.members(chatId) }, icon("users"));
  const aiDot = h("span.dot-badge", { hidden: true, "aria-hidden": "true" });
  const aiButton = h("button.icon-button.ai-toggle", {
    type: "button", "aria-label": "AI assistant", title: "AI assistant", "aria-pressed": "false",
    "aria-controls": "ai-panel", onclick: () => nav.toggleAi(),
  }, icon("spark"), aiDot);
  const searchButton = h("button.icon-button", { type: "button", "aria-label": "Search messages", title: "Search messages", onclick: () => searchDialog({ chatId, open: (id, messageId) => nav.openAt(id, messageId) }) }, icon("search"));
  const muteButton = h("button.icon-button.mute-toggle", { type: "button", "aria-pressed": "false", onclick: () => toggleMute() }, svgIcon("bell"));
  const notifyButton = h("button.link-button.notify-enable", { type: "button", hidden: true, onclick: async () => {
    await enableNotifications();
    renderHeader();
  } }, "Enable notifications");
  const header = h("header.conv-head", {},
    backButton, headAvatar,
    h("div.conv-head-text", {}, title, subtitle),
    h("div.head-actions", {}, notifyButton, searchButton, muteButton, membersButton, aiButton));

  const historyTop = h("div.history-top", { "aria-live": "polite" });
  const list = h("ol.message-list", { "aria-labelledby": "conv-title" });
  const scroller = h("div.messages", { role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Messages", tabindex: "0" }, historyTop, list);
  const jump = h("button.jump", { type: "button", hidden: true, onclick: () => scrollToBottom(true) }, "New messages", icon("down"));
  const typingLine = h("div.typing-line", { "aria-live": "polite" });

  const input = h("textarea.composer-input", {
    rows: 1, placeholder: "Write a message…", "aria-label": "Message", id: "composer",
    "aria-describedby": "composer-hint composer-counter", maxlength: 20000,
  });
  const counter = h("span.counter", { id: "composer-counter", "aria-live": "polite" });
  const hint = h("span.visually-hidden", { id: "composer-hint" }, "Enter sends, Shift+Enter adds a new line.");
  const sendButton = h("button.send", { type: "submit", "aria-label": "Send" }, icon("send"));
  const fileInput = h("input.visually-hidden", { type: "file", "aria-label": "Attach a file", multiple: true });
  const attachButton = h("button.icon-button.attach", { type: "button", "aria-label": "Attach a file", title: "Attach a file", onclick: () => fileInput.click() }, svgIcon("clip"));
  const composerBar = h("div.composer-bar", { hidden: true, "aria-live": "polite" });
  const composer = h("form.composer", { "aria-label": "Send a message" }, composerBar, attachButton, fileInput, input, counter, hint, sendButton);

  const body = h("div.conv-body", { hidden: true }, header, scroller, jump, typingLine, composer);
  const empty = h("div.conv-empty", {},
    h("div.conv-empty-art", { "aria-hidden": "true" }, icon("spark")),
    h("h2", {}, "Your conversations live here"),
    h("p.muted", {}, "Pick a chat on the left, or find someone by username to say hello."));
  root.replaceChildren(empty, body);

  // -- composer ------------------------------------------------------------------------
  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 180)}px`;
  }

  function updateCounter() {
    const n = charCount(input.value.trim());
    const over = n > actions.MAX_TEXT;
    counter.textContent = n >= COUNTER_FROM ? `${n} / ${actions.MAX_TEXT}` : "";
    counter.classList.toggle("over", over);
    input.setAttribute("aria-invalid", String(over));
    sendButton.disabled = over;
  }

  input.addEventListener("input", () => {
    autosize();
    updateCounter();
    if (!chatId) return;
    drafts.set(chatId, input.value);
    if (input.value.trim()) actions.typing(chatId);
    else actions.stopTyping(chatId);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("blur", () => chatId && actions.stopTyping(chatId));
  fileInput.addEventListener("change", async () => {
    const id = chatId;
    for (const file of fileInput.files) {
      try {
        composerExtras(id).files.push(await uploadFile(id, file));
      } catch (error) {
        actions.report(error);
      }
    }
    fileInput.value = "";
    if (id === chatId) renderComposerBar();
  });

  function renderComposerBar() {
    const extra = chatId ? composerExtras(chatId) : null;
    const parts = [];
    if (extra?.editing) parts.push(h("span.bar-what", {}, "Editing your message"));
    else if (extra?.replyTo) {
      parts.push(h("span.bar-what", {}, `Replying to ${store.displayName(extra.replyTo.sender_id)}: `),
        h("span.bar-preview", {}, (extra.replyTo.text || "").slice(0, 80)));
    }
    for (const file of extra?.files || []) parts.push(h("span.bar-file", {}, `📎 ${file.name}`));
    composerBar.replaceChildren(...parts, parts.length
      ? h("button.icon-button", { type: "button", "aria-label": "Cancel", onclick: () => {
        if (extra?.editing) input.value = "";
        clearComposerExtras(chatId);
        renderComposerBar();
        updateCounter();
      } }, icon("close"))
      : "");
    composerBar.hidden = !parts.length;
  }

  function startReply(message) {
    const extra = composerExtras(chatId);
    extra.editing = null;
    extra.replyTo = message;
    renderComposerBar();
    input.focus();
  }

  function startEdit(message) {
    const extra = composerExtras(chatId);
    extra.replyTo = null;
    extra.editing = message;
    setDraft(message.text);
    renderComposerBar();
  }

  async function react(message, emoji, on) {
    try {
      await essentialsApi.react(message.chat_id, message.id, emoji, on);
    } catch (error) {
      actions.report(error);
    }
  }

  async function removeMessage(message) {
    if (!window.confirm("Delete this message for everyone?")) return;
    try {
      await essentialsApi.remove(message.chat_id, message.id);
    } catch (error) {
      actions.report(error);
    }
  }

  async function toggleMute() {
    const chat = store.state.chats.get(chatId);
    if (!chat) return;
    try {
      store.upsertChats([await essentialsApi.settings(chatId, !chat.muted)]);
    } catch (error) {
      actions.report(error);
    }
  }

  /** Scroll to a message (loading earlier pages when needed) and flash it. */
  async function jumpTo(messageId) {
    const id = chatId;
    const find = () => list.querySelector(`li.msg[data-message-id="${messageId}"]`);
    for (let page = 0; !find() && page < 40 && id === chatId; page += 1) {
      const c = store.conv(id);
      if (!c.loaded) await actions.loadHistory(id).catch(() => {});
      else if (!c.hasPrevious || !(await actions.loadOlder(id).catch(() => false))) break;
      renderMessages();
    }
    const target = find();
    if (!target) {
      actions.report(new Error("That message isn't available any more."));
      return;
    }
    target.scrollIntoView({ block: "center" });
    target.classList.add("flash");
    setTimeout(() => target.classList.remove("flash"), 1600);
  }

  composer.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!chatId) return;
    const extra = composerExtras(chatId);
    if (extra.editing) {
      const editing = extra.editing;
      try {
        await essentialsApi.edit(editing.chat_id, editing.id, input.value);
      } catch (error) {
        actions.report(error);
        return;
      }
      clearComposerExtras(chatId);
      input.value = "";
      drafts.delete(chatId);
      renderComposerBar();
      autosize();
      updateCounter();
      return;
    }
    const sendExtras = {};
    if (extra.replyTo) sendExtras.reply_to = extra.replyTo.id;
    if (extra.files.length) sendExtras.file_ids = extra.files.map((f) => f.id);
    let problem = null;
    if (Object.keys(sendExtras).length) {
      try {
        await sendRich(chatId, input.value, sendExtras);
      } catch (error) {
        actions.report(error);
        return;
      }
    } else {
      problem = actions.sendMessage(chatId, input.value);
    }
    if (!problem) {
      clearComposerExtras(chatId);
      renderComposerBar();
    }
    if (problem) {
      if (input.value.trim()) counter.textContent = problem;
      return;
    }
    input.value = "";
    drafts.delete(chatId);
    autosize();
    updateCounter();
    input.focus();
    scrollToBottom(false);
  });

  /** Put text in the composer (e.g. an AI suggested reply) and focus it. */
  function setDraft(text) {
    input.value = text;
    if (chatId) drafts.set(chatId, text);
    autosize();
    updateCounter();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  // -- scrolling -----------------------------------------------------------------------
  const distanceFromBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  const nearBottom = () => distanceFromBottom() < NEAR_BOTTOM_PX;

  function scrollToBottom(smooth) {
    scroller.scrollTo({ top: scroller.scrollHeight, behavior: smooth ? "smooth" : "auto" });
    jump.hidden = true;
  }

  async function loadOlder() {
    if (!chatId) return;
    const id = chatId;
    const c = store.conv(id);
    if (!c.hasPrevious || c.loadingOlder || !c.loaded) return;
    historyTop.textContent = "Loading earlier messages…";
    try {
      await actions.loadOlder(id);
    } catch (error) {
      if (id === chatId) historyTop.textContent = "";
      actions.report(error);
    }
  }

  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < LOAD_OLDER_PX) loadOlder();
    if (nearBottom()) {
      jump.hidden = true;
      if (chatId && nav.visible()) actions.markRead(chatId);
    }
  }, { passive: true });

  // -- messages ------------------------------------------------------------------------
  function keyOf(message) {
    return message.request_id && message.sender_id === store.state.me.id
      ? `r:${message.request_id}`
      : `m:${message.id}`;
  }

  function statusOf(message, readSeq) {
    if (message.status === "failed") return "failed";
    if (message.status === "pending") return "pending";
    const chat = store.state.chats.get(message.chat_id);
    if (chat?.type === "direct" && message.seq <= readSeq) return "read";
    return "sent";
  }

  const STATUS_TEXT = { pending: "Sending…", sent: "Sent", read: "Read", failed: "Not sent" };
  const STATUS_ICON = { pending: "clock", sent: "check", read: "checks", failed: "alert" };

  function renderMessage(message, { mine, showSender, status }) {
    const chat = store.state.chats.get(message.chat_id);
    const sender = store.displayName(message.sender_id);
    const meta = h("span.meta", {},
      message.ai_generated
        ? h("span.ai-badge", { role: "img", "aria-label": `Written by the AI assistant for ${mine ? "you" : sender}`, title: "Written by the AI assistant" }, "AI")
        : null,
      editedMark(message),
      h("time", { datetime: message.created_at, title: formatFull(message.created_at) }, formatTime(message.created_at)),
      mine ? h(`span.status.status-${status}`, { "aria-label": STATUS_TEXT[status], title: STATUS_TEXT[status] }, icon(STATUS_ICON[status])) : null);
    const bubble = h("div.bubble", {},
      showSender ? h("span.sender", { dataset: { hue: String(hueOf(message.sender_id)) } }, sender) : null,
      replyQuote(message, jumpTo),
      messageText(message),
      filesBlock(message),
      meta,
      reactionsRow(message, (emoji, on) => react(message, emoji, on)));
    const canDelete = mine || (chat?.type === "group" && chat.owner_id === store.state.me.id);
    const tools = messageActions(message, { mine, canDelete }, {
      reply: () => startReply(message),
      react: (emoji, on) => react(message, emoji, on),
      edit: () => startEdit(message),
      remove: () => removeMessage(message),
    });
    const children = [
      !mine && chat?.type === "group" ? (showSender ? avatar(sender, message.sender_id, { size: "sm" }) : h("span.avatar-spacer")) : null,
      bubble,
      tools,
    ];
    if (status === "failed") {
      children.push(h("div.failed-actions", {},
        h("span", {}, message.error || "Not sent."),
        h("button.link-button", { type: "button", onclick: () => actions.retryMessage(message.chat_id, message.request_id) }, "Retry"),
        h("button.link-button", { type: "button", onclick: () => actions.discardMessage(message.chat_id, message.request_id) }, "Discard")));
    }
    return children;
  }

  function hueOf(id) {
    let n = 0;
    for (const ch of id || "") n = (n * 31 + ch.codePointAt(0)) >>> 0;
    return n % 8;
  }

  function renderMessages({ initial = false } = {}) {
    if (!chatId) return;
    const c = store.conv(chatId);
    const me = store.state.me.id;
    const readSeq = store.partnerReadSeq(chatId);
    const group = store.state.chats.get(chatId)?.type === "group";
    const wasNearBottom = initial || nearBottom();
    const oldHeight = scroller.scrollHeight;
    const oldTop = scroller.scrollTop;
    const firstMessage = () => list.querySelector("li.msg")?.dataset.key;
    const firstKeyBefore = firstMessage();
    const lastKeyBefore = list.lastElementChild?.dataset.key;

    const wanted = [];
    let prevDay = null;
    let prevSender = null;
    for (const message of store.timeline(chatId)) {
      const day = dayKey(message.created_at);
      if (day !== prevDay) {
        wanted.push({ key: `d:${day}`, day: message.created_at });
        prevDay = day;
        prevSender = null;
      }
      const mine = message.sender_id === me;
      const status = statusOf(message, readSeq);
      const showSender = group && !mine && prevSender !== message.sender_id;
      prevSender = message.sender_id;
      wanted.push({ key: keyOf(message), message, mine, status, showSender });
    }

    const fresh = new Map();
    let previous = null;
    for (const item of wanted) {
      let li = elements.get(item.key);
      if (item.day) {
        if (!li) li = h("li.day", { role: "separator" }, h("span", {}, formatDay(item.day)));
        li.dataset.key = item.key;
      } else {
        const m = item.message;
        const signature = [
          m.id, m.status, item.status, item.showSender && store.displayName(m.sender_id), m.error || "",
          m.edited_at || "", m.deleted ? "deleted" : "", m.text,
          JSON.stringify(m.reactions || []), (m.files || []).map((f) => f.id).join(","),
          JSON.stringify(m.reply_to || null),
        ].join("|");
        if (!li || li.dataset.signature !== signature) {
          const next = h(`li.msg.${item.mine ? "mine" : "theirs"}`, {
            dataset: { key: item.key, signature, status: item.status, sender: m.sender_id },
          }, renderMessage(m, item));
          if (m.id) next.dataset.messageId = m.id;
          if (m.seq) next.dataset.seq = String(m.seq);
          if (m.ai_generated) next.classList.add("ai");
          if (m.deleted) next.classList.add("deleted");
          if (li) li.replaceWith(next);
          li = next;
        }
      }
      fresh.set(item.key, li);
      const expected = previous ? previous.nextSibling : list.firstChild;
      if (expected !== li) list.insertBefore(li, expected);
      previous = li;
    }
    for (const [key, li] of elements) if (!fresh.has(key)) li.remove();
    elements = fresh;

    // History state at the top.
    if (c.error && !c.messages.length) historyTop.textContent = c.error;
    else if (!c.loaded) historyTop.textContent = "Loading messages…";
    else if (c.hasPrevious) historyTop.textContent = "";
    else historyTop.textContent = c.messages.length ? "This is the beginning of the conversation." : "No messages yet. Say hello!";

    // Scroll: stick to the bottom, keep the view when older messages came in above.
    const prepended = firstKeyBefore && firstMessage() !== firstKeyBefore && lastKeyBefore === list.lastElementChild?.dataset.key;
    if (prepended) {
      scroller.scrollTop = oldTop + (scroller.scrollHeight - oldHeight);
    } else if (wasNearBottom) {
      scrollToBottom(false);
    } else if (lastKeyBefore !== list.lastElementChild?.dataset.key) {
      jump.hidden = false;
    }
    // A first page shorter than the screen: fetch more so that scrolling up is possible.
    if (c.loaded && c.hasPrevious && scroller.scrollHeight <= scroller.clientHeight + 8) loadOlder();
  }

  // -- header and typing ------------------------------------------------------------------
  function renderHeader() {
    const chat = store.state.chats.get(chatId);
    if (!chat) return;
    const name = store.chatTitle(chat);
    title.textContent = name;
    const typers = store.typers(chatId);
    let sub;
    if (chat.type === "direct") {
      const partner = chat.partner;
      const online = partner ? store.isOnline(partner.id) : false;
      headAvatar.replaceChildren(avatar(name, partner?.id, { online }));
      sub = typers.length ? "typing…" : online ? "online" : lastSeen(store.state.users.get(partner?.id)?.last_seen_at);
      subtitle.classList.toggle("online", online && !typers.length);
    } else {
      headAvatar.replaceChildren(h("span.avatar.avatar-group", { "aria-hidden": "true" }, icon("users")));
      const members = store.state.members.get(chatId);
      // The viewer counts: they are here, online.
      const onlineCount = members ? members.filter((m) => m.user.id === store.state.me.id || store.isOnline(m.user.id)).length : 0;
      sub = `${chat.members_count} member${chat.members_count === 1 ? "" : "s"}${onlineCount ? `, ${onlineCount} online` : ""}`;
      subtitle.classList.remove("online");
    }
    subtitle.textContent = sub;
    membersButton.hidden = chat.type !== "group";
    muteButton.replaceChildren(svgIcon(chat.muted ? "bellOff" : "bell"));
    muteButton.setAttribute("aria-pressed", String(Boolean(chat.muted)));
    muteButton.setAttribute("aria-label", chat.muted ? "Unmute this chat" : "Mute this chat");
    muteButton.title = muteButton.getAttribute("aria-label");
    notifyButton.hidden = !notificationsSupported() || Notification.permission !== "default";
    const unseen = store.state.adviceUnseen.get(chatId) || 0;
    aiDot.hidden = !unseen;
    aiButton.setAttribute("aria-label", unseen ? `AI assistant, ${unseen} new advice` : "AI assistant");
    aiButton.setAttribute("aria-pressed", String(store.state.aiOpen));
  }

  function renderTyping() {
    const typers = store.typers(chatId);
    subtitle.classList.toggle("typing", typers.length > 0);
    let text = "";
    if (typers.length === 1) text = `${store.displayName(typers[0])} is typing…`;
    else if (typers.length === 2) text = `${store.displayName(typers[0])} and ${store.displayName(typers[1])} are typing…`;
    else if (typers.length > 2) text = "Several people are typing…";
    typingLine.replaceChildren(text ? h("span.typing-dots", { "aria-hidden": "true" }, h("i"), h("i"), h("i")) : "", text);
    renderHeader();
  }

  // -- switching chats ---------------------------------------------------------------------
  function show(id) {
    if (id === chatId) return;
    if (chatId) actions.stopTyping(chatId);
    unsubscribe.forEach((fn) => fn());
    unsubscribe = [];
    chatId = id;
    elements = new Map();
    list.replaceChildren();
    jump.hidden = true;
    if (!id) {
      body.hidden = true;
      empty.hidden = false;
      return;
    }
    body.hidden = false;
    empty.hidden = true;
    input.value = drafts.get(id) || "";
    autosize();
    updateCounter();
    renderComposerBar();
    const own = (fn) => (detail) => {
      if (!detail.chatId || detail.chatId === chatId) fn(detail);
    };
    unsubscribe = [
      store.on("messages", own(() => renderMessages())),
      store.on("reads", own(() => renderMessages())),
      store.on("typing", own(renderTyping)),
      store.on("chats", () => renderHeader()),
      store.on("members", own(() => {
        renderHeader();
        renderMessages();
      })),
      store.on("advice", own(renderHeader)),
      store.on("presence", () => renderHeader()),
    ];
    renderHeader();
    renderTyping();
    const c = store.conv(id);
    renderMessages({ initial: true });
    if (!c.loaded) {
      actions.loadHistory(id).then(() => {
        if (id === chatId) {
          renderMessages({ initial: true });
          if (nav.visible()) actions.markRead(id);
        }
      }).catch((error) => actions.report(error));
    } else if (nav.visible()) {
      actions.markRead(id);
    }
    const chat = store.state.chats.get(id);
    if (chat?.type === "group" && !store.state.members.has(id)) {
      actions.loadMembers(id).catch(() => {});
    }
  }

  return {
    show,
    setDraft,
    jumpTo,
    focusComposer: () => input.focus(),
    refreshHeader: renderHeader,
    get chatId() {
      return chatId;
    },
  };
}
