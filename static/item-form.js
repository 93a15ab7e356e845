// Tabs for the texts per language, and "add a language" without a page load.
(function () {
  "use strict";
  var form = document.getElementById("item-form");
  if (!form) return;
  document.documentElement.classList.add("js");
  var tablist = form.querySelector(".tabs");

  function select(tab) {
    tablist.querySelectorAll("[role=tab]").forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
  }

  function wire(tab) {
    tab.addEventListener("click", function () { select(tab); });
    tab.addEventListener("keydown", function (event) {
      var tabs = Array.prototype.slice.call(tablist.querySelectorAll("[role=tab]"));
      var i = tabs.indexOf(tab);
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        var next = tabs[(i + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
        select(next); next.focus(); event.preventDefault();
      }
    });
  }

  tablist.querySelectorAll("[role=tab]").forEach(wire);
  var first = tablist.querySelector("[role=tab]");
  if (first) select(first);

  var addButton = document.querySelector("[data-add-language]");
  var addInput = document.getElementById("add-lang");
  if (!addButton || !addInput) return;
  addButton.addEventListener("click", function (event) {
    var tag = addInput.value.trim();
    if (!tag || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) return;  // let the server explain
    event.preventDefault();
    if (document.getElementById("panel-" + tag)) { select(document.getElementById("tab-" + tag)); return; }
    var template = form.querySelector(".panel");
    var panel = template.cloneNode(true);
    var oldTag = template.id.slice("panel-".length);
    panel.id = "panel-" + tag;
    panel.setAttribute("lang", tag);
    panel.setAttribute("aria-labelledby", "tab-" + tag);
    panel.querySelectorAll("[name], [id], [for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace("texts-" + oldTag + "-", "texts-" + tag + "-"));
      });
      if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") el.value = "";
    });
    panel.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    var title = panel.querySelector(".panel-title");
    if (title) title.textContent = tag;
    template.parentNode.insertBefore(panel, form.querySelector(".add-language"));
    var tab = document.createElement("button");
    tab.type = "button"; tab.setAttribute("role", "tab"); tab.id = "tab-" + tag;
    tab.setAttribute("aria-controls", panel.id); tab.textContent = tag;
    tablist.appendChild(tab); wire(tab); select(tab);
    addInput.value = "";
  });
})();
