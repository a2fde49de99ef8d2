// How a message shows what issue 15 added: reply quotes, mentions, edited marks, tombstones,
// reactions, files, and the actions on a message (reply, react, edit, delete).

import { h, icon } from "../dom.js";
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
  const button = (label, name, fn) => h("button.msg-action", { type: "button", "aria-label": label, title: label, onclick: fn }, name);
  return h("div.msg-actions", {},
    button("Reply", "↩", () => on.reply()),
    button("React", "☺", () => {
      picker.hidden = !picker.hidden;
      if (!picker.hidden) picker.querySelector("button")?.focus();
    }),
    mine ? button("Edit", "✎", () => on.edit()) : null,
    canDelete ? button("Delete", "🗑", () => on.remove()) : null,
    picker);
}

export { icon };
