// Share buttons of the public exhibition pages. Zalo has no share address that works without
// its SDK, so Zalo (and copy-link) use the phone's share sheet where there is one, and copy the
// link to the clipboard where there is not. Without scripts the links simply point at the page.
(function () {
  "use strict";
  function announce(box, text) {
    var status = box.querySelector(".share-status");
    if (status) { status.textContent = text; }
  }
  function copy(box, url) {
    var done = function () { announce(box, box.getAttribute("data-copied") || "✓"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(done, function () { window.prompt("", url); });
    } else {
      window.prompt("", url);
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-share]");
    if (!link) { return; }
    var app = link.getAttribute("data-share");
    if (app !== "zalo" && app !== "copy") { return; }
    event.preventDefault();
    var box = link.closest(".share");
    var url = link.getAttribute("href");
    var title = box ? box.getAttribute("data-title") : document.title;
    if (navigator.share && app === "zalo") {
      navigator.share({ title: title, url: url }).catch(function () {});
    } else {
      copy(box, url);
    }
  });
})();
