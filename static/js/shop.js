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

// Basket forms post as usual without JavaScript (post, redirect, show the basket). With it, we
// post the same form with fetch, and take what changed from the page the server answers with:
// the server stays the only place that renders a basket.
(function basketForms() {
  const parser = new DOMParser();

  async function post(form, submitter) {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form, submitter),
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    return parser.parseFromString(await response.text(), "text/html");
  }

  function replace(selector, doc) {
    const here = document.querySelector(selector);
    const there = doc.querySelector(selector);
    if (here && there) here.replaceWith(document.importNode(there, true));
  }

  // Live regions announce changes to their content, not their replacement: refill them.
  function refill(selector, doc) {
    const here = document.querySelector(selector);
    const there = doc.querySelector(selector);
    if (!here || !there) return;
    here.replaceChildren(...Array.from(there.childNodes, (node) => document.importNode(node, true)));
  }

  function flashText(doc) {
    return Array.from(doc.querySelectorAll("[data-flashes] .flash"), (p) => p.textContent.trim());
  }

  // When fetch fails, post the ordinary way so the customer sees what the server says.
  function plainly(form, submitter) {
    form.dataset.plain = "1";
    form.requestSubmit(submitter && submitter.form === form ? submitter : null);
  }

  function updateHeader(doc) {
    replace("[data-basket-link]", doc);
  }

  // On /basket: swap the whole basket, the header and the messages; keep focus where it was.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-basket-form]");
    if (!form || form.dataset.plain || !document.querySelector("[data-basket]")) return;
    event.preventDefault();
    // Enter in a quantity field fires both "change" and a submit: send it once.
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    const focusKey = document.activeElement && document.activeElement.dataset.focus;
    const busy = document.querySelector("[data-basket]");
    busy.setAttribute("aria-busy", "true");
    try {
      const doc = await post(form, event.submitter);
      replace("[data-basket]", doc);
      refill("[data-flashes]", doc);
      updateHeader(doc);
      const again = focusKey && document.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
      if (again && !again.disabled) again.focus();
      else document.querySelector("[data-basket]").focus();
      estimates();
    } catch (error) {
      busy.removeAttribute("aria-busy");
      delete form.dataset.busy;
      plainly(form, event.submitter);
    }
  });

  // A typed quantity is sent when the field is left or Enter is pressed; the forms skip the
  // browser's own range check (novalidate) so the server can say how many are in stock.
  document.addEventListener("change", (event) => {
    const input = event.target.closest("[data-basket] [data-autosubmit]");
    if (input && input.form && input.value !== "") input.form.requestSubmit();
  });

  // On catalogue and product pages: stay on the page, say what happened, update the header.
  // A product card's button submits the page's one form; its message goes beside the button.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-add-to-basket]");
    if (!form || form.dataset.plain) return;
    event.preventDefault();
    const button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    const status = ((button && button.closest("[data-add-item]")) || form).querySelector("[data-add-status]");
    try {
      // post() reads the form, with the pressed button's slug, before its first await; a
      // disabled button would not be read, so it is disabled only once the request is on its way.
      const request = post(form, event.submitter);
      if (button) button.disabled = true;
      const doc = await request;
      const added = doc.querySelector("[data-basket]") !== null;
      status.classList.toggle("is-error", !added);
      status.textContent = "";
      status.append(flashText(doc).join(" ") + " ");
      if (added) {
        const link = document.createElement("a");
        link.href = "/basket";
        link.textContent = "View basket";
        status.append(link);
      }
      updateHeader(doc);
      replace("[data-free-delivery]", doc);
    } catch (error) {
      plainly(form, event.submitter);
    } finally {
      if (button) button.disabled = false;
    }
  });
})();

// "Order within 2 h 15 min for delivery on Thursday 26 November" counts down while the page is
// open, in the server's time (the page carries the server's now), and asks the API for the next
// estimate once the deadline has passed.
function estimates() {
  document.querySelectorAll("[data-delivery-estimate]").forEach((el) => {
    if (el.dataset.ticking) return;
    el.dataset.ticking = "1";
    const offset = Date.parse(el.dataset.now) - Date.now();
    const text = el.querySelector(".delivery-estimate-text");
    const serverNow = () => Date.now() + (Number.isNaN(offset) ? 0 : offset);

    function duration(ms) {
      const minutes = Math.max(1, Math.ceil(ms / 60000));
      const h = Math.floor(minutes / 60);
      const m = minutes % 60;
      return [h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ");
    }

    async function tick() {
      if (!el.isConnected) return;
      const orderBy = Date.parse(el.dataset.orderBy);
      const left = orderBy - serverNow();
      if (left <= 0) {
        try {
          const at = encodeURIComponent(el.dataset.orderBy);
          const response = await fetch(`/api/v1/delivery/estimate?at=${at}`, {
            headers: { Accept: "application/json" },
          });
          if (!response.ok) throw new Error(String(response.status));
          const next = await response.json();
          el.dataset.orderBy = next.order_by;
          el.dataset.deliveryLabel = next.delivery_label;
          text.textContent = next.label;
        } catch (error) {
          window.setTimeout(tick, 30 * 1000);
          return;
        }
      } else if (left <= 24 * 3600 * 1000) {
        text.textContent = `Order within ${duration(left)} for delivery on ${el.dataset.deliveryLabel}`;
      }
      const untilNextMinute = ((Date.parse(el.dataset.orderBy) - serverNow()) % 60000) || 60000;
      window.setTimeout(tick, Math.min(Math.max(untilNextMinute, 250), 60000));
    }
    tick();
  });
}
estimates();

// The chat dialog is fetched only when the header's chat link is pressed (static/js/chat.js
// and its panel), so no page pays for it; without JavaScript the link opens /support/.
// A dialog left open comes back on the next page, without taking the focus.
(function chatLauncher() {
  const link = document.querySelector("[data-chat-open]");
  if (!link) return;
  let loading = null;
  const load = () => (loading = loading || new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = link.dataset.script;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  }));
  link.setAttribute("aria-haspopup", "dialog");
  link.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    load().then(() => window.kefirChat.open(link, true)).catch(() => { window.location.href = link.href; });
  });
  try {
    if (window.sessionStorage.getItem("kefir-chat-open") === "1") {
      load().then(() => window.kefirChat.open(link, false));
    }
  } catch (error) { /* storage refused: the dialog simply starts closed */ }
})();
