// The dispatch list's print button; without script, the browser's own Print does the same.
"use strict";

document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
