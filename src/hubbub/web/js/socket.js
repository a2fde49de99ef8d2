// The WebSocket: one per tab, reconnecting with exponential backoff (and jitter). After every
// (re)connect it sends `sync` with the last seq seen per chat, then resends every message not
// yet acknowledged, with its original request_id (the server answers a repeat with the
// original message, never a duplicate).
//
// Events (EventTarget): "status" {status: "connecting"|"online"|"reconnecting"|"closed"},
// "frame" {frame}, "open" {reconnect: bool}, "unauthorized".

const CLOSE_UNAUTHORIZED = 4401;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 8_000;
const PING_EVERY_MS = 20_000;
const SILENT_LIMIT_MS = 45_000; // no frame at all for this long: the link is dead

export class Socket extends EventTarget {
  /**
   * @param {() => string} token    the current JWT
   * @param {() => Record<string, number>} positions   chat id → last seq seen, for sync
   * @param {(outbox: Map<string, object>) => void} onOutboxChange   persist the unsent
   */
  constructor({ token, positions, onOutboxChange = () => {} }) {
    super();
    this.token = token;
    this.positions = positions;
    this.onOutboxChange = onOutboxChange;
    this.ws = null;
    this.status = "closed";
    this.attempt = 0;
    this.opened = 0; // how many times a connection opened (for "reconnect")
    this.outbox = new Map(); // request_id → message frame, in send order
    this.timer = 0;
    this.pinger = 0;
    this.lastFrameAt = 0;
    this.stopped = true;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => this.ws?.close(4000, "browser offline");
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.outbox.clear();
    this.onOutboxChange(this.outbox);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000, "logout");
      this.ws = null;
    }
    this.setStatus("closed");
  }

  get isOpen() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Send a frame now if connected; false if it was dropped (typing, read: fine to lose). */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Queue a chat message until `message_sent` (or an error frame) settles it. */
  sendMessage(frame) {
    this.outbox.set(frame.request_id, frame);
    this.onOutboxChange(this.outbox);
    this.send(frame);
  }

  /** The message with this request_id was acknowledged or refused: stop resending it. */
  settle(requestId) {
    if (this.outbox.delete(requestId)) this.onOutboxChange(this.outbox);
  }

  /** Reconnect at once (the browser came back online, or the user asked). */
  reconnectNow() {
    if (this.stopped || this.isOpen) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
      this.ws = null;
    }
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/ws?token=${encodeURIComponent(this.token())}`;
    this.setStatus(this.opened ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.handleOpen(ws);
    ws.onmessage = (event) => this.handleMessage(event);
    ws.onclose = (event) => this.handleClose(ws, event);
    ws.onerror = () => {}; // a close event always follows
  }

  handleOpen(ws) {
    if (ws !== this.ws) return;
    const reconnect = this.opened > 0;
    this.opened += 1;
    this.attempt = 0;
    this.lastFrameAt = Date.now();
    this.setStatus("online");
    // Catch up first (frames are handled in order per connection), then resend.
    const positions = this.positions();
    if (Object.keys(positions).length) this.send({ type: "sync", chats: positions });
    for (const frame of this.outbox.values()) this.send(frame);
    clearInterval(this.pinger);
    this.pinger = setInterval(() => this.heartbeat(), PING_EVERY_MS);
    this.dispatchEvent(new CustomEvent("open", { detail: { reconnect } }));
  }

  heartbeat() {
    if (!this.isOpen) return;
    if (Date.now() - this.lastFrameAt > SILENT_LIMIT_MS) {
      this.ws.close(4000, "no answer"); // handleClose reconnects
      return;
    }
    this.send({ type: "ping" });
  }

  handleMessage(event) {
    this.lastFrameAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame?.type === "pong") return;
    this.dispatchEvent(new CustomEvent("frame", { detail: { frame } }));
  }

  handleClose(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearInterval(this.pinger);
    if (this.stopped) return;
    if (event.code === CLOSE_UNAUTHORIZED) {
      this.setStatus("closed");
      this.dispatchEvent(new CustomEvent("unauthorized"));
      return;
    }
    // 1012 (server restart), 1013 (too slow), 1006 (network): reconnect and sync.
    this.setStatus("reconnecting");
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    clearTimeout(this.timer);
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    const delay = base * (0.7 + Math.random() * 0.6);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: { status } }));
  }
}
