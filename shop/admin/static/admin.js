// Progressive enhancement for the admin: every form works without this file.
"use strict";

// Forms with data-confirm ask before doing something that cannot be undone (refund, delete).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});
