// The technician tablet: today's jobs, the job, on-site recording. Works from the copy of the
// day kept in IndexedDB; every change goes through TabletStore's queue (sent when possible).
(function () {
  "use strict";
  var T, root, day = null, queue = [], latest = [], position = null, docTimer = null;
  // Quantities typed into a part's correction box and not yet sent, by order part: a render
  // (a sent change, a refreshed day, a position fix) rebuilds the list and must not undo them.
  var typedQty = {};
  // Plates confirmed on this device, kept across reloads (per order).
  var PLATE_KEY = "tablet-plates-confirmed", plateOk = {};
  try { plateOk = JSON.parse(localStorage.getItem(PLATE_KEY) || "{}") || {}; } catch (e) { plateOk = {}; }
  function confirmPlate(id, ok) {
    if (ok) { plateOk[id] = true; } else { delete plateOk[id]; }
    try { localStorage.setItem(PLATE_KEY, JSON.stringify(plateOk)); } catch (e) { /* private mode: kept for this page */ }
  }
  var $ = function (id) { return document.getElementById(id); };
  function text(key, values) {
    var s = T[key] || key;
    Object.keys(values || {}).forEach(function (k) { s = s.replace("{" + k + "}", values[k]); });
    return s;
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function cents(s) { return Math.round(parseFloat(s || "0") * 100); }
  // Amounts are whole cents here. plain() is the form field's "120.00"; money() shows them as the
  // server's format_money does (the same CLDR currency format, in the page's language).
  function plain(c) { return (c / 100).toFixed(2); }
  function money(c) {
    return new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency: root.dataset.currency }).format(c / 100);
  }
  function time(iso) {
    // The configured zone's clock, 24-hour, whatever the tablet's own zone and habits.
    return iso ? new Intl.DateTimeFormat(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: root.dataset.zone }).format(new Date(iso)) : "";
  }
  function km(a, b) {
    var r = Math.PI / 180, dLat = (b.lat - a.lat) * r, dLon = (b.lon - a.lon) * r;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.pow(Math.sin(dLon / 2), 2);
    return 12742 * Math.asin(Math.sqrt(h));
  }
  function csrf() { return document.querySelector("meta[name=csrf-token]").content; }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); });
  }

  // ---- the job as the technician sees it: the server's copy plus what is still queued ----
  function pendingFor(id) { return queue.filter(function (i) { return i.order_id === id; }); }
  function effective(job) {
    var view = Object.assign({}, job, { swaps: job.swaps.slice(), parts: job.parts.slice(), photos: 0 });
    pendingFor(job.id).filter(function (i) { return i.state !== "failed"; }).forEach(function (item) {
      if (item.kind === "status") { view.status = item.body.status; }
      if (item.kind === "swap") { view.swaps.push(Object.assign({ pending: true }, item.body)); }
      if (item.kind === "part") { view.parts.push(Object.assign({ pending: true }, item.body)); }
      if (item.kind === "photo") { view.photos += 1; }
      var target = +item.path.split("/").pop();
      if (item.kind === "part_fix") {
        view.parts = view.parts.map(function (p) { return p.id === target ? Object.assign({}, p, { qty: item.body.qty, pending: true }) : p; });
      }
      if (item.kind === "part_remove") { view.parts = view.parts.filter(function (p) { return p.id !== target; }); }
      if (item.kind === "swap_remove") {
        view.swaps = view.swaps.filter(function (s) { return s.id !== target; });
        view.parts = view.parts.filter(function (p) { return p.swap_id !== target; });
      }
      if (item.kind === "complete") { view.status = "completed"; view.payment = item.body; }
    });
    return view;
  }
  function priceOf(sku) {
    var part = (day.van || []).filter(function (p) { return p.sku === sku; })[0];
    return part ? cents(part.price) : 0;
  }
  function skuOfDevice(id) {
    var d = (day.devices || []).filter(function (x) { return x.id === id; })[0];
    return d ? d.sku : null;
  }
  // The server's fee rule (R1) applied to what is queued: free, or the parts at list price.
  function estimateFee(job, view) {
    if (job.fee.override !== null) { return cents(job.fee.override); }
    if (!job.fee.charged) { return 0; }
    var total = cents(job.fee.fee);
    view.swaps.forEach(function (s) { if (s.pending && s.new) { total += priceOf(skuOfDevice(s.new)); } });
    view.parts.forEach(function (p) { if (p.pending) { total += priceOf(p.sku) * p.qty; } });
    return total;
  }

  // ---- rendering ----
  function renderStatus() {
    var failed = queue.filter(function (i) { return i.state === "failed"; }).length;
    var waiting = queue.length - failed, bar = $("sync-status");
    var parts = [];
    if (failed) { parts.push(text("refused", { n: failed })); }
    if (waiting) { parts.push(text("waiting", { n: waiting })); }
    if (!TabletStore.online || !navigator.onLine) { parts.push(T.offline); }
    if (TabletStore.lastProblem) { parts.push(T[TabletStore.lastProblem]); }
    bar.textContent = parts.length ? parts.join(" · ") : T.all_saved;
    bar.className = "sync " + (failed ? "bad" : waiting ? "warn" : "ok");
    bar.dataset.waiting = waiting; bar.dataset.failed = failed;
  }
  function renderList() {
    var list = $("jobs"); list.textContent = "";
    if (!day) { return; }
    $("loaded-at").textContent = text("loaded", { t: time(day.generated_at) });
    renderQueue($("refused-list"), queue.filter(function (i) { return i.state === "failed"; }));
    if (!day.jobs.length) { list.appendChild(el("li", { text: T.no_jobs })); }
    day.jobs.forEach(function (job, index) {
      var view = effective(job), facts = [text(job.kind), text(view.status)];
      // The window as the server writes it: the configured zone, 24-hour.
      facts.push(job.window ? T.window_label + " " + job.window : T.no_window);
      if (job.credit_class === "D") { facts.push(T.credit_d); }
      var from = position || day.position;
      if (from && job.site_lat !== null) { facts.push(text("km", { d: km(from, { lat: job.site_lat, lon: job.site_lon }).toFixed(1) })); }
      var waiting = pendingFor(job.id).length;
      if (waiting) { facts.push(text("waiting", { n: waiting })); }
      var urgent = job.priority === "urgent";
      list.appendChild(el("li", { class: "job status-" + view.status + (urgent ? " urgent" : "") }, [
        el("a", { href: "#job-" + job.id, class: "job-link", "data-order": job.id }, [
          el("span", { class: "job-no", text: (index + 1) + ". " + job.number + " · " + job.plate },
             urgent ? [el("span", { class: "badge warn urgent-badge", text: T.urgent })] : []),
          el("span", { class: "job-customer", text: job.customer_name + " — " + job.site_address }),
          job.fault_description ? el("span", { class: "job-fault", text: job.fault_description }) : null,
          el("span", { class: "job-facts", text: facts.join(" · ") })])]));
    });
  }
  function renderJob(job) {
    var view = effective(job);
    $("job-title").textContent = job.number + " · " + text(view.status);
    $("job-customer").textContent = job.customer_name;
    $("job-plate").textContent = job.plate;
    $("job-fault").textContent = job.fault_description;
    $("job-credit").hidden = job.credit_class !== "D";
    $("job-window").textContent = job.window_start ? text("window", { a: time(job.window_start), b: time(job.window_end) }) : "";
    $("job-address").textContent = job.site_address;
    var call = $("job-call");
    call.textContent = T.call + " " + job.contact_name + " " + job.contact_phone;
    call.href = "tel:" + job.contact_phone.replace(/[^+\d]/g, "");
    var hasPoint = job.site_lat !== null;
    $("job-geo").hidden = $("job-map").hidden = !hasPoint;
    if (hasPoint) {
      // The map app chosen in the settings, with the point converted by the server.
      $("job-geo").href = job.navigate_url || ("geo:" + job.site_lat + "," + job.site_lon);
      if (/^https?:/.test($("job-geo").href)) { $("job-geo").target = "_blank"; $("job-geo").rel = "noopener"; }
      $("job-map").href = "https://www.openstreetmap.org/?mlat=" + job.site_lat + "&mlon=" + job.site_lon + "#map=17/" + job.site_lat + "/" + job.site_lon;
    }
    var pick = $("pick-list"); pick.textContent = "";
    job.pick_list.forEach(function (line) {
      pick.appendChild(el("li", { text: line.sku + " × " + line.qty + " — " + (line.location || "—") }));
    });
    root.querySelectorAll("[data-status]").forEach(function (b) {
      var next = b.dataset.status;
      b.disabled = !((next === "en_route" && view.status === "assigned") ||
                     (next === "on_site" && (view.status === "assigned" || view.status === "en_route")));
      b.classList.toggle("primary", !b.disabled);
    });
    var mine = pendingFor(job.id), refused = mine.some(function (i) { return i.state === "failed"; });
    $("job-state").textContent = refused ? text("refused", { n: 1 }) : mine.length ? T.queued : T.all_saved;
    $("job-state").className = "state" + (refused ? " field-error" : "");
    renderQueue($("job-queue"), pendingFor(job.id));
    $("onsite").hidden = view.status !== "on_site";
    $("done").hidden = view.status !== "completed";
    if (view.status === "on_site") { renderOnSite(job, view); }
    if (view.status === "completed") { renderDone(job, view); }
  }
  function renderQueue(list, items) {
    list.textContent = "";
    var held = false;
    items.forEach(function (item) {
      var state = item.state === "failed" ? T.failed : held ? T.held : T.pending;
      var known = day.jobs.filter(function (j) { return j.id === item.order_id; })[0];
      var what = T[item.kind] + " (" + (known ? known.number : "#" + item.order_id) + "): " + state + (item.error ? " — " + item.error : "");
      var li = el("li", { class: "queue-" + item.state }, [el("span", { text: what })]);
      if (item.state === "failed") {
        held = true;
        var discard = el("button", { type: "button", class: "button", text: T.discard });
        discard.addEventListener("click", function () { TabletStore.discard(item.seq); });
        li.appendChild(discard);
      }
      list.appendChild(li);
    });
  }
  function renderOnSite(job, view) {
    var devices = $("van-devices"); devices.textContent = "";
    var kind = $("swap-kind").value;
    (day.devices || []).forEach(function (d) { if (d.kind === kind) { devices.appendChild(el("option", { value: d.id })); } });
    // The device on record in the vehicle, else the one reported at intake (fitted before the registry).
    var old = job.old_devices || {};
    if (!$("swap-old").value) { $("swap-old").value = (kind === "sim" ? old.sim : old.terminal) || ""; }
    $("swap-list").textContent = "";
    view.swaps.forEach(function (s) {
      var li = el("li", { text: s.kind + ": " + (s.old || "—") + " → " + (s.new || "—") + " (" + (s.pending ? T.pending : T.saved) + ") " });
      if (s.id && !s.applied && !s.pending) {
        li.appendChild(undo(T.remove, "swap-remove-" + s.id, function () {
          TabletStore.enqueue("swap_remove", job.id, "/api/v1/workorders/" + job.id + "/swaps/" + s.id, {}, "DELETE");
        }));
      }
      $("swap-list").appendChild(li);
    });
    // What is left in the van: the server's count less the uses still waiting to be sent.
    var select = $("part-sku"), chosen = select.value;
    select.textContent = "";
    (day.van || []).forEach(function (p) {
      if (p.serialized) { return; }
      var left = p.available - queuedUse(p.sku);
      select.appendChild(el("option", { value: p.sku, "data-available": left, text: p.sku + " " + p.name + " (" + left + ")" }));
    });
    if (chosen) { select.value = chosen; }
    $("part-list").textContent = "";
    view.parts.forEach(function (p) {
      var li = el("li", { text: p.sku + " × " + p.qty + " (" + (p.pending ? T.pending : T.saved) + ") " });
      if (p.id && !p.swap_id && !p.pending) { correction(li, job, p); }
      $("part-list").appendChild(li);
    });
    var method = $("payment-method").querySelector("option[value=on_account]");
    method.disabled = !job.on_account_allowed;
    var photos = $("photo-list");
    photos.textContent = "";
    (job.photos || []).forEach(function (photo) { photos.appendChild(thumbnail(photo.url, photo.stage, T.saved)); });
    pendingFor(job.id).forEach(function (item) {
      if (item.kind === "photo") { photos.appendChild(thumbnail(item.body.image_base64, item.body.stage, T.pending)); }
    });
    var confirmed = plateOk[job.id];
    $("plate-result").textContent = confirmed ? T.plate_ok : "";
    $("plate-result").className = confirmed ? "field-ok" : "field-error";
    showFee(job, view);
    if (window.TabletActivation) { TabletActivation.render(job, view); }
  }
  // A part or swap recorded by mistake: corrected or removed before completion (queued like the rest).
  function undo(label, id, act) {
    var button = el("button", { type: "button", class: "button", id: id, text: label });
    button.addEventListener("click", act);
    return button;
  }
  function correction(li, job, p) {
    var url = "/api/v1/workorders/" + job.id + "/parts/" + p.id;
    if (!p.serial) {
      var typed = typedQty[p.id] !== undefined ? typedQty[p.id] : String(p.qty);
      var qty = el("input", { type: "number", min: "1", max: "1000", value: typed, inputmode: "numeric",
                              class: "qty", id: "part-qty-" + p.id, "aria-label": T.quantity });
      qty.addEventListener("input", function () { typedQty[p.id] = qty.value; });
      li.appendChild(qty);
      li.appendChild(undo(T.correct, "part-fix-" + p.id, function () {
        var n = parseInt(qty.value, 10);
        delete typedQty[p.id];
        if (n >= 1 && n <= 1000 && n !== p.qty) { TabletStore.enqueue("part_fix", job.id, url, { qty: n }, "PATCH"); }
      }));
    }
    li.appendChild(undo(T.remove, "part-remove-" + p.id, function () {
      TabletStore.enqueue("part_remove", job.id, url, {}, "DELETE");
    }));
  }
  function thumbnail(src, stage, state) {
    return el("li", { class: "thumb", "data-stage": stage }, [
      el("img", { src: src, alt: T[stage] || stage, class: "photo-thumb" }),
      el("small", { text: (T[stage] || stage) + " (" + state + ")" })]);
  }
  function queuedUse(sku) {
    return queue.filter(function (i) { return i.kind === "part" && i.state !== "failed" && i.body.sku === sku; })
      .reduce(function (sum, i) { return sum + i.body.qty; }, 0);
  }
  function showFee(job, view) {
    var estimate = estimateFee(job, view), onServer = !pendingFor(job.id).length && TabletStore.online;
    var unknown = job.fee.basis === "warranty_unknown" && job.fee.override === null;
    $("purchase-field").hidden = !unknown;  // R1, R2: ask for the purchase date
    setFee(estimate, unknown ? T.warranty_unknown : onServer ? T.server_fee : T.estimate);
    if (unknown) { return; }
    if (onServer) {
      getJSON("/api/v1/workorders/" + job.id + "/fee").then(function (fee) { setFee(cents(fee.fee), T.server_fee); }, function () {});
    }
  }
  function setFee(c, basis) {
    $("fee-amount").textContent = money(c);
    $("fee-basis").textContent = "(" + basis + ")";
    $("fee-amount").dataset.cents = c;
    var method = $("payment-method");
    if (c === 0) { method.value = "none"; }
    $("amount").value = method.value === "none" || method.value === "on_account" ? "0.00" : plain(c);
  }
  function renderDone(job, view) {
    var paid = view.payment || { payment_method: job.payment_method, amount_collected: job.amount_collected };
    $("done-money").textContent = text(paid.payment_method || "none") + " " + money(cents(paid.amount_collected));
    if (pendingFor(job.id).length || job.status !== "completed") { $("documents").textContent = T.doc_wait; return; }
    pollDocuments(job);
  }
  function pollDocuments(job) {
    clearTimeout(docTimer);
    getJSON("/api/v1/workorders/" + job.id + "/documents").then(function (data) {
      var list = $("documents"), waiting = !data.items.length;
      list.textContent = "";
      data.items.forEach(function (doc) {
        if (doc.url) {
          list.appendChild(el("li", {}, [el("a", { class: "button", href: doc.url, target: "_blank", "data-doc": doc.kind, text: T[doc.kind] || doc.kind })]));
        } else {
          waiting = true;
          list.appendChild(el("li", { text: (T[doc.kind] || doc.kind) + ": " + T.doc_wait }));
        }
      });
      if (waiting && currentJob() && currentJob().id === job.id) { docTimer = setTimeout(function () { pollDocuments(job); }, 3000); }
    }, function () { docTimer = setTimeout(function () { pollDocuments(job); }, 5000); });
  }
  function currentJob() {
    var m = /^#job-(\d+)$/.exec(location.hash);
    return m && day ? day.jobs.filter(function (j) { return j.id === +m[1]; })[0] || null : null;
  }
  function render() {
    renderStatus();
    var job = currentJob();
    $("job-list-view").hidden = !!job;
    $("job-view").hidden = !job;
    if (window.TabletActivation && (!job || effective(job).status !== "on_site")) { TabletActivation.stop(); }
    if (job) { renderJob(job); } else { renderList(); }
  }

  // ---- loading ----
  // The queue shown is replaced by the store's newest one only together with a day read after
  // it, so a render while the day is being fetched never shows a sent change as undone.
  function refresh() {
    return getJSON(root.dataset.todayUrl).then(function (data) {
      day = data; TabletStore.online = true; return TabletStore.saveDay(data);
    }, function () {
      return TabletStore.loadDay().then(function (saved) { day = day || saved; });
    }).then(function () { queue = latest; }).then(render);
  }
  window.TabletApp = { text: text, render: render, plateOk: plateOk, confirmPlate: confirmPlate, km: km,
    get day() { return day; }, setPosition: function (p) { position = p; } };

  document.addEventListener("DOMContentLoaded", function () {
    root = $("tablet");
    if (!root) { return; }
    T = JSON.parse($("tablet-text").textContent);
    TabletStore.csrfUrl = root.dataset.csrfUrl;
    TabletStore.subscribe(function (items) {
      var sentPart = latest.some(function (old) {
        return old.kind === "part" && !items.some(function (i) { return i.seq === old.seq; });
      });
      var emptied = (latest.length && !items.length) || sentPart;
      latest = items;
      if (emptied) { refresh(); } else { queue = items; render(); }
    });
    window.addEventListener("hashchange", render);
    window.addEventListener("online", function () { TabletStore.online = true; TabletStore.sync(); });
    window.addEventListener("offline", function () { TabletStore.online = false; renderStatus(); });
    setInterval(function () { if (queue.some(function (i) { return i.state !== "failed"; })) { TabletStore.sync(); } }, 5000);
    $("refresh").addEventListener("click", refresh);
    $("back").addEventListener("click", function (e) { e.preventDefault(); location.hash = ""; });
    if ("serviceWorker" in navigator) { navigator.serviceWorker.register(root.dataset.swUrl, { scope: "/tablet/" }).catch(function () {}); }
    TabletStore.changed().then(refresh).then(function () { TabletStore.sync(); });
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (p) {
        position = { lat: p.coords.latitude, lon: p.coords.longitude }; render();
      }, function () {}, { timeout: 10000, maximumAge: 300000 });
    }
    window.TabletForms.setup(root, T);
  });
})();
