// The activation panel of the tablet (SPEC §10): once the new terminal is recorded, poll the
// activation check until the platform has a fresh fix near the site. A failed poll (flaky
// network) keeps the last answer on screen and tries again a little later.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var POLL_MS = 4000, RETRY_MS = [2000, 4000, 8000, 15000];
  var timer = null, watching = null, failures = 0, last = null, T = {};

  function text(key, values) { return window.TabletApp.text(key, values); }
  function texts() {
    if (!T.act_waiting) { T = JSON.parse($("tablet-text").textContent); }
  }
  function ago(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 90) { return text("act_seconds", { n: seconds }); }
    if (seconds < 5400) { return text("act_minutes", { n: Math.round(seconds / 60) }); }
    return text("act_hours", { n: Math.round(seconds / 3600) });
  }
  function fixText(a) {
    var age = (Date.parse(a.checked_at) - Date.parse(a.last_fix_at)) / 1000;
    var where = a.distance_m === null ? "" : text("act_distance", { m: a.distance_m });
    return text("act_fix", { ago: ago(age) }) + where;
  }
  function describe(a) {
    if (a.status === "reporting") { return text("act_reporting", { fix: fixText(a) }); }
    if (a.status === "silent" && a.last_fix_at) { return text("act_stale", { fix: fixText(a) }); }
    if (a.status === "silent") { return T.act_waiting; }
    if (a.status === "unknown_device") { return T.act_unknown; }
    if (a.platform === "rejected") { return T.act_rejected; }
    return T.act_unreachable;
  }
  function show(a, offline) {
    var panel = $("activation");
    panel.dataset.status = a ? a.status : "waiting";
    $("activation-text").textContent = a ? describe(a) : T.act_waiting;
    $("activation-note").textContent = offline ? T.act_offline : "";
    var reporting = a && a.status === "reporting";
    panel.classList.toggle("reporting", !!reporting);
    $("activation-override-field").hidden = !!reporting;
  }
  function poll(jobId) {
    if (watching !== jobId) { return; }
    fetch("/api/v1/workorders/" + jobId + "/activation", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (a) {
        if (watching !== jobId) { return; }
        failures = 0; last = a;
        if (a.status === "not_configured") {
          stop(); $("activation").hidden = true; $("activation-override-field").hidden = true; return;
        }
        show(a, false);
        if (a.status !== "reporting") { timer = setTimeout(function () { poll(jobId); }, POLL_MS); }
      }, function () {
        if (watching !== jobId) { return; }
        show(last, true);
        timer = setTimeout(function () { poll(jobId); }, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
      });
  }
  function stop() { clearTimeout(timer); timer = null; watching = null; }
  // Called on every render of an on-site job: the panel shows once a new terminal is saved.
  function render(job, view) {
    var saved = view.swaps.some(function (s) { return s.kind === "terminal" && s.new && !s.pending; });
    var panel = $("activation");
    texts();
    if (!saved || view.status !== "on_site") {
      panel.hidden = true; $("activation-override-field").hidden = true; stop(); return;
    }
    panel.hidden = false;
    if (watching === job.id) { return; }
    stop(); watching = job.id; failures = 0; last = null;
    show(null, false);
    poll(job.id);
  }
  function overrideReason() {
    var field = $("activation-override");
    return !$("activation").hidden && !$("activation-override-field").hidden && field.value.trim() ? field.value.trim() : null;
  }
  window.TabletActivation = { render: render, stop: stop, overrideReason: overrideReason };
})();
