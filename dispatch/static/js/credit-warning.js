// Intake: show the D-class credit warning as soon as such a customer is chosen (the customer
// picker writes the chosen customer's credit class on the hidden customer_id field).
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("f-customer_id");
  const warning = document.querySelector("[data-credit-warning]");
  if (!field || !warning) return;
  const update = () => {
    const option = field.options ? field.options[field.selectedIndex] : null;
    const credit = option ? option.dataset.credit : field.dataset.credit;
    warning.hidden = !field.value || credit !== "D";
  };
  field.addEventListener("change", update);
  update();
});
