// Service worker of the volunteers' app: keeps the app shell for offline use.
// Data (assignments, instruments, queued answers) lives in IndexedDB, not here; API calls pass through.
const VERSION = "__VERSION__";
const CACHE = `tablet-shell-${VERSION}`;
const SHELL = "/tablet/";
const FILES = [
  SHELL,
  "/tablet/manifest.webmanifest",
  "/tablet/static/app.js",
  "/tablet/static/store.js",
  "/tablet/static/sync.js",
  "/tablet/static/form.js",
  "/tablet/static/app.css",
  "/tablet/static/icon.svg",
  "/tablet/static/icon-192.png",
  "/tablet/static/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("tablet-shell-") && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith("/tablet/")) return;
  if (request.mode === "navigate") {
    // Every page of the app is the shell; the modules read the rest from IndexedDB.
    event.respondWith(fromCache(SHELL, request));
  } else if (FILES.includes(url.pathname)) {
    event.respondWith(fromCache(url.pathname, request));
  }
});

// The cached copy first (the network may be gone or slow); the network only for what is not cached.
async function fromCache(key, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}
