// The tablet's memory: the day's jobs and a queue of submissions in IndexedDB. Every
// submission gets a request ID (Idempotency-Key) when it is made; the queue is sent in order
// and a retry reuses the ID, so the server applies each once.
(function () {
  "use strict";
  var DB_NAME = "dispatch-tablet", db = null, listeners = [], sending = false, again = false;

  function open() {
    if (db) { return Promise.resolve(db); }
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("day");
        request.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = function () { db = request.result; resolve(db); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(store, mode, work) {
    return open().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var t = conn.transaction(store, mode), result;
        work(t.objectStore(store), function (value) { result = value; });
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) { h.push((b[i] + 256).toString(16).slice(1)); }
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }
  function saveDay(day) { return tx("day", "readwrite", function (s) { s.put(day, "today"); }); }
  function loadDay() {
    return tx("day", "readonly", function (s, done) {
      var r = s.get("today"); r.onsuccess = function () { done(r.result || null); };
    });
  }
  function items() {
    return tx("queue", "readonly", function (s, done) {
      var r = s.getAll(); r.onsuccess = function () { done(r.result); };
    });
  }
  function put(item) { return tx("queue", "readwrite", function (s) { s.put(item); }); }
  function remove(seq) { return tx("queue", "readwrite", function (s) { s.delete(seq); }); }
  function changed() { return items().then(function (all) { listeners.forEach(function (f) { f(all); }); return all; }); }

  // Queue a submission: kind (status|swap|part|photo|complete|part_fix|part_remove|swap_remove),
  // the order, the API path, body, and the HTTP method (POST unless given).
  function enqueue(kind, orderId, path, body, method) {
    var item = { kind: kind, order_id: orderId, path: path, body: body, key: uuid(),
                 method: method || "POST", state: "waiting", error: null, at: new Date().toISOString() };
    return put(item).then(changed).then(function () { sync(); });
  }

  function csrfToken(csrfUrl) {
    return fetch(csrfUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (data) { return data.token; });
  }

  // Send waiting items in order. A network failure stops (retried later); a refusal marks
  // the item refused and holds the later items of the same order until the technician decides.
  function sync(csrfUrl) {
    csrfUrl = csrfUrl || TabletStore.csrfUrl;
    if (sending) { again = true; return Promise.resolve(); }
    sending = true;
    return items().then(function (all) {
      var waiting = all.filter(function (i) { return i.state !== "failed"; });
      if (!waiting.length) { return null; }
      return csrfToken(csrfUrl).then(function (token) {
        var blocked = {};
        all.forEach(function (i) { if (i.state === "failed") { blocked[i.order_id] = true; } });
        return waiting.reduce(function (chain, item) {
          return chain.then(function (stop) {
            if (stop || blocked[item.order_id]) { return stop; }
            return send(item, token).then(function (outcome) {
              if (outcome === "refused") { blocked[item.order_id] = true; }
              return outcome === "stop";
            });
          });
        }, Promise.resolve(false));
      });
    }).catch(function () { TabletStore.online = false; })
      .then(function () {
        sending = false;
        if (again && TabletStore.online) { again = false; sync(csrfUrl); }
        return changed();
      });
  }

  function send(item, token) {
    return fetch(item.path, {
      method: item.method || "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token,
                 "Idempotency-Key": item.key, "Accept": "application/json" },
      body: JSON.stringify(item.body)
    }).then(function (response) {
      TabletStore.online = true;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          return remove(item.seq).then(function () { return "saved"; });
        }
        if (response.status === 401 || response.status === 429 || response.status >= 500) {
          TabletStore.lastProblem = response.status === 401 ? "sign_in" : null;
          return "stop";
        }
        var error = data.error || {};
        item.state = "failed";
        item.error = [error.message].concat(Object.values(error.fields || {})).filter(Boolean).join(" ");
        return put(item).then(function () { return "refused"; });
      });
    }, function () { TabletStore.online = false; return "stop"; });
  }

  function discard(seq) { return remove(seq).then(changed).then(function () { sync(); }); }

  window.TabletStore = { saveDay: saveDay, loadDay: loadDay, items: items, enqueue: enqueue,
    sync: sync, discard: discard, changed: changed, online: navigator.onLine, csrfUrl: null,
    lastProblem: null,
    subscribe: function (f) { listeners.push(f); } };
})();
