// Live mode: Stripe's Payment Element collects the card; the server never sees card numbers.
"use strict";

(function stripePayment() {
  const form = document.getElementById("payment-form");
  if (!form || typeof window.Stripe !== "function") return;
  const stripe = window.Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  const message = form.querySelector(".payment-message");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    const { error } = await stripe.confirmPayment({
      elements,
      confirmParams: { return_url: form.dataset.returnUrl },
    });
    // Only reached on an immediate error; success redirects to the return URL.
    message.textContent = error.message;
    form.querySelector("button").disabled = false;
  });
})();
