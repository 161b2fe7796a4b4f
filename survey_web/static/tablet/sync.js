// Sending the outbox: automatically when the network returns, on a timer with exponential backoff,
// and on the button. An entry counts as sent only when the server's result for it says "created" or
// "duplicate"; "conflict" and "invalid" stay visible with the server's reason and are not resent.
import * as store from "./store.js";

const BATCH = 100;
const BASE_DELAY = 5_000;
const MAX_DELAY = 5 * 60_000;
const IDLE_CHECK = 60_000;
const ENDPOINTS = {
  response: ["/api/v1/responses/batch", "responses"],
  attempt: ["/api/v1/contact-attempts/batch", "attempts"],
};

export class SignedOut extends Error {}

// fetch that gives up after a while: on a network that comes and goes a request can hang for minutes.
export async function fetchWithin(url, options = {}, ms = 30_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await fetch(url, { ...options, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

let running = null;
let failures = 0;
let timer = null;
const listeners = new Set();

export const onChange = (fn) => listeners.add(fn);
const changed = (info) => listeners.forEach((fn) => fn(info));

// Send everything queued by the signed-in volunteer; resolves with {sent, problems} or throws.
export function syncNow() {
  if (!running) running = attempt().finally(() => (running = null));
  return running;
}

async function attempt() {
  const session = await store.get("session");
  if (!session) throw new SignedOut("chưa đăng nhập");
  if (!navigator.onLine) {
    schedule(IDLE_CHECK, "offline");
    changed({ state: "offline" });
    throw new Error("không có mạng");
  }
  changed({ state: "syncing" });
  try {
    const entries = (await store.outbox()).filter((e) => e.state === "queued" && e.owner === session.username);
    let sent = 0;
    let problems = 0;
    for (const kind of ["response", "attempt"]) {
      const ofKind = entries.filter((e) => e.kind === kind);
      for (let i = 0; i < ofKind.length; i += BATCH) {
        const chunk = ofKind.slice(i, i + BATCH);
        const results = await post(kind, chunk, session.token);
        const verdicts = chunk.map((entry, n) => verdict(entry, results[n]));
        await store.settle(verdicts);
        sent += verdicts.filter((v) => v.state === "sent").length;
        problems += verdicts.filter((v) => v.state !== "sent" && v.state !== "queued").length;
        changed({ state: "progress" });
      }
    }
    failures = 0;
    schedule(IDLE_CHECK, "idle");
    changed({ state: "done", sent, problems, at: new Date() });
    return { sent, problems };
  } catch (error) {
    if (error instanceof SignedOut) {
      changed({ state: "signed-out" });
      throw error;
    }
    failures += 1;
    const delay = Math.min(BASE_DELAY * 2 ** (failures - 1), MAX_DELAY) * (0.75 + Math.random() / 2);
    schedule(delay, "retry");
    changed({ state: "failed", error: String(error.message || error), retryIn: delay });
    throw error;
  }
}

function verdict(entry, result) {
  if (!result || result.id !== entry.id) {
    return { id: entry.id, state: "queued", detail: "máy chủ không trả lời mục này; sẽ gửi lại" };
  }
  if (result.status === "created" || result.status === "duplicate") {
    return { id: entry.id, state: "sent", detail: result.status };
  }
  return { id: entry.id, state: result.status, detail: result.detail };
}

async function post(kind, chunk, token) {
  const [url, key] = ENDPOINTS[kind];
  const response = await fetchWithin(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ [key]: chunk.map((e) => e.body) }),
  });
  if (response.status === 401) throw new SignedOut("phiên đăng nhập đã hết hạn");
  if (!response.ok) throw new Error(`máy chủ trả lời ${response.status}`);
  const body = await response.json();
  return body.results;
}

function schedule(delay, reason) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    store.outbox().then((all) => {
      if (all.some((e) => e.state === "queued")) syncNow().catch(() => {});
      else schedule(IDLE_CHECK, "idle");
    });
  }, delay);
  changed({ state: "scheduled", reason, delay });
}

// Start the automatic sending: now, whenever the network returns, and on the timer.
let started = false;
export function start() {
  if (started) return;
  started = true;
  window.addEventListener("online", () => {
    failures = 0;
    syncNow().catch(() => {});
  });
  if (navigator.onLine) syncNow().catch(() => {});
  else schedule(IDLE_CHECK, "offline");
}
