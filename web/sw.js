// The participant page's service worker (served from /static/sw.js with
// `Service-Worker-Allowed: /j/`, registered with scope /j/): a phone that
// reloads the page without a network still opens it, and the page then renders
// from what it saved on the phone (its last snapshot and its outbox, in
// localStorage). It keeps only the app's own files — the participant page and
// the /static/ files it loaded — and nothing from any other origin, and never
// an API answer. Network first: a new deploy always wins, the cache is only
// the fallback.
//
// The scripts and styles live under /static/<version>/, where the version is a
// hash of them all: the page is revalidated on every load and names the
// version it runs, so a new server's page brings its own files, never a mix.
// Those URLs never change content, so the browser keeps them (network first
// costs nothing for them), and what an earlier version left in this cache is
// dropped once the page has named the files it runs on.

const CACHE = 'trivsel-participant-v1';
/** Every /j/{CODE} is the same file: one cached copy serves them all. */
const PAGE = '/static/participant.html';

/** The cache key for a request this worker keeps, or null for one it leaves alone. */
function keyOf(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (request.mode === 'navigate') return url.pathname.startsWith('/j/') ? PAGE : null;
  return url.pathname.startsWith('/static/') && url.pathname !== '/static/sw.js' ? url.pathname : null;
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.add(PAGE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

// The page names the files it loaded (they were fetched before this worker controlled it).
self.addEventListener('message', (event) => {
  if (event.origin !== self.location.origin || event.data?.type !== 'keep' || !Array.isArray(event.data.urls)) return;
  const paths = event.data.urls
    .map((u) => { try { return new URL(u, self.location.origin); } catch { return null; } })
    .filter((u) => u && u.origin === self.location.origin && u.pathname.startsWith('/static/') && u.pathname !== '/static/sw.js')
    .map((u) => u.pathname);
  if (paths.length === 0) return;
  const kept = new Set([PAGE, ...paths]);
  event.waitUntil(caches.open(CACHE).then(async (cache) => {
    await cache.addAll([...kept].filter((path) => path !== PAGE));
    for (const request of await cache.keys()) {
      if (!kept.has(new URL(request.url).pathname)) await cache.delete(request);
    }
  }).catch(() => {}));
});

self.addEventListener('fetch', (event) => {
  const key = keyOf(event.request);
  if (!key) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
      return response;
    } catch (error) {
      const kept = await cache.match(key);
      if (kept) return kept;
      throw error;
    }
  })());
});
