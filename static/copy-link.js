// A link shown once to an admin (an invitation, a password reset): <button data-copy="#field"> copies
// the field's value, and the field selects all of itself when focused, ready for a copy by hand.
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-all")) { event.target.select(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!field) { return; }
    var done = function () { if (status) { status.textContent = button.getAttribute("data-copied") || "✓"; } };
    field.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
