// The composer: reorder panels by drag and drop, or from the keyboard with Alt+Up / Alt+Down,
// within and across sections. Each move sends the whole order; the buttons work without it.
(function () {
  "use strict";
  var root = document.getElementById("composer");
  if (!root || root.getAttribute("data-editable") !== "true") return;
  var status = document.querySelector(".order-status");
  var dragged = null;

  function layout() {
    var order = {};
    root.querySelectorAll(".composer-entries").forEach(function (list) {
      order[list.getAttribute("data-section-id")] = Array.prototype.map.call(
        list.querySelectorAll("li[data-entry-id]"), function (li) { return Number(li.getAttribute("data-entry-id")); });
    });
    return order;
  }

  function save(focus) {
    fetch(root.getAttribute("data-arrange-url"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": root.getAttribute("data-csrf") },
      body: JSON.stringify(layout()), credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
        if (status) status.textContent = body.message;
        if (focus) focus.focus();
      });
    }).catch(function (error) {
      if (status) status.textContent = error.message;
      window.setTimeout(function () { window.location.reload(); }, 1500);
    });
  }

  function lists() { return Array.prototype.slice.call(root.querySelectorAll(".composer-entries")); }

  function move(li, delta) {
    var list = li.parentNode;
    var sibling = delta < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (sibling) {
      list.insertBefore(li, delta < 0 ? sibling : sibling.nextElementSibling);
    } else {
      var all = lists();
      var target = all[all.indexOf(list) + delta];
      if (!target) return;
      if (delta < 0) target.appendChild(li); else target.insertBefore(li, target.firstElementChild);
    }
    save(li);
  }

  root.addEventListener("keydown", function (event) {
    var li = event.target.closest("li[data-entry-id]");
    if (!li || event.target !== li || !event.altKey) return;
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      move(li, event.key === "ArrowUp" ? -1 : 1);
    }
  });

  root.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("li[data-entry-id]");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-entry-id"));
  });

  root.addEventListener("dragover", function (event) {
    var list = event.target.closest(".composer-entries");
    if (!dragged || !list) return;
    event.preventDefault();
    var over = event.target.closest("li[data-entry-id]");
    if (over && over !== dragged) {
      var box = over.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY < box.top + box.height / 2 ? over : over.nextElementSibling);
    } else if (!over) {
      list.appendChild(dragged);
    }
  });

  root.addEventListener("drop", function (event) {
    if (!dragged) return;
    event.preventDefault();
  });

  root.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    var moved = dragged;
    dragged = null;
    save(moved);
  });
})();
