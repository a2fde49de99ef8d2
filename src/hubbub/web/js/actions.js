// What a person does, turned into REST calls and socket frames (and store updates).
// Views call these; they never talk to the API or the socket themselves.

import { api } from "./api.js";
import { charCount } from "./dom.js";
import * as store from "./store.js";
import { toast } from "./views/toasts.js";

export const MAX_TEXT = 4096;
const TYPING_EVERY_MS = 3_000; // resend "typing: true" at most this often while typing
const TYPING_IDLE_MS = 4_000; // then "typing: false" after this long without a key

let socket = null;

export function useSocket(value) {
  socket = value;
}

/** Show an ApiError (or anything thrown) as a toast. */
export function report(error) {
  toast(error?.message || "Something went wrong. Please try again.", { kind: "error" });
}

// -- chats -------------------------------------------------------------------------------

export async function loadChats() {
  const all = [];
  let offset = 0;
  for (let page = 0; page < 10; page += 1) {
    const answer = await api.chats(offset);
    all.push(...answer.chats);
    if (!answer.has_more) break;
    offset += answer.chats.length;
  }
  store.upsertChats(all, { replaceAll: true });
}

export async function refreshChat(chatId) {
  try {
    store.upsertChats([await api.chat(chatId)]);
  } catch {
    /* a chat we cannot see any more: ignore */
  }
}

export async function openDirect(user) {
  store.rememberUser(user);
  const chat = await api.openDirect(user.id);
  store.upsertChats([chat]);
  return chat;
}

export async function createGroup(title, memberIds) {
  const chat = await api.createGroup(title, memberIds);
  store.upsertChats([chat]);
  return chat;
}

export async function loadMembers(chatId) {
  const answer = await api.members(chatId);
  store.setMembers(chatId, answer.members);
  return answer.members;
}

export async function invite(chatId, user) {
  await api.invite(chatId, user.id);
  store.rememberUser(user);
  await loadMembers(chatId);
  await refreshChat(chatId);
}

export async function leave(chatId) {
  await api.removeMember(chatId, store.state.me.id);
  store.removeChat(chatId);
}

/** The owner removes someone from a room (the room's count follows the `member_left` frame). */
export async function removeMember(chatId, userId) {
  await api.removeMember(chatId, userId);
  await loadMembers(chatId);
}

// -- messages ----------------------------------------------------------------------------

export async function loadHistory(chatId) {
  const c = store.conv(chatId);
  try {
    store.addHistory(chatId, await api.messages(chatId, { limit: 50 }));
  } catch (error) {
    c.error = error.message;
    store.emit("messages", { chatId });
    throw error;
  }
}

/** The page before the oldest message shown (scrolling up). */
export async function loadOlder(chatId) {
  const c = store.conv(chatId);
  if (!c.loaded || !c.hasPrevious || c.loadingOlder) return false;
  const oldest = c.messages[0];
  if (!oldest) return false;
  c.loadingOlder = true;
  try {
    store.addHistory(chatId, await api.messages(chatId, { limit: 50, beforeId: oldest.id }), {
      older: true,
    });
    return true;
  } finally {
    c.loadingOlder = false;
  }
}

/** Check and send a message; it shows at once as pending. Returns an error text or null. */
export function sendMessage(chatId, raw) {
  const text = raw.trim();
  if (!text) return "Type a message first.";
  if (charCount(text) > MAX_TEXT) {
    return `That message is too long: ${charCount(text)} of at most ${MAX_TEXT} characters.`;
  }
  const pending = store.addPending(chatId, text);
  stopTyping(chatId);
  socket.sendMessage({ type: "message", chat_id: chatId, text, request_id: pending.request_id });
  return null;
}

export function retryMessage(chatId, requestId) {
  const pending = store.retryPending(chatId, requestId);
  if (pending) {
    socket.sendMessage({ type: "message", chat_id: chatId, text: pending.text, request_id: requestId });
  }
}

export function discardMessage(chatId, requestId) {
  socket.settle(requestId);
  store.discardPending(chatId, requestId);
}

/** Tell the server (and the others) we read the chat up to its last message. */
export function markRead(chatId) {
  const chat = store.state.chats.get(chatId);
  if (!chat || !chat.last_seq || chat.last_seq <= (chat.last_read_seq || 0)) return;
  const seq = chat.last_seq;
  store.markReadLocally(chatId, seq);
  if (!socket.send({ type: "read", chat_id: chatId, seq })) {
    api.markRead(chatId, seq).catch(() => {}); // offline: the next visit marks it again
  }
}

// -- typing ------------------------------------------------------------------------------

const typingState = new Map(); // chat id → {sentAt, idle}

export function typing(chatId) {
  const now = Date.now();
  const entry = typingState.get(chatId) || { sentAt: 0, idle: 0 };
  if (now - entry.sentAt > TYPING_EVERY_MS) {
    if (socket.send({ type: "typing", chat_id: chatId, is_typing: true })) entry.sentAt = now;
  }
  clearTimeout(entry.idle);
  entry.idle = setTimeout(() => stopTyping(chatId), TYPING_IDLE_MS);
  typingState.set(chatId, entry);
}

export function stopTyping(chatId) {
  const entry = typingState.get(chatId);
  if (!entry) return;
  clearTimeout(entry.idle);
  typingState.delete(chatId);
  if (entry.sentAt) socket.send({ type: "typing", chat_id: chatId, is_typing: false });
}

// -- AI ----------------------------------------------------------------------------------

export async function loadBindings(chatId) {
  try {
    const answer = await api.bindings(chatId);
    const list = Array.isArray(answer) ? answer : answer?.bindings || answer?.items || [];
    store.setBindings(chatId, list);
  } catch (error) {
    // No such route (a server without the assistant), not "no such chat".
    const missing = error.status === 404 && error.code === "not_found";
    if (missing || error.status === 405 || error.status === 501 || error.code === "ai_unavailable") {
      store.setBindings(chatId, [], { unavailable: true });
      return;
    }
    throw error;
  }
}

export async function setBinding(chatId, type, enabled) {
  const current = store.state.bindings.get(chatId)?.[type];
  try {
    if (enabled && !current) await api.bind(chatId, type);
    else if (!enabled && current) await api.unbind(chatId, current.id);
  } catch (error) {
    if (error.status !== 409) {
      await loadBindings(chatId).catch(() => {});
      throw error;
    }
  }
  await loadBindings(chatId);
}

export async function loadAdvice(chatId) {
  try {
    const answer = await api.advice(chatId);
    store.addAdvice(chatId, answer?.advice || []);
  } catch (error) {
    if (!(error.status === 404 && error.code === "not_found")) throw error;
  }
}

export async function askAdvice(chatId) {
  await api.requestAdvice(chatId); // 202: the advice arrives as an `ai_advice` frame
}
