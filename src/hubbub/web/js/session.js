// The login session: the JWT and who it belongs to, kept in localStorage so that a reload
// or a new tab stays logged in (see web/README.md for why localStorage).

const KEY = "hubbub.session";

/** {token, user, expiresAt} or null when absent or expired. */
export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) || "null");
    if (!session?.token || !session.user?.id) return null;
    if (session.expiresAt && session.expiresAt < Date.now()) {
      clearSession();
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function saveSession(login) {
  const session = {
    token: login.token,
    user: login.user,
    expiresAt: Date.now() + (login.expires_in || 86_400) * 1000,
  };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function updateSessionUser(user) {
  const session = loadSession();
  if (session) localStorage.setItem(KEY, JSON.stringify({ ...session, user }));
}

export function clearSession() {
  localStorage.removeItem(KEY);
}

// This tab's messages not yet acknowledged, so that a reload sends them instead of losing
// them. sessionStorage: it survives a reload of the tab and is the tab's own, so two tabs of
// one user never overwrite each other's (each resends its own, with its request_ids).
const OUTBOX = "hubbub.outbox";

/** The message frames this tab had not seen acknowledged for `userId`. */
export function loadOutbox(userId) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(`${OUTBOX}.${userId}`) || "[]");
    if (!Array.isArray(saved)) return [];
    return saved.filter(
      (frame) =>
        frame?.type === "message" &&
        typeof frame.chat_id === "string" &&
        typeof frame.text === "string" &&
        typeof frame.request_id === "string",
    );
  } catch {
    return [];
  }
}

export function saveOutbox(userId, frames) {
  const key = `${OUTBOX}.${userId}`;
  try {
    if (frames.length) sessionStorage.setItem(key, JSON.stringify(frames));
    else sessionStorage.removeItem(key);
  } catch {
    // Storage full or disabled: the messages are still resent while the page lives.
  }
}

/** Call `fn` when another tab logs out (or in as someone else). */
export function onSessionChangedElsewhere(fn) {
  window.addEventListener("storage", (event) => {
    if (event.key === KEY || event.key === null) fn(loadSession());
  });
}
