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
