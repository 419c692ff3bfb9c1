/* The header: the menu button opens the navigation on narrow screens; one group menu open at a time. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("menu-button");
    var bar = document.getElementById("topbar");
    if (button && bar) {
      button.addEventListener("click", function () {
        var open = !bar.classList.contains("open");
        bar.classList.toggle("open", open);
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    var groups = Array.prototype.slice.call(document.querySelectorAll("details.nav-group"));
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (!group.open) { return; }
        groups.forEach(function (other) { if (other !== group) { other.open = false; } });
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) {
        if (group.open && !group.contains(event.target)) { group.open = false; }
      });
    });
  });
})();
