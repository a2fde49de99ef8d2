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

/** Call `fn` when another tab logs out (or in as someone else). */
export function onSessionChangedElsewhere(fn) {
  window.addEventListener("storage", (event) => {
    if (event.key === KEY || event.key === null) fn(loadSession());
  });
}
