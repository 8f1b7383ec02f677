// The customer's chat: a dialog opened from the header's chat link (loaded on demand by
// shop.js), and the live parts of /support/. Without this file /support/ works with plain forms.
"use strict";

(function kefirChat() {
  if (window.kefirChat) return;
  const STORE = "kefir-chat-open";
  const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
  const TRAILING = /[.,;:!?)\]}'"]+$/;

  // Text with its web addresses as links, built from text nodes: nothing typed is ever HTML.
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    let at = 0;
    for (const match of text.matchAll(LINK)) {
      let url = match[0].replace(TRAILING, "");
      while (url.length < match[0].length && match[0][url.length] === ")" &&
             (url.match(/\(/g) || []).length > (url.match(/\)/g) || []).length) url += ")";
      fragment.append(text.slice(at, match.index));
      const a = document.createElement("a");
      a.href = /^http/i.test(url) ? url : `https://${url}`;
      a.rel = "nofollow noopener";
      a.target = "_blank";
      a.textContent = url;
      fragment.append(a);
      at = match.index + url.length;
    }
    fragment.append(text.slice(at));
    return fragment;
  }

  function timeLabel(iso) {
    const when = new Date(iso);
    return when.toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit",
                                          minute: "2-digit", timeZone: "Europe/London" }).replace(",", ",");
  }

  function messageItem(message, who) {
    const li = document.createElement("li");
    li.className = `chat-message chat-${message.author}`;
    li.dataset.messageId = String(message.id);
    const meta = document.createElement("p");
    meta.className = "chat-meta";
    const name = document.createElement("span");
    name.className = "chat-who";
    name.textContent = who;
    const time = document.createElement("time");
    time.dateTime = new Date(message.created_at).toISOString();
    time.textContent = timeLabel(message.created_at);
    meta.append(name, " ", time);
    const body = document.createElement("p");
    body.className = "chat-body";
    body.append(linkified(message.body));
    li.append(meta, body);
    return li;
  }

  // Send `form` with `send` (which posts it by fetch), one at a time: pressing again while
  // it is on its way does nothing. The staff inbox (admin chat.js) sends its replies so too.
  function sendOnce(form, send) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.dataset.busy) return;
      form.dataset.busy = "1";
      try {
        await send();
      } finally {
        delete form.dataset.busy;
      }
    });
  }

  // The stream service's address: this origin, or (make run) the same host on its own port.
  function streamBase(el) {
    const port = el.dataset.streamPort;
    return port ? `${window.location.protocol}//${window.location.hostname}:${port}` : "";
  }

  async function problemText(response) {
    try {
      const problem = await response.json();
      return problem.detail || "Sorry, that did not work. Please try again.";
    } catch (error) {
      return response.status === 429 ? "You are sending messages too quickly. Please wait a moment."
                                      : "Sorry, that did not work. Please try again.";
    }
  }

  async function postJSON(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
                        headers: { "Content-Type": "application/json", Accept: "application/json" },
                        body: JSON.stringify(body) });
  }

  // One panel (inside the dialog, or the /support/ conversation page): forms sent with fetch,
  // messages arriving over server-sent events. `reload` fetches the panel again.
  function mount(panel, reload) {
    const log = panel.querySelector("[data-chat-log]");
    const presence = panel.querySelector("[data-chat-presence]");
    const id = panel.dataset.conversationId;
    const token = panel.dataset.token;
    let source = null;
    let presenceTimer = null;

    function add(message) {
      if (!log || log.querySelector(`[data-message-id="${message.id}"]`)) return;
      log.append(messageItem(message, message.author === "staff" ? "Kefir Shop" : "You"));
      panel.dataset.lastId = String(Math.max(Number(panel.dataset.lastId || 0), message.id));
      log.scrollTop = log.scrollHeight;
    }

    function showError(form, text) {
      const error = form.querySelector("[data-chat-error]");
      if (error) error.textContent = text;
    }

    const start = panel.querySelector("[data-chat-start]");
    if (start) {
      start.addEventListener("submit", async (event) => {
        event.preventDefault();
        const data = Object.fromEntries(new FormData(start));
        delete data.csrf_token;
        const button = start.querySelector("button[type=submit]");
        button.disabled = true;
        try {
          const response = await postJSON("/api/v1/chat/conversations", data);
          if (response.status !== 201) {
            showError(start, await problemText(response));
            return;
          }
          await reload(true);
        } catch (error) {
          showError(start, "We could not reach the shop. Please check your connection.");
        } finally {
          button.disabled = false;
        }
      });
    }

    const reply = panel.querySelector("[data-chat-reply]");
    if (reply) {
      const field = reply.querySelector("textarea");
      field.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          reply.requestSubmit();
        }
      });
      sendOnce(reply, async () => {
        try {
          const url = `/api/v1/chat/conversations/${id}/messages?token=${encodeURIComponent(token)}`;
          const response = await postJSON(url, { body: field.value });
          if (response.status !== 201) {
            showError(reply, await problemText(response));
            if (response.status === 409) await reload(false);
            return;
          }
          add(await response.json());
          field.value = "";
          showError(reply, "");
        } catch (error) {
          showError(reply, "We could not reach the shop. Please check your connection.");
        } finally {
          field.focus({ preventScroll: true });
        }
      });
    }

    panel.querySelectorAll("[data-chat-new]").forEach((link) => link.addEventListener("click", (event) => {
      if (!panel.closest("dialog")) return;
      event.preventDefault();
      reload(true, true);
    }));

    if (id && token && window.EventSource) {
      const url = `${streamBase(panel)}/api/v1/chat/conversations/${id}/events` +
                  `?token=${encodeURIComponent(token)}&after=${panel.dataset.lastId || 0}`;
      source = new EventSource(url);
      source.addEventListener("message", (event) => add(JSON.parse(event.data)));
      source.addEventListener("conversation", (event) => {
        const state = JSON.parse(event.data);
        if (state.status !== panel.dataset.status) {
          reload(false);
          return;
        }
        if (!presence) return;
        presence.textContent = state.answering ? `${state.answering} is answering…` : "";
        window.clearTimeout(presenceTimer);
        if (state.answering_until) {
          const left = Date.parse(state.answering_until) - Date.now();
          presenceTimer = window.setTimeout(() => { presence.textContent = ""; }, Math.max(left, 0));
        }
      });
    }
    return () => { if (source) source.close(); window.clearTimeout(presenceTimer); };
  }

  // The dialog: made once, filled from /support/panel, non-modal so the page stays usable.
  let dialog = null;
  let opener = null;
  let unmount = () => {};

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "chat-dialog";
    dialog.setAttribute("aria-labelledby", "chat-dialog-title");
    dialog.innerHTML = '<div class="chat-dialog-head"><h2 id="chat-dialog-title">Chat with Kefir Shop</h2>' +
      '<button type="button" class="chat-close" data-chat-close aria-label="Close chat">×</button></div>' +
      '<div class="chat-dialog-body" data-chat-body aria-busy="true"><p class="chat-loading">Loading…</p></div>';
    document.body.append(dialog);
    dialog.querySelector("[data-chat-close]").addEventListener("click", close);
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  async function load(focus, fresh) {
    const body = dialog.querySelector("[data-chat-body]");
    body.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`/support/panel${fresh ? "?new=1" : ""}`, {
        credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      unmount();
      body.innerHTML = await response.text();
      const panel = body.querySelector("[data-chat-panel]");
      unmount = mount(panel, load);
      const log = panel.querySelector("[data-chat-log]");
      if (log) log.scrollTop = log.scrollHeight;
      if (focus) {
        const field = panel.querySelector("textarea");
        (field || dialog.querySelector("[data-chat-close]")).focus({ preventScroll: true });
      }
    } catch (error) {
      body.innerHTML = '<p class="chat-error" role="alert">The chat could not load. ' +
        '<a href="/support/">Open it as a page</a>.</p>';
    } finally {
      body.removeAttribute("aria-busy");
    }
  }

  // The dialog's styles come with it, before it is shown (no page pays for them up front).
  let styled = null;
  function style(href) {
    if (!href || document.querySelector(`link[href="${href}"]`)) return Promise.resolve();
    styled = styled || new Promise((resolve) => {
      const sheet = document.createElement("link");
      sheet.rel = "stylesheet";
      sheet.href = href;
      sheet.onload = resolve;
      sheet.onerror = resolve;
      document.head.append(sheet);
    });
    return styled;
  }

  async function open(link, focus) {
    opener = link;
    await style(link.dataset.style);
    if (!dialog) build();
    if (!dialog.open) {
      const before = document.activeElement;
      dialog.show();
      // Brought back on a new page, the dialog must not take the focus from the page.
      if (!focus && dialog.contains(document.activeElement)) {
        document.activeElement.blur();
        if (before && before !== document.body) before.focus({ preventScroll: true });
      }
      load(focus, false);
    } else if (focus) {
      (dialog.querySelector("textarea") || dialog.querySelector("[data-chat-close]"))
        .focus({ preventScroll: true });
    }
    try { window.sessionStorage.setItem(STORE, "1"); } catch (error) { /* no storage */ }
  }

  function close() {
    unmount();
    unmount = () => {};
    dialog.close();
    try { window.sessionStorage.removeItem(STORE); } catch (error) { /* no storage */ }
    if (opener) opener.focus({ preventScroll: true });
  }

  // The staff inbox (shop/admin/static/chat.js) shows messages the same way.
  window.kefirChat = { open, messageItem, sendOnce };

  // /support/'s conversation page: the same live behaviour, reloading the page itself.
  const page = document.querySelector("[data-chat-page] [data-chat-panel]");
  if (page) mount(page, () => { window.location.reload(); });
})();
