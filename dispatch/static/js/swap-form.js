// Order page: the "old" side of a swap follows the device kind chosen (the terminal or SIM on
// record in the vehicle, else the one reported at intake), unless the user typed something else.
document.addEventListener("DOMContentLoaded", () => {
  const kind = document.getElementById("f-kind");
  const old = document.getElementById("f-old");
  if (!kind || !old) return;
  const suggested = (value) => (value === "sim" ? old.dataset.oldSim : old.dataset.oldTerminal) || "";
  let previous = kind.value;
  kind.addEventListener("change", () => {
    if (!old.value || old.value === suggested(previous)) old.value = suggested(kind.value);
    previous = kind.value;
  });
});
