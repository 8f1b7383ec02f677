// The staff chat inbox, live: new messages over server-sent events, a sound and a desktop
// notification for customers' messages, replies sent without a reload, "X is answering".
// Without this file the inbox still works: reload to see new messages, forms post as usual.
// Messages are drawn by static/js/chat.js (loaded first), as the customer sees them.
"use strict";

(function inbox() {
  const root = document.querySelector("[data-inbox]");
  if (!root) return;
  const selected = root.dataset.conversationId;
  const reply = root.querySelector("[data-staff-reply]");
  const log = root.querySelector("[data-chat-log]");
  const live = root.querySelector("[data-live-state]");
  const csrf = (document.querySelector("input[name=csrf_token]") || {}).value || "";
  const port = root.dataset.streamPort;
  const base = port ? `${location.protocol}//${location.hostname}:${port}` : "";

  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", body,
                        headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
  }

  // A short two-tone chime, made here: no sound file to fetch. Browsers allow sound only
  // after the page has been used, so the audio starts on the first click or key press.
  let audio = null;
  const unlock = () => { if (!audio && window.AudioContext) audio = new AudioContext(); };
  document.addEventListener("pointerdown", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });
  function chime() {
    if (!audio) return;
    [660, 880].forEach((hz, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = hz;
      gain.gain.setValueAtTime(0.15, audio.currentTime + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + i * 0.15 + 0.3);
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + i * 0.15);
      tone.stop(audio.currentTime + i * 0.15 + 0.3);
    });
  }

  const notifyButton = root.querySelector("[data-notify]");
  if (notifyButton && window.Notification && Notification.permission === "default") {
    notifyButton.hidden = false;
    notifyButton.addEventListener("click", async () => {
      await Notification.requestPermission();
      notifyButton.hidden = Notification.permission !== "default";
    });
  }
  function notify(message) {
    if (!window.Notification || Notification.permission !== "granted") return;
    if (!document.hidden && String(message.conversation_id) === selected) return;
    const note = new Notification(`Chat: ${message.from}`, { body: message.body.slice(0, 140),
                                                             tag: `chat-${message.conversation_id}` });
    note.onclick = () => { window.focus(); location.href = `/admin/chat/${message.conversation_id}`; };
  }

  // One refresh at a time; a change during one asks for another straight after it.
  let refreshing = false;
  let again = false;
  async function refreshList() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const response = await fetch(root.dataset.listUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const fresh = holder.querySelector("[data-inbox-list]");
      const here = root.querySelector("[data-inbox-list]");
      if (fresh && here) here.replaceWith(fresh);
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        refreshList();
      }
    }
  }

  function append(message) {
    if (!log || log.querySelector(`[data-message-id="${message.id}"]`)) return;
    log.append(window.kefirChat.messageItem(message, message.author === "staff" ? "Staff" : message.from));
    log.scrollTop = log.scrollHeight;
  }

  if (window.EventSource) {
    const source = new EventSource(`${base}${root.dataset.streamUrl}?after=${root.dataset.lastId}`,
                                   { withCredentials: true });
    source.addEventListener("open", () => { live.textContent = "Live updates on"; });
    source.addEventListener("error", () => { live.textContent = "Reconnecting…"; });
    source.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (String(message.conversation_id) === selected) {
        append(message);
        if (message.author === "customer" && reply && !document.hidden) {
          post(reply.dataset.readUrl);
        }
      }
      if (message.author === "customer") {
        chime();
        notify(message);
      }
      refreshList();
    });
    source.addEventListener("conversation", refreshList);
  }

  if (reply) {
    const field = reply.querySelector("textarea");
    const error = reply.querySelector("[data-chat-error]");
    let said = 0;
    field.addEventListener("input", () => {
      // "X is answering" holds a minute; say it again at most every 20 seconds of typing.
      if (Date.now() - said > 20000) {
        said = Date.now();
        post(reply.dataset.answeringUrl);
      }
    });
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) reply.requestSubmit();
    });
    const saved = root.querySelector("[data-saved-reply]");
    if (saved) {
      saved.addEventListener("change", () => {
        if (!saved.value) return;
        field.value = field.value ? `${field.value}\n${saved.value}` : saved.value;
        saved.value = "";
        field.focus();
      });
    }
    window.kefirChat.sendOnce(reply, async () => {
      try {
        const response = await post(reply.action, new FormData(reply));
        if (response.status === 201) {
          field.value = "";
          error.textContent = "";
        } else {
          const problem = await response.json().catch(() => ({}));
          error.textContent = problem.detail || "The reply was not sent. Please try again.";
        }
      } catch (failure) {
        error.textContent = "The shop could not be reached. Please try again.";
      } finally {
        field.focus();
      }
    });
  }
})();
