// How a message shows what issue 15 added: reply quotes, mentions, edited marks, tombstones,
// reactions, files, and the actions on a message (reply, react, edit, delete).

import { h } from "../dom.js";
import { QUICK_REACTIONS, mentionParts } from "../essentials.js";
import * as store from "../store.js";

/** The message text, with @mentions highlighted (text nodes only). */
export function messageText(message) {
  if (message.deleted) return h("p.text.tombstone", {}, "This message was deleted.");
  if (!message.text) return null;
  return h("p.text", {}, mentionParts(message.text).map((part) =>
    typeof part === "string" ? part : h(`span.mention${part.me ? ".mention-me" : ""}`, {}, part.mention)));
}

export function replyQuote(message, onJump) {
  const original = message.reply_to;
  if (!original) return null;
  const who = store.displayName(original.sender_id);
  return h("button.reply-quote", {
    type: "button",
    title: "Show the original message",
    "aria-label": `Reply to ${who}: ${original.deleted ? "deleted message" : original.text_preview}`,
    onclick: () => onJump(original.id),
  }, h("span.reply-sender", {}, who), h("span.reply-preview", {}, original.deleted ? "Deleted message" : original.text_preview));
}

export function editedMark(message) {
  if (!message.edited_at || message.deleted) return null;
  return h("span.edited", { title: `Edited ${new Date(message.edited_at).toLocaleString()}` }, "edited");
}

export function reactionsRow(message, onToggle) {
  if (message.deleted || !message.reactions?.length) return null;
  return h("div.reactions", { role: "group", "aria-label": "Reactions" }, message.reactions.map((r) =>
    h(`button.reaction${r.me ? ".mine" : ""}`, {
      type: "button",
      "aria-pressed": String(Boolean(r.me)),
      "aria-label": `${r.emoji} ${r.count}${r.me ? ", including you" : ""}`,
      title: (r.user_ids || []).map((id) => store.displayName(id)).join(", "),
      onclick: () => onToggle(r.emoji, !r.me),
    }, h("span.reaction-emoji", {}, r.emoji), h("span.reaction-count", {}, String(r.count)))));
}

export function filesBlock(message) {
  if (message.deleted || !message.files?.length) return null;
  return h("div.files", {}, message.files.map((file) => file.thumbnail_url
    ? h("a.file-image", { href: file.url, target: "_blank", rel: "noopener", title: file.name },
      h("img", { src: file.thumbnail_url, alt: file.name, loading: "lazy", width: Math.min(file.width || 320, 320) }))
    : h("a.file-link", { href: file.url, target: "_blank", rel: "noopener", download: file.name },
      h("span.file-name", {}, file.name), h("span.file-size", {}, humanSize(file.size)))));
}

function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The actions of a stored message: reply, react (quick set or any emoji), edit, delete.
 * @param {{reply, react, edit, remove}} on
 */
export function messageActions(message, { mine, canDelete }, on) {
  if (!message.id || message.deleted) return null;
  const picker = h("div.reaction-picker", { hidden: true, role: "group", "aria-label": "Pick a reaction" },
    QUICK_REACTIONS.map((emoji) => h("button.quick-reaction", {
      type: "button", "aria-label": `React with ${emoji}`, onclick: () => {
        picker.hidden = true;
        on.react(emoji, true);
      },
    }, emoji)),
    h("form.any-emoji", { onsubmit: (event) => {
      event.preventDefault();
      const value = event.target.elements.emoji.value.trim();
      if (!value) return;
      picker.hidden = true;
      on.react(value, true);
      event.target.reset();
    } }, h("input", { name: "emoji", "aria-label": "Any emoji", placeholder: "🙂", maxlength: 16, size: 3 })));
  const button = (label, name, fn) => h("button.msg-action", { type: "button", "aria-label": label, title: label, onclick: fn }, svgIcon(name));
  return h("div.msg-actions", {},
    button("Reply", "reply", () => on.reply()),
    button("React", "smile", () => {
      picker.hidden = !picker.hidden;
      if (!picker.hidden) picker.querySelector("button")?.focus();
    }),
    mine ? button("Edit", "edit", () => on.edit()) : null,
    canDelete ? button("Delete", "trash", () => on.remove()) : null,
    picker);
}

// Stroke icons of our own (currentColor), so that no control depends on an emoji font.
const PATHS = {
  reply: "M10 8L4 13l6 5M4 13h10a6 6 0 016 6",
  smile: "M12 21a9 9 0 100-18 9 9 0 000 18zM8.5 14a4 4 0 007 0M9 9.5v.5M15 9.5v.5",
  edit: "M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4",
  trash: "M5 7h14M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  bell: "M6 16V11a6 6 0 0112 0v5l2 2H4l2-2zM10 20a2 2 0 004 0",
  bellOff: "M6 16V11a6 6 0 019.5-4.9M18 11v5l2 2H8M10 20a2 2 0 004 0M3 3l18 18",
  clip: "M20 11.5l-8.5 8.5a5 5 0 01-7-7L13 4.5a3.5 3.5 0 015 5L9.5 18a2 2 0 01-3-3L14 7.5",
};

/** One of the icons above as an inline SVG. */
export function svgIcon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon icon-${name}`);
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", PATHS[name] || "");
  svg.append(path);
  return svg;
}
