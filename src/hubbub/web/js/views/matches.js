// Matches: people with a similar mood over the last 30 days (among those who opted in), the
// caller's own "discoverable" switch, and "Say hi": a direct chat with a first line the
// assistant offers about the emotions the two share (nothing else of either diary).

import * as actions from "../actions.js";
import { api } from "../api.js";
import { avatar, h, icon } from "../dom.js";
import { EMOTION_WORDS, moodApi } from "../mood.js";

/** @param {{sayHi: (user) => Promise<void>}} nav */
export function mountMatches(root, nav) {
  const toggle = h("input", { type: "checkbox", id: "discoverable-toggle" });
  const list = h("ul.match-list", { "aria-label": "People with a similar mood" });
  const reason = h("p.muted.match-reason", { hidden: true });
  root.replaceChildren(
    h("header.mood-head", {},
      h("button.back", { type: "button", "aria-label": "Back to chats", onclick: () => { location.hash = "#/"; } }, icon("back")),
      h("h2", { id: "matches-heading", tabindex: "-1" }, "People with a similar mood"),
      h("p.muted", {}, "Matched on the emotions of your diary over the last 30 days. Nobody ever sees your entries.")),
    h("label.discoverable", { for: "discoverable-toggle" }, toggle,
      h("span", {}, "Let people with a similar mood find me")),
    reason,
    list,
  );

  toggle.addEventListener("change", async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    try {
      const me = await moodApi.setDiscoverable(wanted);
      toggle.checked = me.discoverable;
    } catch (error) {
      toggle.checked = !wanted;
      actions.report(error);
    } finally {
      toggle.disabled = false;
    }
  });

  function card(match) {
    const user = match.user;
    const name = user.display_name || user.username;
    return h("li.match", { dataset: { userId: user.id } },
      avatar(name, user.id),
      h("div.match-body", {},
        h("span.match-name", {}, name),
        h("span.match-handle.muted", {}, `@${user.username}`),
        h("span.match-score", {}, `${Math.round(match.score * 100)}% alike`),
        match.shared.length
          ? h("ul.shared", { "aria-label": "Shared emotions" }, ...match.shared.map((e) => h(`li.tag.emotion-${e}`, {}, EMOTION_WORDS[e] || e)))
          : null),
      h("button.primary.say-hi", {
        type: "button", "aria-label": `Say hi to ${name}`,
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            await nav.sayHi(user);
          } finally {
            button.disabled = false;
          }
        },
      }, "Say hi"));
  }

  async function load() {
    try {
      const [me, found] = await Promise.all([api.me(), moodApi.matches(20)]);
      toggle.checked = Boolean(me.discoverable);
      reason.hidden = !found.reason && found.matches.length > 0;
      reason.textContent = found.reason || (found.matches.length ? "" : "Nobody with a similar mood has opted in yet.");
      list.replaceChildren(...found.matches.map(card));
    } catch (error) {
      actions.report(error);
    }
  }

  return {
    show() {
      load();
      root.querySelector("#matches-heading")?.focus();
    },
    cleanup: () => {},
  };
}
