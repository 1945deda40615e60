// Saved replies: "Insert" fills the reply box in place. Without JavaScript the same button posts
// the form to /use-saved, which re-shows the page with the text added.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-insert-saved]");
    if (!button) { return; }
    var form = button.form;
    var select = form.querySelector("select[name=saved_id]");
    var box = form.querySelector("textarea[name=body]");
    var option = select && select.options[select.selectedIndex];
    if (!option || !option.value || !box) { return; }  // let the server explain
    e.preventDefault();
    var text = option.dataset.body || "";
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
    box.focus();
  });
})();

// Keyboard shortcuts on a rep's complaint (listed on the page under "Keyboard shortcuts"); each
// is also a link or a button there.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.ctrlKey || e.metaKey || e.altKey || tag === "input" || tag === "select" || tag === "textarea") { return; }
    var target = null;
    if (e.key === "n") { target = document.querySelector("a[data-next]"); }
    else if (e.key === "t") { target = document.querySelector("button[data-take-next]"); }
    else if (e.key === "r") {
      var box = document.getElementById("reply-body");
      if (box) { e.preventDefault(); box.focus(); }
      return;
    }
    else if (e.key === "?") { var help = document.getElementById("shortcuts"); if (help) { help.open = !help.open; } return; }
    if (target) { e.preventDefault(); target.click(); }
  });
})();
