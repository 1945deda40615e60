// Keyboard shortcuts on the reps' queue (listed on the page under "Keyboard shortcuts").
// Everything they do is also a link, a checkbox or a button: the page works without them.
(function () {
  "use strict";
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.queue-row")); }
  function focusRow(i) {
    var all = rows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (row, n) { row.classList.toggle("current", n === current); });
    all[current].querySelector("a[data-open]").focus();
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.ctrlKey || e.metaKey || e.altKey || tag === "input" || tag === "select" || tag === "textarea") { return; }
    var all = rows();
    if (e.key === "/") { e.preventDefault(); document.getElementById("q").focus(); }
    else if (e.key === "j") { focusRow(current + 1); }
    else if (e.key === "k") { focusRow(current - 1); }
    else if (e.key === "x" && all[current]) { var box = all[current].querySelector("input[type=checkbox]"); if (box) { box.checked = !box.checked; } }
    else if (e.key === "o" && all[current]) { all[current].querySelector("a[data-open]").click(); }
    else if (e.key === "t") { var take = document.querySelector("button[data-key=t]"); if (take) { take.click(); } }
    else if (e.key === "?") { var help = document.getElementById("shortcuts"); help.open = !help.open; }
  });
})();
