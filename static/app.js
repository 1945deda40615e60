// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Live "open for 12 days 4 hours" clocks.
  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var units = [[Math.floor(s / 86400), "day"], [Math.floor((s % 86400) / 3600), "hour"],
                 [Math.floor((s % 3600) / 60), "minute"]];
    var parts = units.filter(function (u) { return u[0] > 0; })
                     .map(function (u) { return u[0] + " " + u[1] + (u[0] === 1 ? "" : "s"); });
    return parts.slice(0, 2).join(" ") || "less than a minute";
  }
  function tick() {
    document.querySelectorAll("[data-live-since]").forEach(function (el) {
      el.textContent = duration(Date.now() - Date.parse(el.dataset.liveSince));
    });
  }
  tick();
  setInterval(tick, 30000);

  // "Are you sure?" on destructive buttons.
  document.addEventListener("click", function (e) {
    var msg = e.target.closest && e.target.closest("[data-confirm]");
    if (msg && !window.confirm(msg.dataset.confirm)) { e.preventDefault(); }
  });

  // The "scroll sideways" cue shows only while its table is wider than its box.
  function cues() {
    document.querySelectorAll("[data-scroll-cue]").forEach(function (cue) {
      var box = cue.nextElementSibling;
      if (box) { cue.hidden = box.scrollWidth <= box.clientWidth + 1; }
    });
  }
  cues();
  window.addEventListener("resize", cues);

  // After a failed submit, start at the list of errors (autofocus does this where supported).
  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) { summary.focus(); }

  // Company suggestions while typing, so one company does not become five.
  var input = document.getElementById("company_name");
  var list = document.getElementById("company-suggestions");
  if (!input || !list) { return; }
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2) { list.hidden = true; return; }
      fetch("/companies/suggest?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          list.replaceChildren();
          items.filter(function (c) { return c.name.toLowerCase() !== q.toLowerCase(); })
               .forEach(function (c) {
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.type = "button";
            b.className = "suggestion";
            b.textContent = "Did you mean " + c.name + (c.domain ? " (" + c.domain + ")" : "") + "?";
            b.addEventListener("click", function () {
              input.value = c.name;
              list.hidden = true;
              input.focus();
            });
            li.appendChild(b);
            list.appendChild(li);
          });
          list.hidden = list.children.length === 0;
        });
    }, 200);
  });
})();
