// A field that sends its form as soon as it changes: <select data-autosubmit>. Without scripts
// the form keeps its own submit button (in <noscript>).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || !field.hasAttribute("data-autosubmit")) return;
    // requestSubmit() sends the submit event too, so other behaviours (data-confirm) still apply.
    if (field.form.requestSubmit) field.form.requestSubmit(); else field.form.submit();
  });
})();
