// The page viewer of a multi-page document (portal/templates/portal/item.html): one page at a time,
// chosen from the thumbnails or turned with the buttons. Each thumbnail is a link to its page's image,
// so without scripts the thumbnails are simply a list of links; with them, the page changes in place.
(function () {
  "use strict";
  function show(viewer, link) {
    var image = viewer.querySelector("[data-viewer-image]");
    var full = viewer.querySelector("[data-viewer-full]");
    var label = viewer.querySelector("[data-viewer-label]");
    image.setAttribute("src", link.getAttribute("data-src"));
    image.setAttribute("srcset", link.getAttribute("data-srcset"));
    image.setAttribute("alt", link.getAttribute("data-label"));
    if (link.hasAttribute("data-width")) {
      image.setAttribute("width", link.getAttribute("data-width"));
      image.setAttribute("height", link.getAttribute("data-height"));
    }
    full.setAttribute("href", link.getAttribute("href"));
    var zoom = viewer.querySelector("[data-zoom]");
    if (zoom && link.hasAttribute("data-zoom-info")) {
      zoom.setAttribute("data-zoom-info", link.getAttribute("data-zoom-info")); // static/zoom.js follows it
    }
    label.textContent = link.getAttribute("data-label");
    viewer.querySelectorAll("[data-viewer-page]").forEach(function (other) {
      if (other === link) { other.setAttribute("aria-current", "page"); } else { other.removeAttribute("aria-current"); }
    });
    var buttons = viewer.querySelectorAll("[data-viewer-step]");
    var pages = viewer.querySelectorAll("[data-viewer-page]");
    var index = Array.prototype.indexOf.call(pages, link);
    buttons[0].disabled = index === 0;
    buttons[1].disabled = index === pages.length - 1;
  }
  function current(viewer) {
    return viewer.querySelector("[data-viewer-page][aria-current]") || viewer.querySelector("[data-viewer-page]");
  }
  document.querySelectorAll("[data-page-viewer]").forEach(function (viewer) {
    viewer.querySelector("[data-viewer-turn]").hidden = false;
    show(viewer, current(viewer));
  });
  document.addEventListener("click", function (event) {
    var viewer = event.target.closest("[data-page-viewer]");
    if (!viewer) { return; }
    var link = event.target.closest("[data-viewer-page]");
    var step = event.target.closest("[data-viewer-step]");
    if (link) {
      event.preventDefault();
      show(viewer, link);
      viewer.querySelector("[data-viewer-image]").scrollIntoView({ block: "nearest" });
    } else if (step) {
      var pages = Array.prototype.slice.call(viewer.querySelectorAll("[data-viewer-page]"));
      var next = pages[pages.indexOf(current(viewer)) + Number(step.getAttribute("data-viewer-step"))];
      if (next) { show(viewer, next); }
    }
  });
})();
