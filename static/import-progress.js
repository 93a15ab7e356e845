// An import under way: <section data-import-status="URL"> asks URL for the job's progress every
// two seconds, writes rows done, total and errors so far into its [data-field] elements, and
// loads the page again once the job ended, to show the report. Without scripts, the page's own
// "Refresh" link does the same.
(function () {
  "use strict";
  var section = document.querySelector("[data-import-status]");
  if (!section) return;
  var url = section.getAttribute("data-import-status");

  function show(job) {
    ["rows_done", "rows_total", "errors_so_far"].forEach(function (name) {
      var field = section.querySelector('[data-field="' + name + '"]');
      if (field && job[name] !== null && job[name] !== undefined) field.textContent = job[name];
    });
  }

  function poll() {
    fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) return;
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        show(job);
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
