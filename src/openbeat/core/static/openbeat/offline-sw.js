/* The service worker of the staff meeting pages (served at /staff/meetings/offline-sw.js, so its
 * scope is /staff/meetings/): every page of a meeting an officer opened, and what it loads, is
 * kept on the phone and shown from there when there is no signal. Always the network first: a
 * page is only drawn from the cache when the network cannot be reached. A sign-in page or an
 * error is never kept. Entries typed offline are queued by offline-queue.js, not here. */
"use strict";
var CACHE = "openbeat-staff-meetings-v1";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("openbeat-staff-meetings-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.redirected && new URL(response.url).pathname.indexOf("/login/") !== -1) {
        caches.delete(CACHE);  // signed out: the phone keeps no staff page any longer
      } else if (response.ok && !response.redirected && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }, function () {
      return caches.match(request).then(function (cached) {
        return cached || Response.error();
      });
    })
  );
});
