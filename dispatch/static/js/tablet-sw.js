// Service worker of the technician tablet: keeps the page and its files so the tablet opens
// with no network. The API is never cached here (the day's data lives in IndexedDB).
"use strict";
var CACHE = "tablet-shell-v1";
var SHELL = ["/tablet/", "/static/css/app.css", "/static/css/tablet.css", "/static/js/signature.js",
             "/static/js/tablet-checks.js", "/static/js/tablet-store.js", "/static/js/tablet-forms.js",
             "/static/js/tablet.js", "/static/favicon.svg"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
// Network first (fresh page, fresh CSRF token), the kept copy when the network fails.
self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) { return; }
  var shell = url.pathname === "/tablet/" || SHELL.indexOf(url.pathname) >= 0;
  if (!shell) { return; }
  var key = url.pathname === "/tablet/" ? "/tablet/" : event.request;
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(key).then(function (hit) { return hit || Response.error(); });
  }));
});
