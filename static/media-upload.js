// Drag and drop with a progress bar for the item's upload form; the form works without it.
(function () {
  "use strict";
  var form = document.getElementById("media-upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector("input[type=file]");
  var bar = form.querySelector("progress");
  var output = form.querySelector("output");
  form.querySelector(".drop-hint").hidden = false;

  function send(files) {
    var data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    Array.prototype.forEach.call(files, function (file) { data.append("files", file, file.name); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    output.textContent = "";
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: a proxy's page */ }
      if (xhr.status === 201) {
        output.textContent = (body.notices || []).concat([body.message || form.dataset.done]).join(" ");
        window.setTimeout(function () { window.location.reload(); }, (body.notices || []).length ? 4000 : 300);
      } else {
        bar.hidden = true;
        output.textContent = (body.error && body.error.message) || form.dataset.failed;
      }
    };
    xhr.onerror = function () { bar.hidden = true; output.textContent = form.dataset.failed; };
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) return;
    event.preventDefault();
    send(input.files);
  });
  ["dragenter", "dragover"].forEach(function (name) {
    form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("dragging"); });
  });
  form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    form.classList.remove("dragging");
    if (event.dataTransfer.files.length) send(event.dataTransfer.files);
  });
})();
