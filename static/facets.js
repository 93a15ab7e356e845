// The search page's facets (<details data-open-wide="media query">): a drawer to open on a phone, an open
// sidebar on a wide screen. Without scripts the drawer still opens and closes by itself, and browsers that
// know ::details-content show the sidebar's contents from CSS alone.
(function () {
  "use strict";
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
    var wide = window.matchMedia(details.getAttribute("data-open-wide"));
    var summary = details.querySelector("summary");
    function follow() {
      details.open = wide.matches;
      // On a wide screen the summary is a heading, not a control to tab to.
      if (summary) summary.tabIndex = wide.matches ? -1 : 0;
    }
    follow();
    if (wide.addEventListener) wide.addEventListener("change", follow); else wide.addListener(follow);
  });
})();
