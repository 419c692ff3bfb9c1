/* The agent's pickers: a customer type-ahead (name, phone, district and plates tell same names
   apart) writing the chosen id into the form, and, where the form has one, a vehicle picker
   for the chosen customer that fills the plate, model, terminal ID, IMEI and ICCID. */
(function () {
  "use strict";
  var DELAY_MS = 200;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; });
  }

  function customerPicker(box) {
    var input = box.querySelector("input[type=search]");
    var hidden = document.getElementById(box.dataset.target);
    var list = box.querySelector("[role=listbox]");
    var chosen = box.querySelector(".picked");
    var timer = null, items = [], active = -1;

    function choose(customer) {
      hidden.value = customer ? customer.id : "";
      chosen.textContent = customer ? customer.name + " · " + customer.phone + (customer.district ? " · " + customer.district : "") : "";
      input.value = "";
      list.replaceChildren();
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      hidden.dataset.credit = customer ? customer.credit_class || "" : "";
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(found) {
      items = found;
      active = -1;
      list.replaceChildren();
      found.forEach(function (customer, index) {
        var option = el("li", { role: "option", id: box.id + "-option-" + index, "data-id": customer.id });
        option.appendChild(el("strong", {}, customer.name));
        var details = [customer.phone, customer.district].concat(customer.plates).filter(Boolean).join(" · ");
        option.appendChild(el("small", {}, details));
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(customer); });
        list.appendChild(option);
      });
      if (!found.length) { list.appendChild(el("li", { "class": "muted" }, box.dataset.none)); }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { list.hidden = true; return; }
      timer = setTimeout(function () {
        getJSON(box.dataset.url + "?q=" + encodeURIComponent(q)).then(show);
      }, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active]); }
      if (event.key === "Escape") { list.hidden = true; }
    });
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 150); });
    var clear = box.querySelector("[data-clear]");
    if (clear) { clear.addEventListener("click", function () { choose(null); }); }
  }

  function vehiclePicker(select) {
    var hidden = document.getElementById(select.dataset.customer);
    var fields = { plate: "f-plate", product_model: "f-product_model", terminal_id: "f-terminal_id",
                   imei: "f-imei", iccid: "f-iccid" };
    var vehicles = [];

    function load() {
      select.replaceChildren(el("option", { value: "" }, select.dataset.placeholder));
      select.closest(".field").hidden = !hidden.value;
      if (!hidden.value) { return; }
      getJSON(select.dataset.url.replace("0", hidden.value)).then(function (found) {
        vehicles = found;
        found.forEach(function (vehicle) {
          var text = [vehicle.plate, vehicle.product_model, vehicle.terminal_id].filter(Boolean).join(" · ");
          select.appendChild(el("option", { value: vehicle.id }, text));
        });
      });
    }

    select.addEventListener("change", function () {
      var vehicle = vehicles.filter(function (v) { return String(v.id) === select.value; })[0];
      if (!vehicle) { return; }
      Object.keys(fields).forEach(function (key) {
        var input = document.getElementById(fields[key]);
        if (input) { input.value = vehicle[key] || ""; }
      });
    });
    hidden.addEventListener("change", load);
    load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-customer-picker]").forEach(customerPicker);
    document.querySelectorAll("select[data-vehicle-picker]").forEach(vehiclePicker);
  });
})();
