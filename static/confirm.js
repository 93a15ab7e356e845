// Forms that ask before they submit: <form data-confirm="Remove this file?">. The question stays
// text in an attribute, never JavaScript source, so a translation with an apostrophe (French:
// "l'élément") cannot break it, and pages need no inline handler (a Content-Security-Policy
// without 'unsafe-inline' can then forbid them all).
(function () {
  "use strict";
  // Capture phase: the question is asked before any other script acts on the submission.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
