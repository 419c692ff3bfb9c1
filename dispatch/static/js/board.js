// Dispatcher board: unassigned queue, map, candidates. Live: the server pushes each committed
// change (Server-Sent Events, board/stream.py); it polls while the stream is not open (a
// server without streams, too many open, or the network gone). The day plan's panel is
// day-plan.js, which uses the helpers this file hands it as window.DispatchBoard.
(function () {
  "use strict";
  var REFRESH_MS = 15000;
  var LIVE_RETRY_MS = 60000;  // a stream refused (204, 503): poll, and ask again this much later
  var CANDIDATES_SHOWN = 20;  // the best twenty; the API gives every technician without a limit
  var T = JSON.parse(document.getElementById("board-text").textContent);
  var root = document.querySelector(".board");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var map, orderLayer, techLayer, routeLayer;
  var selected = null, placing = false, lastData = null;
  var live = null, liveOpen = false, version = null;  // the stream, and the version lastData is at

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
  // The configured zone's clock, 24-hour, whatever the browser's own zone and habits.
  function clock(moment) {
    return new Intl.DateTimeFormat(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: T.zone }).format(moment);
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

  function label(value) { return (T.labels && T.labels[value]) || value; }

  function orderCard(order) {
    var awaiting = order.status === "new";
    var classes = "queue-item" + (order.priority === "urgent" ? " urgent" : "") + (awaiting ? " awaiting" : "");
    var button = el("button", { type: "button", "class": classes, "data-order": order.id }, [
      el("span", {}, [el("strong", { text: order.number }), el("span", { text: " " + order.plate })]),
      el("small", { text: order.customer_name }),
      el("small", { "class": "queue-meta", text: label(order.kind) + " · " +
                    (order.window || T.no_window) + " · " + label(order.status) +
                    (order.priority === "urgent" ? " · " + label("urgent") : "") })]);
    if (awaiting) { button.appendChild(el("span", { "class": "badge awaiting-badge", text: T.awaiting })); }
    if (order.arrival) {  // R10: late or at risk of being late
      button.classList.add(order.arrival);
      button.appendChild(el("span", { "class": "badge warn arrival-" + order.arrival, text: T[order.arrival] }));
    }
    button.addEventListener("click", function () { selectOrder(order); });
    return button;
  }

  function renderQueue(data) {
    var list = document.getElementById("queue");
    list.replaceChildren();
    document.getElementById("open-total").textContent = text("open_orders", { n: data.open_total });
    renderArrival(data.arrival);
    if (!data.queue.length) { list.appendChild(el("li", { "class": "muted", text: T.no_match })); }
    data.queue.forEach(function (order) { list.appendChild(el("li", {}, [orderCard(order)])); });
  }

  function filterQuery() {
    var form = document.getElementById("queue-filters");
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value.trim()) { params.set(field.name, field.value.trim()); }
    });
    var query = params.toString();
    return query ? "?" + query : "";
  }

  // Leaflet puts a string tooltip in with innerHTML: hand it a text node instead, so a name
  // typed with markup in it stays text.
  // (A popup built here with el() is already DOM and is handed over as it is.)
  function asText(value) { return value instanceof Node ? value : document.createTextNode(String(value)); }

  function orderPopup(p) {
    var inQueue = lastData ? lastData.queue.filter(function (o) { return o.id === p.id; })[0] : null;
    var order = inQueue || { id: p.id, number: p.number, status: p.status, priority: p.priority,
                             kind: p.kind, site_lat: p.site_lat, site_lon: p.site_lon };
    var lines = [el("strong", { text: p.number })];
    if (inQueue) {
      lines.push(el("div", { text: inQueue.plate + " · " + inQueue.customer_name }));
      lines.push(el("div", { text: inQueue.window || T.no_window }));
    }
    lines.push(el("div", { text: label(p.kind) + " · " + label(p.status) + " · " + label(p.priority) }));
    var show = el("button", { type: "button", "class": "button small", text: T.show_candidates });
    show.addEventListener("click", function () { map.closePopup(); selectOrder(order); });
    var open = el("a", { href: "/workorders/" + p.id, text: T.order });
    return el("div", { "class": "map-popup", "data-order": p.id }, lines.concat([el("div", {}, [show, asText(" "), open])]));
  }

  function technicianPopup(t) {
    var stops = t.route.map(function (s) { return s.number + " (" + label(s.status) + ")"; });
    return el("div", { "class": "map-popup", "data-technician": t.id }, [
      el("strong", { text: t.name }),
      el("div", { text: T.load + " " + t.load + "/" + t.capacity + (t.on_shift ? "" : " · " + T.off_shift) }),
      el("div", { text: T.jobs_in_hand + ": " + (stops.length ? stops.join(", ") : T.none) })]);
  }

  function renderMap(data) {
    if (!map) { return; }
    orderLayer.clearLayers(); techLayer.clearLayers(); routeLayer.clearLayers();
    data.points.forEach(function (p) {
      L.circleMarker([p.site_lat, p.site_lon], { radius: p.priority === "urgent" ? 8 : 6,
        color: p.status === "new" ? "#8a99a8" : (p.priority === "urgent" ? "#b42318" : "#a15c00"),
        fillOpacity: 0.8, className: "order-marker order-" + p.id })
        .bindTooltip(asText(p.number)).bindPopup(asText(orderPopup(p))).addTo(orderLayer);
    });
    data.technicians.forEach(function (t) {
      L.circleMarker([t.lat, t.lon], { radius: 7, color: t.on_shift ? "#0b63ce" : "#8a99a8",
        fillOpacity: 1, className: "technician-marker technician-" + t.id })
        .bindTooltip(asText(t.name + " (" + t.load + "/" + t.capacity + ")"))
        .bindPopup(asText(technicianPopup(t))).addTo(techLayer);
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

  var refreshes = 0;

  function show(data) {
    lastData = data;
    renderQueue(data); renderMap(data); renderTechnicians(data);
    status(text("updated", { t: clock(new Date()) }));
  }

  function refresh() {
    // Only the latest request is shown: an earlier one answered late (an older filter, or the
    // periodic refresh) must not replace what the dispatcher asked for since.
    var mine = ++refreshes;
    return api("GET", "/api/v1/dispatch/board" + filterQuery()).then(function (data) {
      if (mine !== refreshes) { return; }
      show(data);
    }).catch(function () { status(T.offline); });
  }

  // The live stream. The whole board comes as a "snapshot" (with its version); each change
  // as what it changed, applied when it follows the version held, else the board re-syncs.
  // With filters set the change only says "refresh" (the stream carries the whole board).
  function connectLive() {
    if (!window.EventSource || live) { return; }
    live = new EventSource("/api/v1/dispatch/board/stream");
    live.addEventListener("open", function () { liveOpen = true; });
    live.addEventListener("error", function () {
      liveOpen = false;
      if (live && live.readyState === EventSource.CLOSED) {  // refused: poll, ask again later
        live = null;
        setTimeout(connectLive, LIVE_RETRY_MS);
      }  // otherwise the browser reconnects by itself, sending the last version it had
    });
    live.addEventListener("snapshot", function (event) {
      var data = JSON.parse(event.data);
      version = data.version;
      if (filterQuery()) { refresh(); return; }
      refreshes++;  // an answer still on its way is older than this
      show(data.board);
    });
    live.addEventListener("change", function (event) {
      var change = JSON.parse(event.data);
      if (version === null || change.after !== version) { resync(); return; }
      version = change.version;
      if (filterQuery() || !lastData) { refresh(); return; }
      if (!applyChange(change)) { refresh(); return; }  // a row it does not hold: ask for all
      show(lastData);
    });
    live.addEventListener("positions", function (event) {
      if (!lastData) { return; }
      applyTechnicians(JSON.parse(event.data));
      show(lastData);
    });
  }

  function resync() {  // a stream opened afresh starts with a snapshot
    if (live) { live.close(); live = null; }
    liveOpen = false; version = null;
    connectLive();
  }

  function applyChange(change) {
    var rows = {};
    lastData.queue.forEach(function (o) { rows[o.id] = o; });
    change.orders.forEach(function (o) { rows[o.id] = o; });
    var queue = [];
    for (var i = 0; i < change.queue.length; i++) {
      if (!rows[change.queue[i]]) { return false; }
      queue.push(rows[change.queue[i]]);
    }
    lastData.queue = queue;
    lastData.open_total = change.open_total;
    var changed = {};
    change.removed.concat(change.orders.map(function (o) { return o.id; }))
      .forEach(function (id) { changed[id] = true; });
    lastData.points = lastData.points.filter(function (p) { return !changed[p.id]; }).concat(
      change.orders.filter(function (o) { return o.site_lat !== null; }).map(function (o) {
        return { id: o.id, number: o.number, site_lat: o.site_lat, site_lon: o.site_lon,
                 priority: o.priority, status: o.status, kind: o.kind };
      }));
    var arrival = lastData.arrival, moved = {};
    change.arrival.changed.forEach(function (id) { moved[id] = true; });
    arrival.late = change.arrival.late; arrival.at_risk = change.arrival.at_risk;
    arrival.items = arrival.items.filter(function (item) { return !moved[item.id]; })
      .concat(change.arrival.items)
      .sort(function (a, b) { return a.arrive_by < b.arrive_by ? -1 : (a.arrive_by > b.arrive_by ? 1 : 0); });
    applyTechnicians(change);
    return true;
  }

  function applyTechnicians(update) {
    var fresh = {}, gone = {}, seen = {};
    update.technicians.forEach(function (t) { fresh[t.id] = t; });
    (update.technicians_removed || []).forEach(function (id) { gone[id] = true; });
    lastData.technicians = lastData.technicians.filter(function (t) { return !gone[t.id]; })
      .map(function (t) { seen[t.id] = true; return fresh[t.id] || t; });
    update.technicians.forEach(function (t) { if (!seen[t.id]) { lastData.technicians.push(t); } });
  }

  function selectOrder(order) {
    selected = order;
    var panel = document.getElementById("candidates");
    panel.hidden = false;
    document.getElementById("candidates-title").textContent = text("candidates", { n: order.number });
    var note = document.getElementById("candidates-note");
    var awaiting = order.status === "new";
    note.textContent = awaiting ? T.awaiting_note : (order.site_lat === null ? T.no_point : "");
    panel.classList.toggle("awaiting", awaiting);
    if (map && order.site_lat !== null) { map.setView([order.site_lat, order.site_lon], 13); }
    var list = document.getElementById("candidate-list");
    list.replaceChildren();
    list.hidden = order.status !== "approved";
    if (order.status !== "approved") { return; }
    api("GET", "/api/v1/workorders/" + order.id + "/candidates?limit=" + CANDIDATES_SHOWN).then(function (data) {
      if (!data.items.length) { list.appendChild(el("li", { "class": "muted", text: T.no_candidates })); }
      data.items.forEach(function (c) {
        var button = el("button", { type: "button", "class": "button" + (c.available ? " primary" : ""),
                                    "data-technician": c.technician_id, text: T.assign });
        button.addEventListener("click", function () { assign(order, c.technician_id, button); });
        list.appendChild(el("li", { "class": c.available ? "" : "unavailable" }, [
          el("div", {}, [el("strong", { text: c.name }),
                         el("span", { text: " " + c.distance_km.toFixed(2) + " " + T.km + " · " +
                                            c.eta_minutes + " " + T.min })]),
          el("ul", { "class": "reasons" }, c.reasons.map(function (r) { return el("li", { text: r }); })),
          button]));
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

  document.addEventListener("DOMContentLoaded", function () {
    setupMap();
    document.getElementById("place-button").addEventListener("click", function () { placing = true; });
    var filters = document.getElementById("queue-filters");
    var typing = null;
    filters.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
    filters.addEventListener("change", function () { refresh(); });
    filters.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(refresh, 300);
    });
    refresh();
    connectLive();
    setInterval(function () { if (!liveOpen) { refresh(); } }, REFRESH_MS);
  });

  // What the day plan's panel (day-plan.js) uses of the board.
  window.DispatchBoard = {
    T: T, el: el, text: text, api: api, label: label, asText: asText, status: status,
    refresh: refresh,
    map: function () { return map; },
    technicians: function () { return lastData ? lastData.technicians : []; }
  };
})();
