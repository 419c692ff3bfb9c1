// The server's identifier checks (dispatch/validators.py) ported for the tablet: the same
// folding, plate pattern, IMEI (15 digits, Luhn), ICCID (19–20 digits, 89…, Luhn), terminal ID.
(function () {
  "use strict";
  function fold(raw) {
    return String(raw || "").normalize("NFKC").replace(/[\s.\-·•_]+/g, "").toUpperCase();
  }
  function luhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = +digits[digits.length - 1 - i];
      if (i % 2 === 1) { d *= 2; if (d > 9) { d -= 9; } }
      sum += d;
    }
    return sum % 10 === 0;
  }
  // Each check returns {value} or {error: key of the message in the page's text block}.
  function imei(raw) {
    var v = fold(raw);
    if (!/^\d{15}$/.test(v)) { return { error: "imei" }; }
    return luhn(v) ? { value: v } : { error: "imei_luhn" };
  }
  function iccid(raw) {
    var v = fold(raw);
    if (!/^\d{19,20}$/.test(v)) { return { error: "iccid" }; }
    if (v.slice(0, 2) !== "89") { return { error: "iccid_89" }; }
    return luhn(v) ? { value: v } : { error: "iccid_luhn" };
  }
  function terminal(raw) {
    var v = fold(raw);
    if (/^\d{15}$/.test(v)) { return imei(v); }
    return /^[A-Z0-9]{4,32}$/.test(v) ? { value: v } : { error: "terminal_id" };
  }
  function plate(raw, pattern) {
    var v = fold(raw);
    try {
      if (pattern && !new RegExp("^(?:" + pattern + ")$", "u").test(v)) { return { error: "plate_bad" }; }
    } catch (e) { /* a pattern JavaScript cannot read: the server checks */ }
    return v ? { value: v } : { error: "plate_bad" };
  }
  window.TabletChecks = { fold: fold, luhn: luhn, imei: imei, iccid: iccid, terminal: terminal,
                          plate: plate, device: function (kind, raw) {
                            return kind === "sim" ? iccid(raw) : terminal(raw); } };
})();
