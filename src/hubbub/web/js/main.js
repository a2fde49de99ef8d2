// Boot: the auth screen or the messenger; routing (#/chat/<id>), layout, socket wiring.

import * as actions from "./actions.js";
import { api, setToken, setUnauthorizedHandler } from "./api.js";
import { h } from "./dom.js";
import * as live from "./live.js";
import {
  clearSession,
  loadOutbox,
  loadSession,
  onSessionChangedElsewhere,
  saveOutbox,
  saveSession,
  updateSessionUser,
} from "./session.js";
import { Socket } from "./socket.js";
import * as store from "./store.js";
import { mountAiPanel } from "./views/ai.js";
import { renderAuth } from "./views/auth.js";
import { focusChatItem, mountChatList } from "./views/chatlist.js";
import { mountConversation } from "./views/conversation.js";
import { membersDialog, newGroupDialog } from "./views/dialogs.js";
import { mountDiary } from "./views/diary.js";
import { mountMatches } from "./views/matches.js";
import { moodApi, viewerLanguage } from "./mood.js";
import { showConnection, toast } from "./views/toasts.js";

const root = document.getElementById("app");
const phone = window.matchMedia("(max-width: 720px)");
let app = null; // the running messenger: {socket, shell, conversation, aiPanel, cleanup}

function boot() {
  setUnauthorizedHandler(() => signOut("Your session has expired. Please sign in again."));
  onSessionChangedElsewhere((session) => {
    if (!session && app) signOut("You signed out in another tab.");
    else if (session && (!app || session.user.id !== store.state.me?.id)) startApp(session);
  });
  const session = loadSession();
  if (session) startApp(session);
  else showAuth();
  root.removeAttribute("aria-busy");
}

function showAuth(notice = "") {
  stopApp();
  document.title = "Sign in · hubbub";
  renderAuth(root, {
    notice,
    onLogin: (login) => startApp(saveSession(login)),
  });
}

function signOut(notice = "") {
  clearSession();
  setToken(null);
  showAuth(notice);
}

function stopApp() {
  if (!app) return;
  app.cleanup.forEach((fn) => fn());
  app.socket.stop();
  app = null;
  store.reset();
  showConnection("closed");
  document.title = "hubbub";
}

async function startApp(session) {
  stopApp();
  store.reset();
  setToken(session.token);
  store.state.me = session.user;
  store.rememberUser(session.user);

  const sidebar = h("aside.sidebar", { "aria-label": "Chats" });
  const conversationEl = h("section.conversation", { "aria-label": "Conversation" });
  const aiEl = h("aside.ai-panel", { id: "ai-panel", "aria-labelledby": "ai-heading", hidden: true });
  const diaryEl = h("div.diary-view", { hidden: true });
  const matchesEl = h("div.matches-view", { hidden: true });
  const moodEl = h("section.mood-view", { "aria-label": "Diary and matches", hidden: true }, diaryEl, matchesEl);
  const shell = h("div.shell", { dataset: { screen: "list", ai: "closed" } }, sidebar, conversationEl, moodEl, aiEl);
  root.replaceChildren(shell);

  const socket = new Socket({
    token: () => session.token,
    positions: store.syncPositions,
    onOutboxChange: (outbox) => saveOutbox(session.user.id, [...outbox.values()]),
  });
  const cleanup = [];
  app = { socket, shell, cleanup };
  actions.useSocket(socket);

  const visible = (chatId) =>
    document.visibilityState === "visible" && store.state.activeChatId === chatId;
  live.attach(socket, visible);

  const nav = {
    open: (chatId) => navigate(chatId),
    openAt: (chatId, messageId) => {
      navigate(chatId);
      setTimeout(() => app?.conversation?.jumpTo(messageId), 0);
    },
    back: () => navigate(null),
    newGroup: () => newGroupDialog((chat) => navigate(chat.id)),
    // The session ends on the server too (its token stops working, its other sockets
    // close); signing out here does not wait for it.
    logout: () => {
      api.logout().catch(() => {});
      signOut();
    },
    members: (chatId) => membersDialog(chatId, { onLeft: () => navigate(null) }),
    toggleAi: () => setAiOpen(!store.state.aiOpen),
    visible: () => Boolean(store.state.activeChatId) && visible(store.state.activeChatId),
    diary: () => { location.hash = "#/diary"; },
    matches: () => { location.hash = "#/matches"; },
    // "Say hi" to a match: the direct chat, with the assistant's first line in the composer.
    sayHi: async (user) => {
      try {
        const chat = await actions.openDirect(user);
        navigate(chat.id);
        const opener = await moodApi.opener(user.id, viewerLanguage());
        app?.conversation?.setDraft(opener.text);
        toast("The assistant suggests a first line: edit it or send it.");
      } catch (error) {
        actions.report(error);
      }
    },
  };
  cleanup.push(mountChatList(sidebar, nav));
  const conversation = mountConversation(conversationEl, nav);
  const aiPanel = mountAiPanel(aiEl, {
    close: () => setAiOpen(false),
    useReply: (text) => {
      if (phone.matches) setAiOpen(false);
      conversation.setDraft(text);
    },
  });
  const diaryView = mountDiary(diaryEl);
  const matchesView = mountMatches(matchesEl, nav);
  cleanup.push(diaryView.cleanup, matchesView.cleanup);
  Object.assign(app, { conversation, aiPanel });

  function setAiOpen(open) {
    store.state.aiOpen = open && Boolean(store.state.activeChatId);
    aiEl.hidden = !store.state.aiOpen;
    shell.dataset.ai = store.state.aiOpen ? "open" : "closed";
    if (store.state.aiOpen) {
      aiPanel.show(store.state.activeChatId);
      aiPanel.focus();
    } else if (store.state.activeChatId) {
      conversation.focusComposer();
    }
    conversation.refreshHeader();
  }

  // -- routing: #/chat/<id> ------------------------------------------------------------------
  function navigate(chatId) {
    const hash = chatId ? `#/chat/${chatId}` : "#/";
    if (location.hash !== hash) location.hash = hash;
    else route();
  }

  function route() {
    const moodView = { "#/diary": diaryView, "#/matches": matchesView }[location.hash];
    moodEl.hidden = !moodView;
    diaryEl.hidden = moodView !== diaryView;
    matchesEl.hidden = moodView !== matchesView;
    conversationEl.hidden = Boolean(moodView);
    if (moodView) {
      store.state.activeChatId = null;
      shell.dataset.screen = "chat";
      if (store.state.aiOpen) setAiOpen(false);
      moodView.show();
      store.emit("active");
      document.title = location.hash === "#/diary" ? "Diary · hubbub" : "Matches · hubbub";
      return;
    }
    const match = /^#\/chat\/([0-9a-fA-F-]{36})$/.exec(location.hash);
    const chatId = match ? match[1] : null;
    if (chatId && !store.state.chats.has(chatId)) {
      // A link to a chat not in the list (yet): ask the server.
      actions.refreshChat(chatId).then(() => {
        if (store.state.chats.has(chatId)) route();
        else if (location.hash.includes(chatId)) {
          toast("That chat isn't available.", { kind: "error" });
          navigate(null);
        }
      });
      return;
    }
    const previous = store.state.activeChatId;
    store.state.activeChatId = chatId;
    shell.dataset.screen = chatId ? "chat" : "list";
    conversation.show(chatId);
    if (store.state.aiOpen) {
      if (chatId) aiPanel.show(chatId);
      else setAiOpen(false);
    }
    store.emit("active");
    if (chatId && chatId !== previous) {
      if (!phone.matches) conversation.focusComposer();
      else document.getElementById("conv-title")?.focus?.();
    } else if (!chatId && previous) {
      focusChatItem(sidebar, previous);
    }
    updateTitle();
  }
  window.addEventListener("hashchange", route);
  cleanup.push(() => window.removeEventListener("hashchange", route));

  // -- page title with the unread total ---------------------------------------------------------
  function updateTitle() {
    let unread = 0;
    for (const chat of store.state.chats.values()) unread += chat.unread_count || 0;
    const active = store.state.chats.get(store.state.activeChatId);
    const name = active ? `${store.chatTitle(active)} · hubbub` : "hubbub";
    document.title = unread ? `(${unread}) ${name}` : name;
  }
  cleanup.push(store.on("chats", updateTitle));
  // The open chat went away (we left, or were removed): back to the list.
  store.on("chats", () => {
    const id = store.state.activeChatId;
    if (id && !store.state.chats.has(id)) navigate(null);
  });

  // -- keyboard and visibility ---------------------------------------------------------------------
  const onKey = (event) => {
    if (event.key !== "Escape" || document.querySelector("dialog[open]")) return;
    if (store.state.aiOpen) setAiOpen(false);
    else if (phone.matches && store.state.activeChatId) navigate(null);
  };
  document.addEventListener("keydown", onKey);
  cleanup.push(() => document.removeEventListener("keydown", onKey));
  const onVisible = () => {
    const id = store.state.activeChatId;
    if (id && visible(id)) actions.markRead(id);
  };
  document.addEventListener("visibilitychange", onVisible);
  cleanup.push(() => document.removeEventListener("visibilitychange", onVisible));
  // Leaving with messages not yet delivered: let the browser ask first.
  const onLeave = (event) => {
    if (socket.outbox.size) event.preventDefault();
  };
  window.addEventListener("beforeunload", onLeave);
  cleanup.push(() => window.removeEventListener("beforeunload", onLeave));

  // -- the socket ---------------------------------------------------------------------------------
  let bannerTimer = 0;
  socket.addEventListener("status", (event) => {
    const { status } = event.detail;
    store.state.connection = status;
    shell.dataset.connection = status;
    clearTimeout(bannerTimer);
    // A first connection usually takes a few ms: only say so when it takes long.
    if (status === "connecting") bannerTimer = setTimeout(() => showConnection(status), 1_000);
    else showConnection(status);
    store.emit("connection");
  });
  socket.addEventListener("unauthorized", () => signOut("Your session has expired. Please sign in again."));
  socket.addEventListener("open", (event) => {
    if (!event.detail.reconnect) return;
    // Back after a drop: chats may have appeared (invites) and presence changed.
    actions.loadChats().catch(() => {});
    const id = store.state.activeChatId;
    if (id && store.state.chats.get(id)?.type === "group") actions.loadMembers(id).catch(() => {});
  });

  // -- start: chats first, so that the socket's first `sync` covers the gap ---------------------------
  shell.setAttribute("aria-busy", "true");
  try {
    await actions.loadChats();
  } catch (error) {
    if (app?.socket !== socket) return; // signed out meanwhile (401)
    actions.report(error);
  }
  if (app?.socket !== socket) return;
  shell.removeAttribute("aria-busy");
  // Messages this tab had sent but not seen acknowledged before a reload: pending again, and
  // sent again (same request_id) once the socket is up, right after its `sync`.
  for (const frame of loadOutbox(session.user.id)) {
    store.addPending(frame.chat_id, frame.text, frame.request_id);
    socket.sendMessage(frame);
  }
  socket.start();
  route();
  api.me().then((me) => {
    if (app?.socket !== socket) return;
    store.state.me = { ...store.state.me, ...me };
    store.rememberUser(me);
    updateSessionUser({ id: me.id, username: me.username, display_name: me.display_name });
  }).catch(() => {});
}

boot();
