// The diary: write, edit, delete, tags, self-rating; each entry's mood as it arrives; the
// 30-day chart. Only the author ever sees this (the server enforces it).

import * as actions from "../actions.js";
import { formatDay, h, icon } from "../dom.js";
import { moodApi, moodChart, moodSummary, parseTags } from "../mood.js";
import { confirmButton } from "./confirm.js";
import { toast } from "./toasts.js";

const MAX_TEXT = 20_000;

export function mountDiary(root) {
  const entries = new Map(); // id → entry
  const early = new Map(); // entry id → a mood whose frame came before the entry's answer
  const keep = (entry) => {
    const mood = early.get(entry.id);
    early.delete(entry.id);
    entries.set(entry.id, mood && !entry.mood ? { ...entry, mood } : entry);
    // A frame can be missed (a reconnect, a frame racing a revision's answer): look again
    // once if the mood has not come by then.
    if (!entries.get(entry.id).mood) {
      setTimeout(() => {
        if (entries.has(entry.id) && !entries.get(entry.id).mood) load();
      }, 8_000);
    }
  };
  const list = h("ol.diary-list", { "aria-label": "Your entries", reversed: true });
  const chartBox = h("figure.mood-chart-box", {}, h("figcaption", {}, "The last 30 days"));
  const form = entryForm({
    submitLabel: "Save entry",
    onSubmit: async (body) => {
      keep(await moodApi.write(body));
      render();
      return true;
    },
  });
  root.replaceChildren(
    h("header.mood-head", {},
      h("button.back", { type: "button", "aria-label": "Back to chats", onclick: () => { location.hash = "#/"; } }, icon("back")),
      h("h2", { id: "diary-heading", tabindex: "-1" }, "Your diary"),
      h("p.muted", {}, "Private: only you can read your entries. Each one's mood is read in the background.")),
    chartBox,
    h("section.diary-write", { "aria-label": "New entry" }, form.el),
    list,
  );

  async function loadChart() {
    try {
      const { days } = await moodApi.timeline(30);
      chartBox.replaceChildren(h("figcaption", {}, "The last 30 days"), moodChart(days));
    } catch (error) {
      actions.report(error);
    }
  }

  function render() {
    const sorted = [...entries.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    list.replaceChildren(...sorted.map((entry) => h("li", {}, entryCard(entry))));
  }

  function entryCard(entry) {
    const card = h("article.diary-entry", { dataset: { entryId: entry.id } },
      h("header.entry-head", {},
        h("time", { datetime: entry.created_at }, formatDay(entry.created_at)),
        entry.title ? h("h3.entry-title", {}, entry.title) : null,
        entry.self_rating ? h("span.self-rating", { "aria-label": `Rated ${entry.self_rating} of 5` }, `${entry.self_rating}/5`) : null),
      h("p.entry-text", {}, entry.text),
      entry.tags.length ? h("ul.entry-tags", { "aria-label": "Tags" }, ...entry.tags.map((t) => h("li.tag", {}, `#${t}`))) : null,
      entry.mood
        ? h(`p.entry-mood.emotion-${entry.mood.label}`, { "aria-live": "polite" }, "Mood: ", moodSummary(entry.mood))
        : h("p.entry-mood.pending", { "aria-live": "polite" }, "Reading the mood…"),
      h("div.entry-actions", {},
        h("button.labelled-button", { type: "button", onclick: () => edit(entry, card) }, "Edit"),
        confirmButton({
          label: "Delete", armedLabel: "Delete for good?", className: "danger",
          onConfirm: async () => {
            try {
              await moodApi.remove(entry.id);
              entries.delete(entry.id);
              render();
              loadChart();
            } catch (error) {
              actions.report(error);
            }
          },
        })));
    return card;
  }

  function edit(entry, card) {
    const editor = entryForm({
      entry,
      submitLabel: "Save changes",
      onCancel: () => render(),
      onSubmit: async (body) => {
        try {
          keep(await moodApi.revise(entry.id, entry.version, body));
          render();
          return true;
        } catch (error) {
          if (error.code === "version_conflict") {
            toast("This entry changed elsewhere; here is the latest version.", { kind: "error" });
            await load();
            return false;
          }
          throw error;
        }
      },
    });
    card.replaceWith(editor.el);
    editor.focus();
  }

  async function load() {
    try {
      const { entries: found } = await moodApi.entries();
      entries.clear();
      for (const entry of found) keep(entry);
      render();
    } catch (error) {
      actions.report(error);
    }
  }

  const onMood = (event) => {
    const { entry_id: id, mood } = event.detail;
    const entry = entries.get(id);
    if (!entry) {
      early.set(id, mood); // the frame overtook the answer to the write
      return;
    }
    entries.set(id, { ...entry, mood });
    render();
    loadChart();
  };
  window.addEventListener("hubbub:diary_mood", onMood);

  return {
    show() {
      load();
      loadChart();
      root.querySelector("#diary-heading")?.focus();
    },
    cleanup: () => window.removeEventListener("hubbub:diary_mood", onMood),
  };
}

/** The write/edit form: text (1–20,000 characters), title, tags, a 1–5 self-rating. */
function entryForm({ entry = null, submitLabel, onSubmit, onCancel = null }) {
  const text = h("textarea.diary-text", {
    name: "text", rows: 5, required: true, maxlength: MAX_TEXT, "aria-label": "What's on your mind?",
    placeholder: "What's on your mind?",
  });
  text.value = entry?.text || "";
  const title = h("input.diary-title", { name: "title", maxlength: 200, placeholder: "Title (optional)", "aria-label": "Title" });
  title.value = entry?.title || "";
  const tags = h("input.diary-tags", { name: "tags", placeholder: "Tags, comma separated (work, family)", "aria-label": "Tags" });
  tags.value = (entry?.tags || []).join(", ");
  const rating = h("select.diary-rating", { name: "self_rating", "aria-label": "How do you rate your mood?" },
    h("option", { value: "" }, "Your rating: none"),
    ...[1, 2, 3, 4, 5].map((n) => h("option", { value: String(n) }, `${n} — ${["awful", "bad", "okay", "good", "great"][n - 1]}`)));
  rating.value = entry?.self_rating ? String(entry.self_rating) : "";
  const save = h("button.primary", { type: "submit" }, submitLabel);
  const el = h("form.diary-form", {},
    text,
    h("div.diary-form-row", {}, title, tags, rating),
    h("div.diary-form-row", {}, save,
      onCancel ? h("button.labelled-button", { type: "button", onclick: onCancel }, "Cancel") : null));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) {
      toast("Write something first.", { kind: "error" });
      return;
    }
    const body = {
      text: text.value,
      title: title.value.trim() || null,
      tags: parseTags(tags.value),
      self_rating: rating.value ? Number(rating.value) : null,
    };
    save.disabled = true;
    try {
      if (await onSubmit(body) && !entry) {
        el.reset();
        text.value = "";
      }
    } catch (error) {
      actions.report(error);
    } finally {
      save.disabled = false;
    }
  });
  return { el, focus: () => text.focus() };
}
