/* Service worker of the home-visit form (served at the site root scope by
   fieldwork.views.service_worker). It only answers for the visit form and static files, so
   every other page of the portal goes to the network as usual. */
"use strict";
const CACHE = "visits-v4";
const FORM = "/partycare/visits/new/";

async function precache() {
  const cache = await caches.open(CACHE);
  const response = await fetch(FORM, { credentials: "same-origin" });
  if (!response.ok || response.redirected) return;
  const html = await response.clone().text();
  await cache.put(FORM, response);
  const assets = new Set();
  for (const match of html.matchAll(/(?:href|src)="(\/static\/[^"]+|\/partycare\/visits\/manifest[^"]*)"/g)) {
    assets.add(match[1]);
  }
  await Promise.all([...assets].map((url) => cache.add(url).catch(() => null)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === FORM) {
    // Network first (fresh CSRF token and household list), the cached form when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(FORM, copy));
          }
          return response;
        })
        .catch(() => caches.match(FORM)),
    );
  } else if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/partycare/visits/manifest")) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});
