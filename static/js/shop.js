// Progressive enhancement only: every page works without this file.
"use strict";

// The live-chat indicator flips at opening and closing time without a reload. The server
// renders the state and the instant of the next change; at that instant we ask the API what
// the state is from then on, and schedule the following change.
(function chatIndicator() {
  const el = document.querySelector("[data-chat-status]");
  if (!el) return;
  const label = el.querySelector(".chat-label");

  function schedule(nextChange) {
    const due = Date.parse(nextChange);
    if (Number.isNaN(due)) return;
    // Long timers are clamped by browsers; wake at most hourly and re-check.
    const wait = Math.min(Math.max(due - Date.now(), 0), 3600 * 1000);
    window.setTimeout(() => (Date.now() >= due ? flip(nextChange) : schedule(nextChange)), wait);
  }

  async function flip(at) {
    try {
      const response = await fetch(`/api/v1/chat/status?at=${encodeURIComponent(at)}`, {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const status = await response.json();
      el.dataset.chatStatus = status.online ? "online" : "offline";
      el.dataset.nextChange = status.next_change;
      label.textContent = `Live chat — ${status.label}`;
      schedule(status.next_change);
    } catch (error) {
      window.setTimeout(() => flip(at), 30 * 1000);
    }
  }

  schedule(el.dataset.nextChange);
})();
