// The board's day-plan panel: plan the day in the background (its progress shown while it
// runs), draw each technician's route, accept it.
// Uses the board's helpers (board.js, window.DispatchBoard).
(function () {
  "use strict";
  var B = window.DispatchBoard;
  var T = B.T, el = B.el, text = B.text, api = B.api, label = B.label, asText = B.asText,
      status = B.status, refresh = B.refresh;
  var map = null, proposalLayer = null, legend = null;

  // One colour per technician's proposed route (cycled when there are more technicians).
  var COLOURS = ["#d1495b", "#00798c", "#edae49", "#66a182", "#6a4c93", "#2e4057", "#f26419",
                 "#8d96a3", "#9c6644", "#1982c4"];

  function drawProposal(data) {
    map = B.map();
    if (!map) { return; }
    if (!proposalLayer) { proposalLayer = L.layerGroup().addTo(map); }
    proposalLayer.clearLayers();
    if (legend) { legend.remove(); legend = null; }
    if (!data.routes.length) { return; }
    var items = [el("strong", { text: T.legend })];
    data.routes.forEach(function (route, index) {
      var colour = COLOURS[index % COLOURS.length];
      var path = (route.start ? [[route.start.lat, route.start.lon]] : []).concat(
        route.stops.filter(function (s) { return s.lat !== null; }).map(function (s) { return [s.lat, s.lon]; }));
      if (path.length > 1) {
        L.polyline(path, { color: colour, weight: 4, opacity: 0.85, className: "proposal-route" }).addTo(proposalLayer);
      }
      route.stops.forEach(function (s, i) {
        if (s.lat === null) { return; }
        L.circleMarker([s.lat, s.lon], { radius: 9, color: colour, fillOpacity: 0.9 })
          .bindTooltip(asText((i + 1) + ". " + s.number + " · " + route.technician_name + " · " + s.arrival))
          .addTo(proposalLayer);
      });
      var swatch = el("span", { "class": "swatch" });
      swatch.style.backgroundColor = colour;  // CSSOM, allowed by the page's style policy
      items.push(el("div", { "class": "legend-row", "data-technician": route.technician_id }, [
        swatch,
        el("span", { text: route.technician_name + " · " + route.stops.length + " · " +
                          text("route_km", { km: route.km.toFixed(1) }) })]));
    });
    legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () { return el("div", { "class": "map-legend", id: "route-legend" }, items); };
    legend.addTo(map);
  }

  function orderCell(pair) {
    return el("td", {}, [el("strong", { text: pair.number }), el("br"),
                         el("small", { text: pair.plate + " · " + pair.customer_name }), el("br"),
                         el("small", { text: label(pair.kind) + " · " + (pair.window || T.no_window) })]);
  }

  var POLL_MS = 1000;
  var P = JSON.parse(document.getElementById("day-plan-text").textContent);
  var running = null;  // the plan being followed: a newer request stops following the older one

  function ptext(key, values) {
    var s = P[key] || key;
    Object.keys(values || {}).forEach(function (k) { s = s.replace("{" + k + "}", values[k]); });
    return s;
  }

  // The plan runs on the server (a background job); the panel follows it until it is done.
  function propose(event) {
    event.preventDefault();
    var day = document.getElementById("plan-date").value;
    var budget = Number(document.getElementById("plan-budget").value);
    var box = document.getElementById("proposal");
    var submit = document.querySelector("#autoassign button[type=submit]");
    document.getElementById("proposal-result").replaceChildren();
    box.replaceChildren();
    var body = { date: day };
    if (budget) { body.budget_seconds = budget; }
    submit.disabled = true;
    api("POST", "/api/v1/dispatch/day-plans", body).then(function (plan) {
      running = plan.id;
      follow(plan, box, submit);
    }).catch(function (error) {
      submit.disabled = false;
      showProgress(null);
      status(T.refused + ": " + error.message);
    });
  }

  function follow(plan, box, submit) {
    if (plan.id !== running) { return; }
    showProgress(plan);
    if (plan.status === "queued" || plan.status === "running") {
      setTimeout(function () {
        api("GET", "/api/v1/dispatch/day-plans/" + plan.id)
          .then(function (next) { follow(next, box, submit); })
          .catch(function () { status(T.offline); follow(plan, box, submit); });
      }, POLL_MS);
      return;
    }
    submit.disabled = false;
    if (plan.status === "done") { render(plan, box); }
  }

  function showProgress(plan) {
    var bar = document.getElementById("plan-progress");
    var line = document.getElementById("plan-status");
    if (!plan) { bar.hidden = true; line.textContent = ""; return; }
    bar.hidden = plan.status !== "queued" && plan.status !== "running";
    bar.value = plan.progress;
    var parts = [P[plan.status] || plan.status];
    if (plan.status === "running") {
      parts.push(ptext("elapsed", { s: Math.round(plan.elapsed_seconds), b: Math.round(plan.budget_seconds) }));
    }
    if (plan.best_km !== null) { parts.push(ptext("best", { km: plan.best_km.toFixed(1) })); }
    if (plan.greedy_km !== null) { parts.push(ptext("greedy", { km: plan.greedy_km.toFixed(1) })); }
    if (plan.status === "done" && plan.greedy_km) {
      parts.push(ptext(plan.method === "joint" ? "saved" : "kept",
                       { pct: (100 * (1 - plan.best_km / plan.greedy_km)).toFixed(1) }));
    }
    if (plan.status === "failed" && plan.error) { parts.push(plan.error); }
    line.textContent = parts.join(" · ");
  }

  function render(plan, box) {
    var data = plan.proposal;
    box.replaceChildren();
    drawProposal(data);
    if (!data.assignments.length) { box.appendChild(el("p", { text: T.nothing })); }
    var technicians = B.technicians();
    var positions = {};
    data.routes.forEach(function (route) {
      route.order_ids.forEach(function (id, i) { positions[id] = i + 1; });
    });
    var rows = data.assignments.map(function (pair) {
      var select = el("select", { "aria-label": T.technician + " " + pair.number, "data-order": pair.order_id },
        technicians.map(function (t) {
          var option = el("option", { value: t.id, text: t.name });
          option.selected = t.id === pair.technician_id;
          return option;
        }));
      select.dataset.number = pair.number;
      select.dataset.position = positions[pair.order_id] || "";
      return el("tr", {}, [orderCell(pair), el("td", {}, [select])]);
    });
    if (rows.length) {
      box.appendChild(el("p", { text: T.total + ": " + data.total_km.toFixed(1) + " " + T.km }));
      box.appendChild(el("table", { "class": "table proposal-table" }, [
        el("thead", {}, [el("tr", {}, [el("th", { text: T.order }), el("th", { text: T.technician })])]),
        el("tbody", {}, rows)]));
    }
    if (data.unassigned.length) {
      box.appendChild(el("p", { "class": "muted", text: T.unassigned + ": " +
        data.unassigned.map(function (u) {
          return u.number + " (" + ((T.reasons && T.reasons[u.reason]) || u.reason) + ")";
        }).join(", ") }));
    }
    if (!rows.length) { return; }
    var accept = el("button", { type: "button", "class": "button primary", id: "accept-proposal", text: T.accept });
    accept.addEventListener("click", function () { acceptProposal(plan, box, technicians, accept); });
    box.appendChild(accept);
  }

  function acceptProposal(plan, box, technicians, button) {
    var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-order]"));
    var items = selects.map(function (select, i) {
      return { order_id: Number(select.dataset.order), technician_id: Number(select.value),
               position: Number(select.dataset.position) || i + 1 };
    });
    var names = {};
    technicians.forEach(function (t) { names[t.id] = t.name; });
    button.disabled = true;
    api("POST", "/api/v1/dispatch/day-plans/" + plan.id + "/accept", { assignments: items })
      .then(function (result) {
        var ok = result.results.filter(function (r) { return r.status === "assigned"; }).length;
        var lines = result.results.map(function (r, i) {
          var number = selects[i] ? selects[i].dataset.number : String(r.order_id);
          return el("li", { "class": r.status === "assigned" ? "ok" : "bad",
                            text: r.status === "assigned"
                              ? text("assigned_to", { order: number, name: names[items[i].technician_id] || "" })
                              : number + " · " + T.refused + ": " + (r.error || "") });
        });
        var message = text("accepted", { ok: ok, n: result.results.length });
        document.getElementById("proposal-result").replaceChildren(
          el("div", { "class": "flash flash-success", id: "proposal-confirmation" }, [el("strong", { text: message }),
                                                                          el("ul", {}, lines)]));
        status(message);
        box.replaceChildren();
        showProgress(null);
        if (proposalLayer) { proposalLayer.clearLayers(); }
        if (legend) { legend.remove(); legend = null; }
        refresh();
      })
      .catch(function (error) { button.disabled = false; status(T.refused + ": " + error.message); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("autoassign").addEventListener("submit", propose);
  });
})();
