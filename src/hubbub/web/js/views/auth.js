// Sign in / create account.

import { api } from "../api.js";
import { h, icon } from "../dom.js";

const USERNAME = /^[A-Za-z0-9_.-]{3,50}$/;

/**
 * Render the auth screen into `root`. `onLogin(loginAnswer)` is called after a successful
 * login (registration logs in straight away). `notice`: a message to show (e.g. expired).
 */
export function renderAuth(root, { onLogin, notice = "" }) {
  let mode = "login";
  const status = h("p.form-error", { id: "auth-error", role: "alert", "aria-live": "assertive" });
  const username = h("input", {
    id: "auth-username", name: "username", autocomplete: "username", required: true,
    minlength: 3, maxlength: 50, autocapitalize: "none", spellcheck: "false",
    "aria-describedby": "auth-error",
  });
  const password = h("input", {
    id: "auth-password", name: "password", type: "password", autocomplete: "current-password",
    required: true, minlength: 8, maxlength: 128, "aria-describedby": "auth-error",
  });
  const displayName = h("input", {
    id: "auth-display", name: "display_name", autocomplete: "nickname", maxlength: 100,
  });
  const displayField = h("div.field", { hidden: true },
    h("label", { for: "auth-display" }, "Display name ", h("span.optional", {}, "(optional)")),
    displayName);
  const passwordHint = h("p.field-hint", { id: "password-hint", hidden: true }, "At least 8 characters.");
  const submit = h("button.primary.wide", { type: "submit" }, "Sign in");
  const title = h("h1.auth-title", {}, "Welcome back");
  const subtitle = h("p.auth-subtitle", {}, "Sign in to pick up your conversations.");
  const tabLogin = h("button.tab", { type: "button", role: "tab", id: "tab-login", "aria-selected": "true" }, "Sign in");
  const tabRegister = h("button.tab", { type: "button", role: "tab", id: "tab-register", "aria-selected": "false" }, "Create account");

  function setMode(next) {
    mode = next;
    const register = mode === "register";
    tabLogin.setAttribute("aria-selected", String(!register));
    tabRegister.setAttribute("aria-selected", String(register));
    displayField.hidden = !register;
    passwordHint.hidden = !register;
    password.autocomplete = register ? "new-password" : "current-password";
    submit.textContent = register ? "Create account" : "Sign in";
    title.textContent = register ? "Join hubbub" : "Welcome back";
    subtitle.textContent = register
      ? "Pick a username people can find you by."
      : "Sign in to pick up your conversations.";
    status.textContent = "";
  }
  tabLogin.addEventListener("click", () => setMode("login"));
  tabRegister.addEventListener("click", () => setMode("register"));

  const form = h("form.auth-form", { novalidate: true, "aria-labelledby": "auth-heading" },
    h("div.field", {}, h("label", { for: "auth-username" }, "Username"), username),
    h("div.field", {}, h("label", { for: "auth-password" }, "Password"), password, passwordHint),
    displayField,
    status,
    submit,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = username.value.trim();
    const secret = password.value;
    if (!USERNAME.test(name)) {
      status.textContent = "Usernames are 3–50 letters, digits, dots, dashes or underscores.";
      username.focus();
      return;
    }
    if (secret.length < 8 || secret.length > 128) {
      status.textContent = "Passwords are 8 to 128 characters long.";
      password.focus();
      return;
    }
    status.textContent = "";
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      if (mode === "register") {
        const body = { username: name, password: secret };
        if (displayName.value.trim()) body.display_name = displayName.value.trim();
        await api.register(body);
      }
      onLogin(await api.login(name, secret));
    } catch (error) {
      status.textContent = error.message;
      submit.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });

  root.replaceChildren(
    h("div.auth-screen", {},
      h("section.auth-card", { "aria-labelledby": "auth-heading" },
        h("div.brand", { id: "auth-heading" }, icon("spark"), h("span", {}, "hubbub")),
        title,
        subtitle,
        notice ? h("p.notice", { role: "status" }, notice) : null,
        h("div.tabs", { role: "tablist", "aria-label": "Sign in or create an account" }, tabLogin, tabRegister),
        form,
      ),
    ),
  );
  username.focus();
}
