// Intake: show the D-class credit warning as soon as such a customer is chosen.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("f-customer_id");
  const warning = document.querySelector("[data-credit-warning]");
  if (!select || !warning) return;
  const update = () => {
    const option = select.options[select.selectedIndex];
    warning.hidden = !option || option.dataset.credit !== "D";
  };
  select.addEventListener("change", update);
  update();
});
