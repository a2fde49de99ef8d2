// Server frames → store. Also decides when a visible chat is marked read.

import { humanError } from "./api.js";
import * as actions from "./actions.js";
import { applyUpdate, maybeNotify } from "./essentials.js";
import * as store from "./store.js";
import { toast } from "./views/toasts.js";

let socket = null;
let isChatVisible = () => false;

/** `visible(chatId)`: the person can see this conversation right now. */
export function attach(sock, visible) {
  socket = sock;
  isChatVisible = visible;
  socket.addEventListener("frame", (event) => handle(event.detail.frame));
}

function handle(frame) {
  switch (frame.type) {
    case "new_message":
      return onNewMessage(frame.message);
    case "message_sent":
      socket.settle(frame.request_id);
      store.confirmSent(frame);
      return undefined;
    case "error":
      return onError(frame);
    case "typing":
      if (frame.user_id !== store.state.me?.id) {
        store.setTyping(frame.chat_id, frame.user_id, Boolean(frame.is_typing));
      }
      return undefined;
    case "read":
      store.noteRead(frame.chat_id, frame.user_id, frame.seq);
      return undefined;
    case "presence":
      store.setPresence(frame.user_id, frame.event === "user_online", frame.timestamp);
      return undefined;
    case "chat_created":
    case "chat_invite":
      return onNewChat(frame);
    case "member_joined":
      return onMemberJoined(frame);
    case "member_left":
      return onMemberLeft(frame);
    case "sync_truncated":
      return onTruncated(frame.chat_id);
    case "message_updated":
      applyUpdate(frame.message);
      return undefined;
    case "ai_advice":
      store.addAdvice(frame.chat_id, [frame], { live: true });
      return undefined;
    case "diary_mood":
      // The mood of one of my diary entries was read (views/diary.js listens).
      window.dispatchEvent(new CustomEvent("hubbub:diary_mood", { detail: frame }));
      return undefined;
    default:
      return undefined; // a frame type added to the contract later: ignore it
  }
}

function onNewMessage(message) {
  const chat = store.state.chats.get(message.chat_id);
  if (!chat) {
    // A chat we have not heard of (its invite was missed): fetch it, then the message counts.
    actions.refreshChat(message.chat_id);
    return;
  }
  const before = chat.last_seq || 0;
  if (message.sender_id !== store.state.me.id) store.setTyping(message.chat_id, message.sender_id, false);
  store.addMessage(message);
  if (message.seq > before + 1 && store.state.convs.has(message.chat_id)) {
    // A gap (a frame was lost on the way): ask for what is missing; duplicates are ignored.
    socket.send({ type: "sync", chats: { [message.chat_id]: before } });
  }
  if (isChatVisible(message.chat_id)) actions.markRead(message.chat_id);
  else maybeNotify(message);
}

function onError(frame) {
  const text = humanError(frame.code, frame.message || "");
  if (frame.request_id) {
    socket.settle(frame.request_id);
    if (store.failPending(frame.request_id, text)) {
      toast(`Message not sent: ${text}`, { kind: "error" });
      return;
    }
  }
  toast(text, { kind: "error" });
}

function onNewChat(frame) {
  const chat = frame.chat;
  const isNew = !store.state.chats.has(chat.id);
  store.upsertChats([chat]);
  if (isNew && frame.type === "chat_invite") toast(`You were added to ${store.chatTitle(chat)}.`);
}

function onMemberJoined(frame) {
  const chat = store.state.chats.get(frame.chat_id);
  if (!chat) return;
  chat.members_count = (chat.members_count || 1) + 1;
  store.emit("chats");
  if (store.state.members.has(frame.chat_id) || store.state.activeChatId === frame.chat_id) {
    actions.loadMembers(frame.chat_id).catch(() => {});
  }
}

function onMemberLeft(frame) {
  const chat = store.state.chats.get(frame.chat_id);
  if (!chat) return;
  if (frame.user_id === store.state.me.id) {
    const wasOpen = store.state.activeChatId === frame.chat_id;
    store.removeChat(frame.chat_id);
    if (wasOpen) toast(`You are no longer in ${store.chatTitle(chat)}.`);
    return;
  }
  chat.members_count = Math.max(1, (chat.members_count || 2) - 1);
  store.setTyping(frame.chat_id, frame.user_id, false);
  store.emit("chats");
  if (store.state.members.has(frame.chat_id)) actions.loadMembers(frame.chat_id).catch(() => {});
}

function onTruncated(chatId) {
  // More than the server replays: start that conversation again from its newest page.
  const old = store.state.convs.get(chatId);
  store.state.convs.delete(chatId);
  if (old) store.conv(chatId).pending = old.pending; // our unsent messages stay
  const open = Boolean(old);
  actions.refreshChat(chatId);
  if (open) actions.loadHistory(chatId).catch(() => {});
}
