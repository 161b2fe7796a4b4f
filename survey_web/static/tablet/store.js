// IndexedDB storage of the volunteers' app: the session, the cached assignments and the outbox.
// The outbox keeps every interview and contact attempt until the server has acknowledged it, and
// keeps it afterwards (state "sent") so the volunteer can see what went.

const DB_NAME = "survey-tablet";
const DB_VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
        if (!db.objectStoreNames.contains("outbox")) {
          const outbox = db.createObjectStore("outbox", { keyPath: "id" });
          outbox.createIndex("state", "state");
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

// Run fn(store) in one transaction; resolves when the transaction has committed.
async function run(storeName, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    let result;
    const request = fn(tx.objectStore(storeName));
    if (request) request.onsuccess = () => (result = request.result);
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const get = (key) => run("kv", "readonly", (s) => s.get(key));
export const set = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
export const remove = (key) => run("kv", "readwrite", (s) => s.delete(key));

// Queue an interview ("response") or a contact attempt ("attempt") for sending.
export function enqueue(kind, owner, body, label) {
  const entry = { id: body.id, kind, owner, body, label, state: "queued", detail: null,
                  queuedAt: new Date().toISOString(), sentAt: null };
  return run("outbox", "readwrite", (s) => s.add(entry));
}

export const outbox = () => run("outbox", "readonly", (s) => s.getAll());

// Record the server's verdict on queued entries: [{id, state, detail}].
export async function settle(verdicts) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("outbox", "readwrite");
    const store = tx.objectStore("outbox");
    for (const v of verdicts) {
      const request = store.get(v.id);
      request.onsuccess = () => {
        const entry = request.result;
        if (!entry) return;
        entry.state = v.state;
        entry.detail = v.detail;
        if (v.state === "sent") entry.sentAt = new Date().toISOString();
        store.put(entry);
      };
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

// Forget entries the server acknowledged long ago (queued and refused ones are never dropped).
export async function prune(keepDays = 30) {
  const cutoff = new Date(Date.now() - keepDays * 86_400_000).toISOString();
  const old = (await outbox()).filter((e) => e.state === "sent" && e.sentAt && e.sentAt < cutoff);
  if (old.length) await run("outbox", "readwrite", (s) => old.forEach((e) => s.delete(e.id)));
}
