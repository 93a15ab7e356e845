// Print buttons: <button data-print hidden>. Shown only with scripts; without them the browser's
// own Print command does the same.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
