// REST calls to /api/v1 with the bearer token; every failure becomes an ApiError whose
// `message` is human text (never raw JSON).

let token = null;
let onUnauthorized = () => {};

export function setToken(value) {
  token = value;
}

/** Called with the ApiError when an authenticated call answers 401 (expired/invalid token). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(message, { status = 0, code = "network_error", retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const FIELD_NAMES = {
  username: "Username",
  password: "Password",
  display_name: "Display name",
  email: "Email",
  title: "Room name",
  text: "Message",
  query: "Search",
};

/** Human text for an error code (REST body or WebSocket error frame). */
export function humanError(code, serverMessage = "", { status = 0, retryAfter = null } = {}) {
  switch (code) {
    case "rate_limited": {
      const seconds = retryAfter ?? Number(/(\d+)\s*s/.exec(serverMessage)?.[1] || 0);
      return seconds
        ? `You're sending too fast, try again in ${seconds} s.`
        : "You're sending too fast, try again in a moment.";
    }
    case "not_a_member":
      return "You're not a member of this chat.";
    case "chat_not_found":
      return "This chat doesn't exist any more.";
    case "user_not_found":
      return "That person doesn't exist.";
    case "text_too_long":
      return "That message is too long (at most 4096 characters).";
    case "invalid_text":
      return "A message can't be empty.";
    case "username_taken":
      return "That username is taken. Try another one.";
    case "email_taken":
      return "That email is already registered.";
    case "invalid_credentials":
      return "Wrong username or password.";
    case "invalid_token":
    case "token_expired":
    case "missing_token":
    case "unauthorized":
      return "Your session has expired. Please sign in again.";
    case "invalid_username":
      return "Usernames are 3–50 letters, digits, dots, dashes or underscores.";
    case "invalid_password":
      return "Passwords are 8 to 128 characters long.";
    case "invalid_partner":
      return "You can't open a chat with yourself.";
    case "already_member":
      return "They're already in this room.";
    case "not_owner":
      return "Only the room's owner can remove people.";
    case "not_a_group":
      return "Direct chats always have exactly two people.";
    case "ai_unavailable":
      return "The AI assistant isn't available on this server.";
    case "no_advice_binding":
      return "Turn on advice for this chat first.";
    case "binding_exists":
      return "That's already switched on.";
    case "binding_not_found":
      return "That was already switched off.";
    case "ai_rate_limited":
      return "The assistant has answered a lot for you lately. Try again a bit later.";
    case "payload_too_large":
      return "That's too much text to send at once.";
    case "network_error":
      return "Can't reach the server. Check your connection and try again.";
    default:
      break;
  }
  if (status === 404) return "Not found.";
  if (status === 403) return "You're not allowed to do that.";
  if (status >= 500) return "Something went wrong on the server. Please try again.";
  if ((status === 422 || code === "validation_error" || code === "invalid_field") && serverMessage) {
    return humanValidation(serverMessage);
  }
  return serverMessage ? capitalise(serverMessage) : "Something went wrong. Please try again.";
}

function humanValidation(message) {
  // "username: String should have at least 3 characters; password: ..." → readable sentences
  return message
    .split(";")
    .map((part) => {
      const [field, ...rest] = part.split(":");
      const name = FIELD_NAMES[field.trim()] || capitalise(field.trim().replaceAll("_", " "));
      const problem = rest.join(":").trim();
      return problem ? `${name}: ${lowerFirst(problem)}.` : capitalise(part.trim());
    })
    .join(" ")
    .replaceAll("..", ".");
}

const capitalise = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);
const lowerFirst = (s) => (s ? s[0].toLowerCase() + s.slice(1) : s);

/** fetch /api/v1{path}; JSON in and out; throws ApiError. */
export async function request(method, path, { body, query, auth = true } = {}) {
  let url = `/api/v1${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, v);
    url += `?${params}`;
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(humanError("network_error"));
  }
  if (response.status === 204 || response.status === 202) {
    return response.headers.get("content-type")?.includes("json")
      ? response.json().catch(() => null)
      : null;
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return data;
  const code = data?.error?.code || (response.status === 429 ? "rate_limited" : "http_error");
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  const error = new ApiError(
    humanError(code, data?.error?.message || "", { status: response.status, retryAfter }),
    { status: response.status, code, retryAfter },
  );
  if (response.status === 401 && auth) onUnauthorized(error);
  throw error;
}

const enc = encodeURIComponent;

export const api = {
  register: (body) => request("POST", "/auth/register", { body, auth: false }),
  login: (username, password) =>
    request("POST", "/auth/login", { body: { username, password }, auth: false }),
  logout: () => request("POST", "/auth/logout"),
  me: () => request("GET", "/users/me"),
  searchUsers: (query) => request("GET", "/users", { query: { query, limit: 10 } }),
  chats: (offset = 0) => request("GET", "/chats", { query: { limit: 100, offset } }),
  chat: (id) => request("GET", `/chats/${enc(id)}`),
  openDirect: (partnerId) => request("POST", "/chats", { body: { partner_id: partnerId } }),
  createGroup: (title, memberIds) =>
    request("POST", "/chats", { body: { type: "group", title, member_ids: memberIds } }),
  members: (chatId) => request("GET", `/chats/${enc(chatId)}/members`),
  invite: (chatId, userId) =>
    request("POST", `/chats/${enc(chatId)}/members`, { body: { user_id: userId } }),
  removeMember: (chatId, userId) =>
    request("DELETE", `/chats/${enc(chatId)}/members/${enc(userId)}`),
  messages: (chatId, { limit = 50, beforeId } = {}) =>
    request("GET", `/chats/${enc(chatId)}/messages`, { query: { limit, before_id: beforeId } }),
  markRead: (chatId, seq) => request("POST", `/chats/${enc(chatId)}/read`, { body: { seq } }),
  bindings: (chatId) => request("GET", `/chats/${enc(chatId)}/ai-bindings`),
  bind: (chatId, type) => request("POST", `/chats/${enc(chatId)}/ai-bindings`, { body: { type } }),
  unbind: (chatId, bindingId) =>
    request("DELETE", `/chats/${enc(chatId)}/ai-bindings/${enc(bindingId)}`),
  requestAdvice: (chatId) => request("POST", `/chats/${enc(chatId)}/advice`),
  advice: (chatId) => request("GET", `/chats/${enc(chatId)}/advice`),
};
