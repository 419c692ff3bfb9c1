// The board's day-plan panel: propose the day, draw each technician's route, accept it.
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

  function propose(event) {
    event.preventDefault();
    var day = document.getElementById("plan-date").value;
    var box = document.getElementById("proposal");
    document.getElementById("proposal-result").replaceChildren();
    api("POST", "/api/v1/dispatch/auto-assign", { date: day }).then(function (data) {
      box.replaceChildren();
      drawProposal(data);
      if (!data.assignments.length) { box.appendChild(el("p", { text: T.nothing })); }
      var technicians = B.technicians();
      var rows = data.assignments.map(function (pair) {
        var select = el("select", { "aria-label": T.technician + " " + pair.number, "data-order": pair.order_id },
          technicians.map(function (t) {
            var option = el("option", { value: t.id, text: t.name });
            option.selected = t.id === pair.technician_id;
            return option;
          }));
        select.dataset.number = pair.number;
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
      accept.addEventListener("click", function () { acceptProposal(day, box, technicians); });
      box.appendChild(accept);
    }).catch(function (error) { status(T.refused + ": " + error.message); });
  }

  function acceptProposal(day, box, technicians) {
    var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-order]"));
    var items = selects.map(function (select, i) {
      return { order_id: Number(select.dataset.order), technician_id: Number(select.value), position: i + 1 };
    });
    var names = {};
    technicians.forEach(function (t) { names[t.id] = t.name; });
    api("POST", "/api/v1/dispatch/auto-assign/accept", { date: day, assignments: items })
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
        if (proposalLayer) { proposalLayer.clearLayers(); }
        if (legend) { legend.remove(); legend = null; }
        refresh();
      })
      .catch(function (error) { status(T.refused + ": " + error.message); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("autoassign").addEventListener("submit", propose);
  });
})();
