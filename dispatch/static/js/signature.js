// Signature pad: draw with finger, stylus or mouse; the PNG goes into a hidden field on submit.
(function () {
  "use strict";
  function setup(canvas) {
    var target = document.getElementById(canvas.dataset.target);
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: (event.clientX - rect.left) * canvas.width / rect.width,
               y: (event.clientY - rect.top) * canvas.height / rect.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true; last = point(event); canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var next = point(event);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(next.x, next.y); ctx.stroke();
      last = next; drawn = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    var form = canvas.closest("form");
    var clear = form.querySelector("[data-clear-signature]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; target.value = "";
      });
    }
    form.addEventListener("submit", function () {
      target.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.signature-pad").forEach(setup);
  });
})();
