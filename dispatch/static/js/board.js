// Dispatcher board: unassigned queue, map, candidates, day auto-assignment. Refreshes itself.
(function () {
  "use strict";
  var REFRESH_MS = 15000;
  var CANDIDATES_SHOWN = 20;  // the best twenty; the API gives every technician without a limit
  var T = JSON.parse(document.getElementById("board-text").textContent);
  var root = document.querySelector(".board");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var map, orderLayer, techLayer, routeLayer, selected = null, placing = false, lastData = null;

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
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function api(method, url, body) {
    var options = { method: method, credentials: "same-origin",
                    headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw data.error || { message: response.statusText }; }
        return data;
      });
    });
  }
  function status(message) { document.getElementById("board-status").textContent = message; }

  function setupMap() {
    if (!window.L) { return; }
    map = L.map("map", { zoomControl: true }).setView([30.27, 120.15], 11);
    var tiles = root.dataset.tileUrl;
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map); }
    orderLayer = L.layerGroup().addTo(map);
    techLayer = L.layerGroup().addTo(map);
    routeLayer = L.layerGroup().addTo(map);
    map.on("click", function (event) {
      if (!placing || !selected) { return; }
      placing = false;
      api("POST", "/api/v1/workorders/" + selected.id + "/location",
          { lat: event.latlng.lat, lon: event.latlng.lng })
        .then(function () { status(T.placed); selectOrder(selected); refresh(); })
        .catch(function (error) { status(T.refused + ": " + error.message); });
    });
  }

  // R10: orders past (late) or close to (at risk) their arrival target, assigned ones too.
  function renderArrival(arrival) {
    var box = document.getElementById("arrival");
    if (!box || !arrival) { return; }
    document.getElementById("arrival-counts").textContent =
      text("arrival_counts", { late: arrival.late, at_risk: arrival.at_risk });
    var list = document.getElementById("arrival-list");
    list.replaceChildren();
    arrival.items.forEach(function (item) {
      list.appendChild(el("li", { "class": item.state, "data-order": item.id }, [
        el("a", { href: "/workorders/" + item.id, text: item.number }),
        el("span", { "class": "badge warn", text: " " + T[item.state] }),
        el("small", { text: " " + T.due + " " + item.arrive_by_text })]));
    });
  }

  function renderQueue(data) {
    var list = document.getElementById("queue");
    list.replaceChildren();
    document.getElementById("open-total").textContent = text("open_orders", { n: data.open_total });
    renderArrival(data.arrival);
    data.queue.forEach(function (order) {
      var clock = order.arrival ? [el("span", { "class": "badge warn arrival-" + order.arrival,
                                                text: " " + T[order.arrival] })] : [];
      var button = el("button", { type: "button", "class": "queue-item" + (order.priority === "urgent" ? " urgent" : "") +
                                  (order.arrival ? " " + order.arrival : ""), "data-order": order.id }, [
        el("strong", { text: order.number }), el("span", { text: " " + order.plate })].concat(clock, [
        el("small", { text: order.customer_name + " · " + order.status })]));
      button.addEventListener("click", function () { selectOrder(order); });
      list.appendChild(el("li", {}, [button]));
    });
  }

  // Leaflet puts a string tooltip in with innerHTML: hand it a text node instead, so a name
  // typed with markup in it stays text.
  function asText(value) { return document.createTextNode(String(value)); }

  function renderMap(data) {
    if (!map) { return; }
    orderLayer.clearLayers(); techLayer.clearLayers(); routeLayer.clearLayers();
    data.points.forEach(function (p) {
      L.circleMarker([p.site_lat, p.site_lon], { radius: p.priority === "urgent" ? 8 : 6,
        color: p.priority === "urgent" ? "#b42318" : "#a15c00", fillOpacity: 0.8 })
        .bindTooltip(asText(p.number)).addTo(orderLayer);
    });
    data.technicians.forEach(function (t) {
      L.circleMarker([t.lat, t.lon], { radius: 7, color: t.on_shift ? "#0b63ce" : "#8a99a8",
        fillOpacity: 1 }).bindTooltip(asText(t.name + " (" + t.load + "/" + t.capacity + ")"))
        .addTo(techLayer);
      var points = [[t.lat, t.lon]].concat(t.route.filter(function (s) { return s.lat !== null; })
        .map(function (s) { return [s.lat, s.lon]; }));
      if (points.length > 1) { L.polyline(points, { color: "#0b63ce", weight: 2 }).addTo(routeLayer); }
    });
  }

  function renderTechnicians(data) {
    var list = document.getElementById("technicians");
    list.replaceChildren();
    data.technicians.forEach(function (t) {
      var where = T[t.position_source] || t.position_source;
      var age = t.position_age_minutes === null ? "" : " · " + text("minutes_ago", { m: t.position_age_minutes });
      list.appendChild(el("li", { "class": t.on_shift ? "" : "muted" }, [
        el("strong", { text: t.name }),
        el("span", { text: " " + T.load + " " + t.load + "/" + t.capacity + " · " + where + age +
                             (t.on_shift ? "" : " · " + T.off_shift) })]));
    });
  }

  function refresh() {
    return api("GET", "/api/v1/dispatch/board").then(function (data) {
      lastData = data;
      renderQueue(data); renderMap(data); renderTechnicians(data);
      status(text("updated", { t: new Date().toLocaleTimeString() }));
    }).catch(function () { status(T.offline); });
  }

  function selectOrder(order) {
    selected = order;
    var panel = document.getElementById("candidates");
    panel.hidden = false;
    document.getElementById("candidates-title").textContent = text("candidates", { n: order.number });
    document.getElementById("candidates-note").textContent = order.site_lat === null ? T.no_point : "";
    if (map && order.site_lat !== null) { map.setView([order.site_lat, order.site_lon], 13); }
    var list = document.getElementById("candidate-list");
    list.replaceChildren();
    if (order.status !== "approved") { return; }
    api("GET", "/api/v1/workorders/" + order.id + "/candidates?limit=" + CANDIDATES_SHOWN).then(function (data) {
      data.items.forEach(function (c) {
        var button = el("button", { type: "button", "class": "button" + (c.available ? " primary" : ""),
                                    "data-technician": c.technician_id, text: T.assign });
        button.addEventListener("click", function () { assign(order, c.technician_id, button); });
        list.appendChild(el("li", { "class": c.available ? "" : "unavailable" }, [
          el("div", {}, [el("strong", { text: c.name }),
                         el("span", { text: " " + c.distance_km.toFixed(2) + " " + T.km + " · " +
                                            c.eta_minutes + " " + T.min })]),
          el("small", { text: c.reasons.join(" · ") }), button]));
      });
    }).catch(function (error) { status(T.refused + ": " + error.message); });
  }

  function assign(order, technicianId, button) {
    button.disabled = true;
    api("POST", "/api/v1/workorders/" + order.id + "/assign", { technician_id: technicianId })
      .then(function () {
        status(T.assigned + ": " + order.number);
        document.getElementById("candidates").hidden = true;
        refresh();
      })
      .catch(function (error) { button.disabled = false; status(T.refused + ": " + error.message); });
  }

  function propose(event) {
    event.preventDefault();
    var day = document.getElementById("plan-date").value;
    var box = document.getElementById("proposal");
    api("POST", "/api/v1/dispatch/auto-assign", { date: day }).then(function (data) {
      box.replaceChildren();
      if (!data.assignments.length) { box.appendChild(el("p", { text: T.nothing })); return; }
      var technicians = lastData ? lastData.technicians : [];
      var rows = data.assignments.map(function (pair) {
        var select = el("select", { "aria-label": "technician", "data-order": pair.order_id },
          technicians.map(function (t) {
            var option = el("option", { value: t.id, text: t.name });
            option.selected = t.id === pair.technician_id;
            return option;
          }));
        return el("tr", {}, [el("td", { text: "#" + pair.order_id }), el("td", {}, [select])]);
      });
      box.appendChild(el("p", { text: T.total + ": " + data.total_km.toFixed(1) + " " + T.km }));
      box.appendChild(el("table", { "class": "table" }, [el("tbody", {}, rows)]));
      if (data.unassigned.length) {
        box.appendChild(el("p", { "class": "muted", text: T.unassigned + ": " +
          data.unassigned.map(function (u) { return "#" + u.order_id + " (" + u.reason + ")"; }).join(", ") }));
      }
      var accept = el("button", { type: "button", "class": "button primary", id: "accept-proposal", text: T.accept });
      accept.addEventListener("click", function () {
        var items = Array.prototype.map.call(box.querySelectorAll("select[data-order]"), function (select, i) {
          return { order_id: Number(select.dataset.order), technician_id: Number(select.value), position: i + 1 };
        });
        api("POST", "/api/v1/dispatch/auto-assign/accept", { date: day, assignments: items })
          .then(function (result) {
            var ok = result.results.filter(function (r) { return r.status === "assigned"; }).length;
            status(T.assigned + ": " + ok + "/" + result.results.length);
            box.replaceChildren(); refresh();
          })
          .catch(function (error) { status(T.refused + ": " + error.message); });
      });
      box.appendChild(accept);
    }).catch(function (error) { status(T.refused + ": " + error.message); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMap();
    document.getElementById("place-button").addEventListener("click", function () { placing = true; });
    document.getElementById("autoassign").addEventListener("submit", propose);
    refresh();
    setInterval(refresh, REFRESH_MS);
  });
})();
