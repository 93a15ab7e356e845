// Deep zoom on the item page (portal/templates/portal/item.html). Under each image (or the page a document's
// viewer shows), a button opens OpenSeadragon in the image's place. It reads the page's IIIF image service
// (data-zoom-info: its info.json — for a harvested image, the source's own service, whose origin the page's
// content policy must allow: data-image-origins on the article) and loads only the tiles in view.
// OpenSeadragon itself (static/vendor, copied from the npm registry by tools/vendor.sh) is loaded on the first
// click, so pages that are only read never fetch it. The buttons zoom, show the whole image and close; in the
// viewer, the arrow keys move and + and - zoom. Without scripts the image and its link stay as they are.
(function () {
  "use strict";
  var loading = null;

  function loadScript(src) {
    if (window.OpenSeadragon) { return Promise.resolve(); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.addEventListener("load", resolve);
        script.addEventListener("error", function () { loading = null; reject(new Error(src)); });
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function part(zoom, name) { return zoom.querySelector("[data-zoom-" + name + "]"); }

  function setOpen(zoom, open) {
    part(zoom, "viewer").hidden = !open;
    part(zoom, "controls").hidden = !open;
    part(zoom, "help").hidden = !open;
    part(zoom, "open").hidden = open;
    part(zoom, "still").hidden = open;
    zoom.setAttribute("data-zoom-state", open ? "open" : "closed");
  }

  function open(zoom) {
    var status = part(zoom, "status");
    setOpen(zoom, true);
    loadScript(zoom.getAttribute("data-zoom-script")).then(function () {
      var viewer = window.OpenSeadragon({
        element: part(zoom, "viewer"),
        tileSources: zoom.getAttribute("data-zoom-info"),
        showNavigationControl: false, // the page's own buttons, labelled in the reader's language, do this
        drawer: "canvas",
        visibilityRatio: 1,
        minZoomImageRatio: 0.8
      });
      zoom.viewer = viewer;
      viewer.addHandler("open", function () {
        status.textContent = "";
        viewer.canvas.focus(); // the keyboard moves and zooms from here
      });
      viewer.addHandler("open-failed", function () {
        status.textContent = status.getAttribute("data-failed") || "";
      });
      viewer.addHandler("tile-loaded", function () {
        zoom.setAttribute("data-zoom-tiles", String(Number(zoom.getAttribute("data-zoom-tiles") || 0) + 1));
      });
    }).catch(function () {
      setOpen(zoom, false);
      status.textContent = status.getAttribute("data-failed") || "";
    });
  }

  function close(zoom) {
    if (zoom.viewer) { zoom.viewer.destroy(); zoom.viewer = null; }
    part(zoom, "viewer").textContent = "";
    setOpen(zoom, false);
    part(zoom, "open").focus();
  }

  document.querySelectorAll("[data-zoom]").forEach(function (zoom) {
    part(zoom, "tools").hidden = false;
    // The document viewer (static/page-viewer.js) changes data-zoom-info when it turns a page: follow it.
    new MutationObserver(function () {
      if (zoom.viewer) { zoom.viewer.open(zoom.getAttribute("data-zoom-info")); }
    }).observe(zoom, { attributes: true, attributeFilter: ["data-zoom-info"] });
  });

  document.addEventListener("click", function (event) {
    var zoom = event.target.closest("[data-zoom]");
    var button = event.target.closest("button");
    if (!zoom || !button) { return; }
    if (button.hasAttribute("data-zoom-open")) {
      open(zoom);
    } else if (button.hasAttribute("data-zoom-close")) {
      close(zoom);
    } else if (zoom.viewer && button.hasAttribute("data-zoom-by")) {
      zoom.viewer.viewport.zoomBy(Number(button.getAttribute("data-zoom-by")));
      zoom.viewer.viewport.applyConstraints();
    } else if (zoom.viewer && button.hasAttribute("data-zoom-home")) {
      zoom.viewer.viewport.goHome();
    }
  });
})();
