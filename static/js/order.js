// The order page follows its status live until the payment is confirmed (or fails).
"use strict";

(function followOrderStatus() {
  const order = document.querySelector("[data-status-url]");
  const status = document.querySelector("[data-order-status]");
  if (!order || !status || status.dataset.orderStatus !== "pending_payment") return;

  async function poll() {
    try {
      const response = await fetch(order.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const body = await response.json();
        if (body.status !== "pending_payment") {
          window.location.reload();  // the server renders the new state, items and date
          return;
        }
      }
    } catch (error) {
      // A network blip: try again on the next tick.
    }
    window.setTimeout(poll, 1500);
  }
  window.setTimeout(poll, 1500);
})();
