// The tablet's on-site forms: status taps (with the position when allowed), plate check,
// swaps (typed or scanned), parts, photos (compressed to JPEG), completion with signature.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var MAX_PHOTO_BYTES = 20 * 1024 * 1024, MAX_SIDE = 1600;

  function job() {
    var m = /^#job-(\d+)$/.exec(location.hash);
    return m ? TabletApp.day.jobs.filter(function (j) { return j.id === +m[1]; })[0] : null;
  }
  function path(j, tail) { return "/api/v1/workorders/" + j.id + "/" + tail; }
  function show(id, message) { $(id).textContent = message || ""; }
  function here() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ lat: p.coords.latitude, lon: p.coords.longitude });
      }, function () { resolve(null); }, { timeout: 5000, maximumAge: 60000 });
    });
  }
  function compress(file) {
    return new Promise(function (resolve, reject) {
      var image = new Image(), url = URL.createObjectURL(file);
      image.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(image.naturalWidth * scale);
        canvas.height = Math.round(image.naturalHeight * scale);
        var ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      };
      image.onerror = function () { URL.revokeObjectURL(url); reject(); };
      image.src = url;
    });
  }
  function scan(input, T) {
    var video = $("scanner"), detector = new window.BarcodeDetector();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var tries = 0;
      (function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length || ++tries > 60) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true;
            if (codes.length) { input.value = TabletChecks.fold(codes[0].rawValue); } else { show("swap-error", T.scan_none); }
          } else { setTimeout(look, 250); }
        }, function () { video.hidden = true; });
      })();
    }, function () { show("swap-error", T.scan_none); });
  }

  function setup(root, T) {
    root.querySelectorAll("[data-status]").forEach(function (button) {
      button.addEventListener("click", function () {
        var j = job(), status = button.dataset.status;
        button.disabled = true;
        here().then(function (p) {
          if (p) { TabletApp.setPosition(p); }
          var body = Object.assign({ status: status }, p || {});
          if (status === "on_site" && p && j.site_lat !== null) {
            var away = TabletApp.km(p, { lat: j.site_lat, lon: j.site_lon }), limit = TabletApp.day.onsite_max_km;
            if (limit && away > limit) {
              if (!window.confirm(TabletApp.text("far", { d: away.toFixed(1), max: limit }))) {
                button.disabled = false;
                return;
              }
              body.far_confirmed = true;
            }
          }
          TabletStore.enqueue("status", j.id, path(j, "status"), body);
        });
      });
    });
    $("plate-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var j = job(), typed = TabletChecks.plate($("plate-confirm").value, TabletApp.day.plate_pattern);
      var ok = typed.value === TabletChecks.fold(j.plate);
      TabletApp.confirmPlate(j.id, ok);
      show("plate-result", ok ? T.plate_ok : TabletApp.text("plate_bad", { p: j.plate }));
      $("plate-result").className = ok ? "field-ok" : "field-error";
    });
    $("swap-kind").addEventListener("change", function () { $("swap-old").value = ""; TabletApp.render(); });
    $("swap-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var j = job(), kind = $("swap-kind").value, body = { kind: kind };
      var problems = [];
      ["old", "new"].forEach(function (side) {
        var raw = $("swap-" + side).value.trim();
        if (!raw) { return; }
        var checked = TabletChecks.device(kind, raw);
        if (checked.error) { problems.push(T[checked.error]); } else { body[side] = checked.value; }
      });
      if (!body.old && !body.new && !problems.length) { problems.push(T.give_device); }
      show("swap-error", problems.join(" "));
      if (problems.length) { return; }
      $("swap-old").value = ""; $("swap-new").value = "";
      TabletStore.enqueue("swap", j.id, path(j, "swaps"), body);
    });
    if ("BarcodeDetector" in window && navigator.mediaDevices) {
      root.querySelectorAll("[data-scan]").forEach(function (b) {
        b.hidden = false;
        b.addEventListener("click", function () { scan($(b.dataset.scan), T); });
      });
    }
    $("part-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var j = job(), qty = parseInt($("part-qty").value, 10);
      if (!$("part-sku").value || !(qty >= 1 && qty <= 1000)) { return; }
      TabletStore.enqueue("part", j.id, path(j, "parts"), { sku: $("part-sku").value, qty: qty });
      $("part-qty").value = "1";
    });
    $("photo-form").addEventListener("submit", function (e) { e.preventDefault(); });
    $("photo-input").addEventListener("change", function () {
      var j = job(), file = this.files[0], input = this;
      show("photo-error", "");
      if (!file) { return; }
      if (["image/jpeg", "image/png"].indexOf(file.type) < 0) { show("photo-error", T.photo_type); return; }
      if (file.size > MAX_PHOTO_BYTES) { show("photo-error", T.photo_big); return; }
      compress(file).then(function (dataUrl) {
        input.value = "";
        TabletStore.enqueue("photo", j.id, path(j, "photos"), { stage: $("photo-stage").value, image_base64: dataUrl });
      }, function () { show("photo-error", T.photo_type); });
    });
    $("payment-method").addEventListener("change", function () {
      $("amount").value = this.value === "none" || this.value === "on_account" ? "0.00" : (+$("fee-amount").dataset.cents / 100).toFixed(2);
    });
    $("complete-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var j = job(), problems = [];
      if (!TabletApp.plateOk[j.id]) { problems.push(T.need_plate); }
      if (!$("resolution").value.trim()) { problems.push(T.need_resolution); }
      if (!$("signature").value) { problems.push(T.need_signature); }
      var asked = !$("purchase-field").hidden, purchased = $("purchase-date").value;
      if (asked && !purchased && j.kind === "repair") { problems.push(T.need_purchase); }
      show("complete-error", problems.join(" "));
      if (problems.length) { return; }
      var body = {
        resolution: $("resolution").value.trim(), payment_method: $("payment-method").value,
        amount_collected: $("amount").value.trim(), signature_png_base64: $("signature").value };
      var override = window.TabletActivation ? TabletActivation.overrideReason() : null;
      if (override) { body.activation_override_reason = override; }
      if (asked && purchased) { body.purchase_date = purchased; }
      TabletStore.enqueue("complete", j.id, path(j, "complete"), body);
      window.scrollTo(0, 0);
    });
  }
  window.TabletForms = { setup: setup };
})();
