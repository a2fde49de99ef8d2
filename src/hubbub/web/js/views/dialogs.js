// Modal dialogs (native <dialog>: focus is trapped and restored by the browser):
// a new group room, and a room's members (invite, leave; the owner removes people).

import { api } from "../api.js";
import * as actions from "../actions.js";
import { avatar, debounce, h, icon } from "../dom.js";
import * as store from "../store.js";
import { confirmButton } from "./confirm.js";

function dialog(titleText, ...content) {
  const close = h("button.icon-button", { type: "button", "aria-label": "Close" }, icon("close"));
  const heading = h("h2", { id: `dlg-${Math.random().toString(36).slice(2)}` }, titleText);
  const el = h("dialog.modal", { "aria-labelledby": heading.id },
    h("header.modal-head", {}, heading, close),
    ...content);
  close.addEventListener("click", () => el.close());
  el.addEventListener("close", () => el.remove());
  // A click on the backdrop closes it.
  el.addEventListener("click", (event) => {
    if (event.target === el) el.close();
  });
  document.body.append(el);
  el.showModal();
  return el;
}

/** A people picker: search by username, pick people (as chips) or act on one. */
function peoplePicker({ label, exclude = () => false, onPick }) {
  const input = h("input.search-input", {
    type: "search", placeholder: "Search by username", "aria-label": label, autocomplete: "off",
    autocapitalize: "none", spellcheck: "false",
  });
  const results = h("ul.people-results.in-dialog", { role: "list", "aria-label": "People found" });
  let serial = 0;
  const search = debounce(async () => {
    const query = input.value.trim().replace(/^@/, "");
    const mine = ++serial;
    if (!query) {
      results.replaceChildren();
      return;
    }
    try {
      const answer = await api.searchUsers(query);
      if (mine !== serial) return;
      const people = answer.users.filter((u) => u.id !== store.state.me.id && !exclude(u));
      results.replaceChildren(...(people.length
        ? people.map((user) => h("li", {},
            h("button.person", {
              type: "button", dataset: { username: user.username },
              "aria-label": `${label}: ${user.display_name || user.username} (@${user.username})`,
              onclick: () => onPick(user),
            },
            avatar(user.display_name || user.username, user.id),
            h("span.person-text", {},
              h("span.person-name", {}, user.display_name || user.username),
              h("span.person-handle", {}, `@${user.username}`)),
            h("span.person-action", {}, icon("plus")))))
        : [h("li.muted.no-results", {}, "Nobody found.")]));
    } catch (error) {
      actions.report(error);
    }
  }, 250);
  input.addEventListener("input", search);
  return { input, results, clear: () => { input.value = ""; results.replaceChildren(); } };
}

/** Create a group room; resolves with the chat (or null when cancelled). */
export function newGroupDialog(onCreated) {
  const picked = new Map();
  const title = h("input", { id: "group-title", required: true, maxlength: 100, autocomplete: "off", placeholder: "e.g. Weekend trip" });
  const chips = h("ul.chips", { "aria-label": "People to invite" });
  const error = h("p.form-error", { role: "alert" });
  const picker = peoplePicker({
    label: "Add to the room",
    exclude: (u) => picked.has(u.id),
    onPick: (user) => {
      picked.set(user.id, user);
      picker.clear();
      renderChips();
      picker.input.focus();
    },
  });
  function renderChips() {
    chips.replaceChildren(...[...picked.values()].map((user) => h("li.chip", {},
      user.display_name || user.username,
      h("button.chip-remove", {
        type: "button", "aria-label": `Remove ${user.display_name || user.username}`,
        onclick: () => {
          picked.delete(user.id);
          renderChips();
        },
      }, icon("close")))));
  }
  const submit = h("button.primary", { type: "submit" }, "Create room");
  const form = h("form.modal-body", {},
    h("div.field", {}, h("label", { for: "group-title" }, "Room name"), title),
    h("div.field", {}, h("span.label", {}, "People"), picker.input, picker.results, chips),
    error,
    h("div.modal-actions", {}, submit));
  const el = dialog("New group room", form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!title.value.trim()) {
      error.textContent = "Give the room a name.";
      title.focus();
      return;
    }
    submit.disabled = true;
    try {
      const chat = await actions.createGroup(title.value.trim(), [...picked.keys()]);
      el.close();
      onCreated(chat);
    } catch (e) {
      error.textContent = e.message;
      submit.disabled = false;
    }
  });
  title.focus();
}

/** A room's members, inviting more, and leaving. */
export function membersDialog(chatId, { onLeft }) {
  const chat = store.state.chats.get(chatId);
  const list = h("ul.member-list", { "aria-label": "Members" });
  const error = h("p.form-error", { role: "alert" });
  const picker = peoplePicker({
    label: "Invite",
    exclude: (u) => (store.state.members.get(chatId) || []).some((m) => m.user.id === u.id),
    onPick: async (user) => {
      try {
        await actions.invite(chatId, user);
        picker.clear();
        error.textContent = "";
      } catch (e) {
        error.textContent = e.message;
      }
    },
  });
  const leaveButton = h("button.danger", { type: "button" }, "Leave room");
  const el = dialog(store.chatTitle(chat),
    h("div.modal-body", {},
      h("h3.section-title", {}, "Members"),
      list,
      h("div.field", {}, h("span.label", {}, "Invite someone"), picker.input, picker.results),
      error,
      h("div.modal-actions", {}, leaveButton)));

  function removeButton(member) {
    const name = member.user.display_name || member.user.username;
    return confirmButton({
      label: "Remove",
      armedLabel: "Click again to remove",
      name: `Remove ${name} from the room`,
      armedName: `Click again to remove ${name}`,
      className: "link-button.remove-member",
      onConfirm: async () => {
        try {
          await actions.removeMember(chatId, member.user.id);
          error.textContent = "";
        } catch (e) {
          error.textContent = e.message;
        }
      },
    });
  }

  function render() {
    const members = store.state.members.get(chatId) || [];
    const me = store.state.me.id;
    const owner = members.some((m) => m.role === "owner" && m.user.id === me);
    list.replaceChildren(...members.map((m) => h("li.member", {},
      avatar(m.user.display_name || m.user.username, m.user.id, { online: store.isOnline(m.user.id) || m.user.id === store.state.me.id }),
      h("span.person-text", {},
        h("span.person-name", {}, m.user.id === store.state.me.id ? `${m.user.display_name || m.user.username} (you)` : m.user.display_name || m.user.username),
        h("span.person-handle", {}, `@${m.user.username}`)),
      m.role === "owner" ? h("span.role", {}, "owner") : null,
      owner && m.user.id !== me ? removeButton(m) : null)));
  }
  const off = store.on("members", (d) => d.chatId === chatId && render());
  el.addEventListener("close", off);
  render();
  actions.loadMembers(chatId).catch((e) => {
    error.textContent = e.message;
  });

  leaveButton.addEventListener("click", async () => {
    if (!confirmLeave(leaveButton)) return;
    try {
      await actions.leave(chatId);
      el.close();
      onLeft();
    } catch (e) {
      error.textContent = e.message;
    }
  });
}

/** Two-step button instead of window.confirm (which blocks and is hard to test). */
function confirmLeave(button) {
  if (button.dataset.armed) return true;
  button.dataset.armed = "1";
  button.textContent = "Click again to leave";
  setTimeout(() => {
    delete button.dataset.armed;
    button.textContent = "Leave room";
  }, 4_000);
  return false;
}
