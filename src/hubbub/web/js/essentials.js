// Messenger essentials (issue 15): edits, deletes, reactions, replies, files, search, mute,
// mentions and browser notifications. REST calls, `message_updated` frames into the store,
// and what the composer carries besides text (a reply, attached files).

import { ApiError, humanError, request } from "./api.js";
import { uuid } from "./dom.js";
import { loadSession } from "./session.js";
import * as store from "./store.js";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

const enc = encodeURIComponent;
const messagePath = (chatId, id) => `/chats/${enc(chatId)}/messages/${enc(id)}`;

export const essentialsApi = {
  edit: (chatId, id, text) => request("PATCH", messagePath(chatId, id), { body: { text } }),
  remove: (chatId, id) => request("DELETE", messagePath(chatId, id)),
  react: (chatId, id, emoji, on) =>
    request(on ? "PUT" : "DELETE", `${messagePath(chatId, id)}/reactions/${enc(emoji)}`),
  search: (q, { chatId, before } = {}) =>
    request("GET", "/search/messages", { query: { q, chat_id: chatId, before, limit: 20 } }),
  settings: (chatId, muted) => request("PATCH", `/chats/${enc(chatId)}/settings`, { body: { muted } }),
  files: (chatId) => request("GET", `/chats/${enc(chatId)}/files`, { query: { limit: 50 } }),
};

/** Send a message that answers another or carries files, over REST: the answer is the
 * stored message with its reply preview and file links (the socket's ack has neither). */
export async function sendRich(chatId, text, extras) {
  const body = { text: text.trim(), request_id: uuid(), ...extras };
  const message = await request("POST", `/chats/${enc(chatId)}/messages`, { body });
  store.addMessage(message);
  return message;
}

/** Upload one file to a chat (multipart): the file object, or an ApiError. */
export async function uploadFile(chatId, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  let response;
  try {
    response = await fetch(`/api/v1/chats/${enc(chatId)}/files`, {
      method: "POST",
      headers: { Authorization: `Bearer ${loadSession()?.token || ""}`, Accept: "application/json" },
      body: form,
    });
  } catch {
    throw new ApiError(humanError("network_error"));
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  const code = data?.error?.code || "http_error";
  throw new ApiError(fileError(code, data?.error?.message || "", response.status), {
    status: response.status,
    code,
  });
}

function fileError(code, message, status) {
  switch (code) {
    case "file_type_mismatch":
      return "That file isn't what its name says it is.";
    case "file_too_large":
    case "payload_too_large":
      return "That file is too large.";
    case "empty_file":
      return "That file is empty.";
    case "invalid_image":
      return "That image can't be read.";
    default:
      return humanError(code, message, { status });
  }
}

// -- the store side of changes ----------------------------------------------------------

/** A message changed (edit, delete, reactions): replace our copy, wherever it is shown. */
export function applyUpdate(message) {
  const mine = store.state.me?.id;
  const known = store.state.convs.get(message.chat_id)?.byId.get(message.id);
  if (known) {
    const reactions = (message.reactions || []).map((r) => ({
      ...r,
      me: Array.isArray(r.user_ids) ? r.user_ids.includes(mine) : Boolean(r.me),
    }));
    Object.assign(known, message, { reactions, status: known.status || "sent" });
  }
  const chat = store.state.chats.get(message.chat_id);
  if (chat?.last_message?.id === message.id) {
    chat.last_message = { ...chat.last_message, text: message.text, deleted: message.deleted };
    store.emit("chats");
  }
  store.emit("messages", { chatId: message.chat_id });
}

/** What the composer of each chat carries besides text. */
const extras = new Map(); // chat id → {replyTo: message|null, editing: message|null, files: []}

export function composerExtras(chatId) {
  let entry = extras.get(chatId);
  if (!entry) {
    entry = { replyTo: null, editing: null, files: [] };
    extras.set(chatId, entry);
  }
  return entry;
}

export function clearComposerExtras(chatId) {
  extras.delete(chatId);
}

// -- mentions ---------------------------------------------------------------------------

const MENTION = /(^|[^\w@])@([A-Za-z0-9_.-]{3,50})/g;

/** Split text into plain strings and {mention, me} parts (rendered as text nodes). */
export function mentionParts(text) {
  const me = (store.state.me?.username || "").toLowerCase();
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const start = match.index + match[1].length;
    const name = match[2].replace(/[.-]+$/, "");
    if (start > last) parts.push(text.slice(last, start));
    parts.push({ mention: `@${name}`, me: name.toLowerCase() === me });
    last = start + 1 + name.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

// -- notifications ----------------------------------------------------------------------

export function notificationsSupported() {
  return typeof Notification !== "undefined";
}

export async function enableNotifications() {
  if (!notificationsSupported()) return "unsupported";
  return Notification.requestPermission();
}

/** A browser notification for a new message, when the tab is hidden and the chat is not
 * muted (and the person allowed notifications). */
export function maybeNotify(message) {
  if (!notificationsSupported() || Notification.permission !== "granted") return null;
  if (document.visibilityState === "visible" || message.sender_id === store.state.me?.id) return null;
  const chat = store.state.chats.get(message.chat_id);
  if (!chat || chat.muted) return null;
  const sender = store.displayName(message.sender_id);
  const title = chat.type === "group" ? `${sender} in ${store.chatTitle(chat)}` : sender;
  const body = message.text || (message.files?.length ? "Sent a file" : "");
  const note = new Notification(title, { body: body.slice(0, 200), tag: message.chat_id });
  note.onclick = () => {
    window.focus();
    location.hash = `#/chat/${message.chat_id}`;
    note.close();
  };
  return note;
}

// -- search highlights ------------------------------------------------------------------

const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };

/** The server's escaped highlight as [{text, mark}] parts, without ever using innerHTML. */
export function highlightParts(highlight) {
  const unescape = (s) => s.replace(/&(lt|gt|amp|quot|#x27|#39);/g, (m) => ENTITIES[m] || m);
  const parts = [];
  for (const [i, piece] of highlight.split(/<\/?mark>/).entries()) {
    if (piece) parts.push({ text: unescape(piece), mark: i % 2 === 1 });
  }
  return parts;
}
