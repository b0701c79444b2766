// The service worker: keeps the app's shell (the files below) so the app opens without a
// network, and the app's words in the languages it has spoken (/app/messages/<tag>.json: part
// of the shell, not an answer about the teen; without them an offline app would fall back to
// English, and an Arabic reader's page from right-to-left to left-to-right). It never touches
// API answers: /v1/... requests go straight to the network, every time, because a stale answer
// would be a wrong reminder.

const CACHE = "alertsvc-app-2";
const SHELL = [
  "/app/",
  "/app/style.css",
  "/app/main.js",
  "/app/api.js",
  "/app/loop.js",
  "/app/store.js",
  "/app/views.js",
  "/app/i18n.js",
  "/app/icon.svg",
  "/app/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

// The shell: the network first (so an update shows at once), the cached copy when offline.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const isShell =
    url.origin === self.location.origin &&
    (SHELL.includes(url.pathname) || /^\/app\/messages\/[\w-]+\.json$/.test(url.pathname));
  if (event.request.method !== "GET" || !isShell) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname)),
  );
});
