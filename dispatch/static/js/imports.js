// The import run page: follow the run's progress through the API until it is done, then
// reload the page for its counts and errors. No framework, no CDN.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) { return; }
  var status = bar.getAttribute("data-status");
  if (status !== "queued" && status !== "running") { return; }
  var url = bar.getAttribute("data-url") + "?errors_limit=0";
  var pattern = bar.getAttribute("data-pattern") || "{done} / {total}";
  var text = document.getElementById("import-progress-text");

  function show(run) {
    bar.max = Math.max(run.rows, 1);
    bar.value = run.processed;
    if (text) {
      text.textContent = pattern.replace("{done}", String(run.processed))
        .replace("{total}", String(run.rows));
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { window.setTimeout(poll, 5000); return; }
        show(run);
        if (run.status === "done" || run.status === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
}());
