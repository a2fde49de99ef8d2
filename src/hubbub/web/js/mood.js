// Issue 11: the diary, its mood, matches. REST calls, the 30-day chart (inline SVG) and the
// live `diary_mood` frames (live.js re-dispatches them on `window` as "hubbub:diary_mood").

import { request } from "./api.js";

const enc = encodeURIComponent;
const SVG = "http://www.w3.org/2000/svg";

export const EMOTION_WORDS = {
  joy: "joy", sadness: "sadness", anger: "anger", fear: "fear",
  surprise: "surprise", neutral: "calm", uncertain: "mixed",
};

export const moodApi = {
  entries: (beforeId) => request("GET", "/diary/entries", { query: { limit: 50, before_id: beforeId } }),
  write: (body) => request("POST", "/diary/entries", { body }),
  revise: (id, version, changes) =>
    request("PATCH", `/diary/entries/${enc(id)}`, { body: { ...changes, version } }),
  remove: (id) => request("DELETE", `/diary/entries/${enc(id)}`),
  timeline: (days = 30) => request("GET", "/diary/mood", { query: { days } }),
  matches: (limit = 20) => request("GET", "/matches", { query: { limit } }),
  opener: (userId, lang) => request("GET", `/matches/${enc(userId)}/opener`, { query: { lang } }),
  setDiscoverable: (discoverable) => request("PATCH", "/users/me", { body: { discoverable } }),
};

/** Tags typed as "work, #family" → ["work", "#family"] (the server normalises them). */
export function parseTags(text) {
  return text.split(",").map((t) => t.trim()).filter(Boolean).slice(0, 20);
}

/** The viewer's language for the assistant's lines ("ru-RU" stays as it is: the server maps it). */
export function viewerLanguage() {
  const tag = navigator.language || "en";
  return /^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*$/.test(tag) ? tag : "en";
}

/** "joy · +0.62" for a mood object. */
export function moodSummary(mood) {
  const sign = mood.valence > 0 ? "+" : "";
  return `${EMOTION_WORDS[mood.label] || mood.label} · ${sign}${mood.valence.toFixed(2)}`;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/**
 * The last `span` days as an inline SVG: one bar per day with analysed entries, up for a
 * positive mean valence, down for a negative one, today on the right. No dependencies.
 * @param {{date: string, valence: number, entries: number, dominant_emotion: string}[]} days
 */
export function moodChart(days, { span = 30, today = new Date() } = {}) {
  const width = 600, height = 160, pad = 24, mid = height / 2;
  const slot = (width - 2 * pad) / span;
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const shown = days.filter((d) => {
    const age = Math.round((end - Date.parse(`${d.date}T00:00:00Z`)) / 86_400_000);
    return age >= 0 && age < span;
  });
  const mean = shown.length ? shown.reduce((s, d) => s + d.valence, 0) / shown.length : 0;
  const label = shown.length
    ? `Mood over the last ${span} days: ${shown.length} days with entries, average ${mean >= 0 ? "+" : ""}${mean.toFixed(2)} on a scale from −1 to +1.`
    : `Mood over the last ${span} days: no analysed entries yet.`;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "mood-chart", role: "img", "aria-label": label,
  });
  chart.append(
    svg("line", { x1: pad, x2: width - pad, y1: mid, y2: mid, class: "mood-axis" }),
    svg("text", { x: 2, y: pad - 8, class: "mood-tick" }, "+1"),
    svg("text", { x: 2, y: height - 4, class: "mood-tick" }, "−1"),
  );
  for (const d of shown) {
    const age = Math.round((end - Date.parse(`${d.date}T00:00:00Z`)) / 86_400_000);
    const x = pad + (span - 1 - age) * slot + slot * 0.15;
    const h = Math.max(2, Math.abs(d.valence) * (mid - pad));
    const y = d.valence >= 0 ? mid - h : mid;
    const bar = svg("rect", {
      x: x.toFixed(1), y: y.toFixed(1), width: (slot * 0.7).toFixed(1), height: h.toFixed(1), rx: 2,
      class: `mood-bar ${d.valence >= 0 ? "up" : "down"} emotion-${d.dominant_emotion}`,
      "data-date": d.date,
    });
    const sign = d.valence > 0 ? "+" : "";
    bar.append(svg("title", {}, `${d.date}: ${sign}${d.valence.toFixed(2)}, ${d.entries} ${d.entries === 1 ? "entry" : "entries"}, mostly ${EMOTION_WORDS[d.dominant_emotion] || d.dominant_emotion}`));
    chart.append(bar);
  }
  return chart;
}
