// How far search has caught up with a finished import: <p data-search-progress="URL"> asks URL (the
// job's status) every two seconds, writes the items search finds so far into its [data-field="indexed"],
// and loads the page again once it finds them all. Without scripts, the "Refresh" link beside it does.
(function () {
  "use strict";
  var status = document.querySelector("[data-search-progress]");
  if (!status) return;
  var url = status.getAttribute("data-search-progress");

  function poll() {
    fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job || !job.search) return;
        if (job.search.indexed >= job.search.total) { window.location.reload(); return; }
        var field = status.querySelector('[data-field="indexed"]');
        if (field) field.textContent = job.search.indexed;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
