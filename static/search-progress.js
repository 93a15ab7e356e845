// How far the search index has caught up with an import: <p data-search-progress="URL"> asks the
// URL again every two seconds and shows its message, until every imported item can be found.
(function () {
  "use strict";
  var status = document.querySelector("[data-search-progress]");
  if (!status || !window.fetch) return;
  function ask() {
    fetch(status.getAttribute("data-search-progress"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) return;
        status.textContent = progress.message;
        if (!progress.done) window.setTimeout(ask, 2000);
      })
      .catch(function () { window.setTimeout(ask, 10000); });
  }
  window.setTimeout(ask, 2000);
})();
