// The client's state and the only code that changes it. Views subscribe to topics:
//   "chats"            the chat list (order, previews, unread counts, presence)
//   "messages" {chatId} a conversation's messages (added, confirmed, failed)
//   "typing" {chatId}   "reads" {chatId}   "advice" {chatId}   "bindings" {chatId}
//   "members" {chatId}  "connection"       "active"             "me"

import { uuid } from "./dom.js";

let events = new EventTarget();

export function on(topic, fn) {
  const listener = (event) => fn(event.detail || {});
  events.addEventListener(topic, listener);
  return () => events.removeEventListener(topic, listener);
}

export function emit(topic, detail = {}) {
  events.dispatchEvent(new CustomEvent(topic, { detail }));
}

export const state = {
  me: null, // {id, username, display_name}
  chats: new Map(), // id → chat object (the contract's shape, kept up to date)
  users: new Map(), // id → {id, username, display_name, online?, last_seen_at?}
  online: new Map(), // user id → bool, from presence frames (newer than chat objects)
  convs: new Map(), // chat id → Conversation (only chats opened in this tab)
  typing: new Map(), // chat id → Map(user id → timer)
  reads: new Map(), // chat id → Map(user id → seq): other members' read cursors
  advice: new Map(), // chat id → [advice], oldest first
  adviceUnseen: new Map(), // chat id → count of advice that arrived while the panel was shut
  bindings: new Map(), // chat id → {loaded, unavailable, advice: binding|null, autoreply: …}
  members: new Map(), // chat id → [{user, role, joined_at}]
  activeChatId: null,
  aiOpen: false,
  connection: "connecting",
};

/** Forget everything (sign out): state, and every subscriber of the old views. */
export function reset() {
  events = new EventTarget();
  for (const timers of state.typing.values()) for (const t of timers.values()) clearTimeout(t);
  state.me = null;
  for (const key of ["chats", "users", "online", "convs", "typing", "reads", "advice",
    "adviceUnseen", "bindings", "members"]) state[key].clear();
  state.activeChatId = null;
  state.aiOpen = false;
  state.connection = "connecting";
}

// -- people ----------------------------------------------------------------------------

export function rememberUser(user) {
  if (!user?.id) return;
  state.users.set(user.id, { ...state.users.get(user.id), ...user });
}

export function displayName(userId) {
  if (state.me && userId === state.me.id) return "You";
  const user = state.users.get(userId);
  return user?.display_name || user?.username || "Someone";
}

export function isOnline(userId) {
  if (state.online.has(userId)) return state.online.get(userId);
  return Boolean(state.users.get(userId)?.online);
}

export function setPresence(userId, online, at) {
  state.online.set(userId, online);
  const user = state.users.get(userId);
  if (user && !online && at) user.last_seen_at = at;
  emit("chats");
  emit("presence", { userId });
}

// -- chats -----------------------------------------------------------------------------

export function chatTitle(chat) {
  if (!chat) return "";
  if (chat.type === "direct") {
    return chat.partner?.display_name || chat.partner?.username || "Direct chat";
  }
  return chat.title || "Room";
}

/** Merge chats from the server. A chat we already saw further (live) keeps its counters. */
export function upsertChats(list, { replaceAll = false } = {}) {
  const seen = new Set();
  for (const chat of list) {
    seen.add(chat.id);
    if (chat.partner) rememberUser(chat.partner);
    const known = state.chats.get(chat.id);
    if (known && known.last_seq > chat.last_seq) {
      Object.assign(known, {
        ...chat,
        last_seq: known.last_seq,
        last_read_seq: Math.max(known.last_read_seq, chat.last_read_seq),
        unread_count: known.unread_count,
        last_message: known.last_message,
        updated_at: known.updated_at,
      });
    } else if (known) {
      Object.assign(known, chat);
    } else {
      state.chats.set(chat.id, { ...chat });
    }
    const partnerRead = chat.partner?.last_read_seq; // used if the server sends it
    if (typeof partnerRead === "number") noteRead(chat.id, chat.partner.id, partnerRead, false);
  }
  if (replaceAll) {
    for (const id of [...state.chats.keys()]) if (!seen.has(id)) state.chats.delete(id);
  }
  // Fresh chat objects carry fresh presence.
  for (const chat of list) if (chat.partner) state.online.delete(chat.partner.id);
  emit("chats");
}

export function removeChat(chatId) {
  state.chats.delete(chatId);
  state.convs.delete(chatId);
  state.members.delete(chatId);
  emit("chats");
}

/** Chats, newest activity first. */
export function sortedChats() {
  return [...state.chats.values()].sort((a, b) => {
    const ta = a.last_message?.created_at || a.updated_at || a.created_at || "";
    const tb = b.last_message?.created_at || b.updated_at || b.created_at || "";
    return tb.localeCompare(ta) || b.id.localeCompare(a.id);
  });
}

/** Chat id → the last seq this tab has seen (what `sync` asks the server to continue from). */
export function syncPositions() {
  const positions = {};
  // The server takes at most 1000 chats per sync: the most recently active ones matter.
  for (const chat of sortedChats().slice(0, 1000)) positions[chat.id] = chat.last_seq || 0;
  return positions;
}

export function setMembers(chatId, members) {
  state.members.set(chatId, members);
  for (const member of members) rememberUser(member.user);
  emit("members", { chatId });
}

// -- messages --------------------------------------------------------------------------

/** The conversation of a chat (created empty, filled by history and live frames). */
export function conv(chatId) {
  let c = state.convs.get(chatId);
  if (!c) {
    c = {
      chatId,
      messages: [], // confirmed, ascending seq
      byId: new Map(),
      pending: new Map(), // request_id → message (not yet acknowledged, or failed)
      hasPrevious: false,
      loaded: false,
      loadingOlder: false,
      error: null,
    };
    state.convs.set(chatId, c);
  }
  return c;
}

function insertSorted(list, message) {
  let i = list.length;
  while (i > 0 && list[i - 1].seq > message.seq) i -= 1;
  list.splice(i, 0, message);
}

/**
 * A stored message (history page, live `new_message`, or `sync` replay). Duplicates (by id)
 * are ignored; our own pending copy (same request_id) is confirmed. Returns true if new.
 */
export function addMessage(message, { live = true } = {}) {
  const chat = state.chats.get(message.chat_id);
  const mine = state.me && message.sender_id === state.me.id;
  const c = state.convs.get(message.chat_id);
  let added = false;
  if (c && !c.byId.has(message.id)) {
    if (mine && message.request_id && c.pending.has(message.request_id)) {
      c.pending.delete(message.request_id);
    }
    const record = { ...message, status: "sent" };
    c.byId.set(message.id, record);
    insertSorted(c.messages, record);
    added = true;
  }
  if (chat && live && message.seq > (chat.last_seq || 0)) {
    const gap = message.seq - (chat.last_seq || 0);
    chat.last_seq = message.seq;
    chat.last_message = {
      id: message.id, seq: message.seq, sender_id: message.sender_id, text: message.text,
      created_at: message.created_at, ai_generated: message.ai_generated,
    };
    chat.updated_at = message.created_at;
    if (mine) {
      chat.last_read_seq = message.seq;
      chat.unread_count = 0;
    } else {
      chat.unread_count = (chat.unread_count || 0) + gap;
    }
    added = true;
    emit("chats");
  }
  if (added && c) emit("messages", { chatId: message.chat_id });
  return added;
}

/** A history page (ascending). `older`: it was fetched with before_id. */
export function addHistory(chatId, page, { older = false } = {}) {
  const c = conv(chatId);
  for (const message of page.messages) addMessage(message, { live: false });
  if (older || !c.loaded) c.hasPrevious = page.has_previous;
  c.loaded = true;
  c.error = null;
  const last = page.messages.at(-1);
  const chat = state.chats.get(chatId);
  if (last && chat && last.seq > (chat.last_seq || 0)) addMessage(last); // refresh the preview
  emit("messages", { chatId });
}

/** Our own message before the server acknowledged it (`requestId`: one restored after a
 * reload keeps its own, so that the server can tell a repeat). */
export function addPending(chatId, text, requestId = uuid()) {
  const message = {
    id: null,
    chat_id: chatId,
    seq: null,
    sender_id: state.me.id,
    text,
    created_at: new Date().toISOString(),
    ai_generated: false,
    request_id: requestId,
    status: "pending",
  };
  conv(chatId).pending.set(message.request_id, message);
  emit("messages", { chatId });
  return message;
}

/** `message_sent`: our message is durably stored. */
export function confirmSent(frame) {
  const c = state.convs.get(frame.chat_id);
  const pending = c?.pending.get(frame.request_id);
  if (!pending) return;
  addMessage({
    id: frame.message_id,
    chat_id: frame.chat_id,
    seq: frame.seq,
    sender_id: state.me.id,
    text: pending.text,
    created_at: frame.created_at,
    ai_generated: false,
    request_id: frame.request_id,
    edited_at: null,
  });
  c.pending.delete(frame.request_id); // also when the sync replay confirmed it first
  emit("messages", { chatId: frame.chat_id });
}

/** An error frame answered one of our messages: it stays, marked failed, with a retry. */
export function failPending(requestId, reason) {
  for (const c of state.convs.values()) {
    const pending = c.pending.get(requestId);
    if (pending) {
      pending.status = "failed";
      pending.error = reason;
      emit("messages", { chatId: c.chatId });
      return pending;
    }
  }
  return null;
}

export function retryPending(chatId, requestId) {
  const pending = state.convs.get(chatId)?.pending.get(requestId);
  if (!pending) return null;
  pending.status = "pending";
  pending.error = null;
  emit("messages", { chatId });
  return pending;
}

export function discardPending(chatId, requestId) {
  state.convs.get(chatId)?.pending.delete(requestId);
  emit("messages", { chatId });
}

/** Everything shown in a conversation, in order: confirmed, then pending/failed. */
export function timeline(chatId) {
  const c = state.convs.get(chatId);
  if (!c) return [];
  return [...c.messages, ...c.pending.values()];
}

/** Our read cursor moved (we saw up to `seq`). */
export function markReadLocally(chatId, seq) {
  const chat = state.chats.get(chatId);
  if (!chat || seq <= (chat.last_read_seq || 0)) return false;
  chat.last_read_seq = seq;
  chat.unread_count = Math.max(0, (chat.last_seq || 0) - seq);
  emit("chats");
  return true;
}

// -- typing and reads -----------------------------------------------------------------

const TYPING_TTL_MS = 6_000;

export function setTyping(chatId, userId, isTyping) {
  let timers = state.typing.get(chatId);
  if (!timers) state.typing.set(chatId, (timers = new Map()));
  clearTimeout(timers.get(userId));
  timers.delete(userId);
  if (isTyping) {
    timers.set(userId, setTimeout(() => setTyping(chatId, userId, false), TYPING_TTL_MS));
  }
  emit("typing", { chatId });
  emit("chats");
}

export function typers(chatId) {
  return [...(state.typing.get(chatId)?.keys() || [])];
}

export function noteRead(chatId, userId, seq, notify = true) {
  let cursors = state.reads.get(chatId);
  if (!cursors) state.reads.set(chatId, (cursors = new Map()));
  if ((cursors.get(userId) || 0) >= seq) return;
  cursors.set(userId, seq);
  if (notify) emit("reads", { chatId });
}

/** The partner's read cursor in a direct chat (0 when unknown). */
export function partnerReadSeq(chatId) {
  const chat = state.chats.get(chatId);
  if (chat?.type !== "direct" || !chat.partner) return 0;
  return state.reads.get(chatId)?.get(chat.partner.id) || 0;
}

// -- AI --------------------------------------------------------------------------------

export function setBindings(chatId, list, { unavailable = false } = {}) {
  const entry = { loaded: true, unavailable, advice: null, autoreply: null };
  for (const binding of list || []) entry[binding.type] = binding;
  state.bindings.set(chatId, entry);
  emit("bindings", { chatId });
}

/** What a piece of advice says: asked twice about the same message, the assistant gives the
 * same advice again under a new id, and it is shown once. */
function adviceKey(item) {
  return JSON.stringify([item.in_reply_to || null, item.text, item.suggested_reply || null]);
}

/**
 * Advice from the list (REST) or live (`ai_advice`), kept once per id and once per content.
 * A live repeat of advice already shown emits `{repeated: <the shown one's id>}`.
 */
export function addAdvice(chatId, items, { live = false } = {}) {
  const list = state.advice.get(chatId) || [];
  const known = new Set(list.map((a) => a.id));
  const said = new Map(list.map((a) => [adviceKey(a), a.id]));
  let added = 0;
  let repeated = null;
  for (const item of items) {
    const id = item.id || item.advice_id;
    if (!id || known.has(id)) continue;
    known.add(id);
    const shown = said.get(adviceKey(item));
    if (shown) {
      repeated = shown;
      continue;
    }
    said.set(adviceKey(item), id);
    list.push({ ...item, id });
    added += 1;
  }
  list.sort((a, b) => (a.created_at || "").localeCompare(b.created_at || ""));
  state.advice.set(chatId, list);
  if (live && added && !(state.aiOpen && state.activeChatId === chatId)) {
    state.adviceUnseen.set(chatId, (state.adviceUnseen.get(chatId) || 0) + added);
  }
  if (added) emit("advice", { chatId, live });
  else if (live && repeated) emit("advice", { chatId, live, repeated });
}
