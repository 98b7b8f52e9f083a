// The main menu: one group open at a time, closed by Escape or a click elsewhere; on a narrow
// screen the whole menu folds behind the "Menu" button. Without this script the menu is open.
(function () {
  "use strict";
  var nav = document.getElementById("main-menu");
  var toggle = document.querySelector(".menu-toggle");
  if (!nav) { return; }
  var groups = nav.querySelectorAll(".menu-group details");
  function closeGroups(except) {
    groups.forEach(function (d) { if (d !== except) { d.open = false; } });
  }
  groups.forEach(function (d) {
    d.addEventListener("toggle", function () { if (d.open) { closeGroups(d); } });
  });
  document.addEventListener("click", function (event) {
    if (!nav.contains(event.target)) { closeGroups(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeGroups(null); }
  });
  if (!toggle) { return; }
  var narrow = window.matchMedia("(max-width: 48rem)");
  function fold(folded) {
    toggle.setAttribute("aria-expanded", folded ? "false" : "true");
    nav.classList.toggle("folded", folded);
  }
  function apply() {
    toggle.hidden = !narrow.matches;
    fold(narrow.matches);
  }
  toggle.addEventListener("click", function () {
    fold(toggle.getAttribute("aria-expanded") === "true");
  });
  narrow.addEventListener("change", apply);
  apply();
}());
