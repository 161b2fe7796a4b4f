// The volunteers' tablet app: sign in, load and cache assignments, record every contact attempt,
// interview, queue everything in IndexedDB, and sync when the network allows.
import * as store from "./store.js";
import * as sync from "./sync.js";
import { fillForm, h, readForm, renderForm } from "./form.js";

const OUTCOMES = [
  ["refused", "Từ chối trả lời"],
  ["not_at_home", "Không có nhà"],
  ["not_eligible", "Không thuộc đối tượng"],
  ["language_barrier", "Bất đồng ngôn ngữ"],
  ["other", "Lý do khác"],
];
const STATES = { queued: "Chờ gửi", sent: "Đã gửi", conflict: "Trùng mã, nội dung khác", invalid: "Không hợp lệ" };

const view = document.getElementById("view");
let session = null;
let bundle = null;
let screen = null;

function show(name, ...nodes) {
  screen = name;
  view.replaceChildren(...nodes);
  window.scrollTo(0, 0);
}

function setNetwork() {
  const pill = document.getElementById("network");
  pill.textContent = navigator.onLine ? "Có mạng" : "Mất mạng";
  pill.classList.toggle("offline", !navigator.onLine);
}

async function refreshStatus() {
  const entries = session ? (await store.outbox()).filter((e) => e.owner === session.username) : [];
  const count = (kind, state) => entries.filter((e) => e.kind === kind && state.includes(e.state)).length;
  document.getElementById("queued-responses").textContent = count("response", ["queued"]);
  document.getElementById("sent-responses").textContent = count("response", ["sent"]);
  document.getElementById("queued-attempts").textContent = count("attempt", ["queued"]);
  document.getElementById("problems").textContent = entries.filter((e) => ["conflict", "invalid"].includes(e.state)).length;
  document.getElementById("status").hidden = !session;
  const table = document.getElementById("queue-body");
  if (table) table.replaceChildren(...queueRows(entries));
}

function queueRows(entries) {
  return entries
    .sort((a, b) => (a.queuedAt < b.queuedAt ? 1 : -1))
    .slice(0, 50)
    .map((e) =>
      h("tr", { dataset: { id: e.id, state: e.state } },
        h("td", {}, new Date(e.queuedAt).toLocaleString("vi-VN")),
        h("td", {}, e.label),
        h("td", { class: `state-${e.state}` }, STATES[e.state] || e.state,
          e.state === "conflict" || e.state === "invalid" ? h("div", { class: "hint" }, e.detail) : null),
      ),
    );
}

// --- sign-in and assignments --------------------------------------------------------------------

function signInView(message) {
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const note = h("p", { class: "error", role: "alert" }, message || "");
  const form = h("form", { id: "sign-in" },
    h("h1", {}, "Đăng nhập"),
    h("label", { class: "field", for: "username" }, "Tên đăng nhập", username),
    h("label", { class: "field", for: "password" }, "Mật khẩu", password),
    note,
    h("button", { type: "submit" }, "Đăng nhập"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    note.textContent = "";
    try {
      const reply = await sync.fetchWithin("/api/v1/auth/token", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: username.value.trim(), password: password.value }),
      });
      if (reply.status === 401) throw new Error("Sai tên đăng nhập hoặc mật khẩu.");
      if (!reply.ok) throw new Error(`Máy chủ trả lời ${reply.status}.`);
      const { token } = await reply.json();
      session = { token, username: username.value.trim() };
      await store.set("session", session);
      await loadAssignments();
      home();
      sync.start();
    } catch (error) {
      const network = error instanceof TypeError || error.name === "AbortError";
      note.textContent = network ? "Cần có mạng để đăng nhập lần đầu." : error.message;
    }
  });
  show("sign-in", form);
}

// Fetch the assignments and their instruments and keep them for offline use; keep the old copy on failure.
async function loadAssignments() {
  const reply = await sync.fetchWithin("/api/v1/me/assignments", {
    headers: { Authorization: `Bearer ${session.token}` },
  });
  if (reply.status === 401) throw new sync.SignedOut("phiên đăng nhập đã hết hạn");
  if (!reply.ok) throw new Error(`máy chủ trả lời ${reply.status}`);
  const fresh = await reply.json();
  // An assignment past its end date stays on the tablet, marked late, while the server still lists it for
  // staff: keep the cached copy of any ended one the reply leaves out (with its instrument), unless a manager
  // deactivated it.
  const listed = new Set(fresh.assignments.map((a) => a.id));
  const off = new Set(fresh.deactivated || []);
  const ended = (bundle ? bundle.assignments : []).filter(
    (a) => !listed.has(a.id) && !off.has(a.id) && isPast(a.ends_on),
  );
  fresh.assignments.push(...ended);
  for (const a of ended) {
    const kept = bundle.instruments.find((i) => i.id === a.instrument_version);
    if (kept && !fresh.instruments.some((i) => i.id === kept.id)) fresh.instruments.push(kept);
  }
  bundle = fresh;
  bundle.fetchedAt = new Date().toISOString();
  await store.set(`bundle:${session.username}`, bundle);
}

function home(message) {
  const list = bundle && bundle.assignments.length
    ? bundle.assignments.map(assignmentCard)
    : [h("p", {}, "Chưa có phân công nào. Hãy liên hệ cán bộ phụ trách.")];
  const refresh = h("button", { type: "button", class: "secondary", id: "refresh" }, "Tải lại phân công");
  refresh.addEventListener("click", async () => {
    try {
      await loadAssignments();
      home("Đã tải lại phân công.");
    } catch (error) {
      home(error instanceof sync.SignedOut ? null : "Không tải được (mất mạng?); đang dùng bản đã lưu.");
      if (error instanceof sync.SignedOut) signInView("Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.");
    }
  });
  const signOut = h("button", { type: "button", class: "danger", id: "sign-out" }, "Đăng xuất");
  signOut.addEventListener("click", async () => {
    await store.remove("session");
    session = null;
    bundle = null;
    await refreshStatus();
    signInView("Phiếu chưa gửi vẫn được giữ và sẽ gửi khi bạn đăng nhập lại.");
  });
  const draftCard = h("div", { id: "draft-slot" });
  showDraft(draftCard);
  show(
    "home",
    h("h1", {}, `Xin chào, ${bundle ? bundle.volunteer.display_name : session.username}`),
    message ? h("p", { class: "ok", role: "status" }, message) : "",
    draftCard,
    bundle ? h("p", { class: "hint" }, `Phân công tải lúc ${new Date(bundle.fetchedAt).toLocaleString("vi-VN")}`) : "",
    ...list,
    h("div", { class: "actions" }, refresh, signOut),
    h("h2", {}, "Hàng đợi"),
    h("table", { class: "queue" },
      h("thead", {}, h("tr", {}, h("th", {}, "Lúc"), h("th", {}, "Nội dung"), h("th", {}, "Trạng thái"))),
      h("tbody", { id: "queue-body" })),
  );
  refreshStatus();
}

// A half-done interview, if any: resume it or drop it. One already queued (saved just before a crash)
// is simply dropped.
async function showDraft(slot) {
  const draft = await store.get(draftKey());
  if (!draft) return;
  const assignment = bundle && bundle.assignments.find((a) => a.id === draft.assignmentId);
  const queued = (await store.outbox()).some((e) => e.id === draft.responseId);
  if (!assignment || queued) {
    await store.remove(draftKey());
    return;
  }
  const resume = h("button", { type: "button", id: "resume-draft" }, "Tiếp tục phiếu");
  resume.addEventListener("click", () => interviewView(assignment, draft.caseRef, draft));
  const drop = h("button", { type: "button", class: "danger", id: "drop-draft" }, "Bỏ phiếu này");
  drop.addEventListener("click", async () => {
    if (!confirm("Bỏ phiếu đang làm dở? Các câu trả lời sẽ mất.")) return;
    await store.remove(draftKey());
    home();
  });
  slot.replaceChildren(
    h("article", { class: "card draft" },
      h("h3", {}, "Phiếu đang làm dở"),
      h("p", {}, `${assignment.instrument_title} · ${Object.keys(draft.answers).length} câu đã trả lời · lưu lúc ${new Date(draft.savedAt).toLocaleString("vi-VN")}`),
      h("div", { class: "actions" }, resume, drop)),
  );
}

// Today's date on the tablet, as the server writes dates (YYYY-MM-DD).
function today() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}
const isPast = (day) => Boolean(day) && day < today();
const dayOf = (day) => day.split("-").reverse().join("/");

function instrumentOf(assignment) {
  return bundle.instruments.find((i) => i.id === assignment.instrument_version);
}

function assignmentCard(assignment) {
  const place = assignment.service_point_name || assignment.unit_name || "";
  const start = h("button", { type: "button", class: "start-contact", dataset: { assignment: assignment.id } }, "Tiếp cận người trả lời");
  start.addEventListener("click", () => contactView(assignment));
  const quota = assignment.quota ? ` · chỉ tiêu ${assignment.quota} phiếu` : "";
  // Late: the server says so (past its end with work left), or a copy kept on the tablet has since ended.
  const late = assignment.late || isPast(assignment.ends_on);
  const plan = assignment.plan_name || assignment.plan || null;
  const period = [
    assignment.starts_on ? `Từ ngày ${dayOf(assignment.starts_on)}` : null,
    assignment.ends_on ? `Hạn hoàn thành: ${dayOf(assignment.ends_on)}` : "Không có hạn hoàn thành",
  ].filter(Boolean).join(" · ");
  return h("article", { class: late ? "card late" : "card", dataset: { assignment: assignment.id } },
    h("h3", {}, assignment.instrument_title),
    late ? h("p", { class: "late-note" }, `Trễ hạn: đã quá hạn hoàn thành ngày ${dayOf(assignment.ends_on)}`) : null,
    plan ? h("p", { class: "plan" }, `Kế hoạch: ${plan}`) : null,
    h("p", { class: "due" }, period),
    h("p", {}, place, quota),
    h("p", { class: "hint" }, `Đã hoàn thành (máy chủ ghi nhận): ${assignment.progress.completed}`,
      assignment.sample ? ` · danh sách mẫu: ${assignment.sample.length} (chưa tiếp cận: ${assignment.progress.not_contacted})` : ""),
    start);
}

// --- contact attempts and interviews ------------------------------------------------------------

function attemptBody(assignment, caseRef, outcome, extra = {}) {
  return {
    id: crypto.randomUUID(),
    assignment: assignment.id,
    case_ref: caseRef || null,
    outcome,
    attempted_at: new Date().toISOString(),
    ...extra,
  };
}

function contactView(assignment) {
  // With a sample list, the volunteer picks the household (or person) from it; otherwise types a note.
  const sample = assignment.sample || [];
  const options = h("datalist", { id: "sample-list" },
    ...sample.map((entry) => h("option", { value: entry.ref }, entry.label || entry.ref)));
  const caseRef = h("input", { id: "case-ref", name: "case_ref", maxlength: 100, list: sample.length ? "sample-list" : null });
  const note = h("textarea", { id: "contact-note", name: "note", rows: 2, maxlength: 1000 });
  const agree = h("button", { type: "button", id: "outcome-completed" }, "Đồng ý trả lời – bắt đầu phỏng vấn");
  agree.addEventListener("click", () => interviewView(assignment, caseRef.value.trim()));
  const buttons = OUTCOMES.map(([outcome, label]) => {
    const button = h("button", { type: "button", class: "secondary", id: `outcome-${outcome}` }, label);
    button.addEventListener("click", async () => {
      const body = attemptBody(assignment, caseRef.value.trim(), outcome, { note: note.value.trim() || null });
      await store.enqueue("attempt", session.username, body, `Tiếp cận: ${label}`);
      sync.syncNow().catch(() => {});
      home(`Đã ghi: ${label}.`);
    });
    return button;
  });
  const back = h("button", { type: "button", class: "secondary" }, "Quay lại");
  back.addEventListener("click", () => home());
  show(
    "contact",
    h("h1", {}, "Lượt tiếp cận"),
    h("p", {}, assignment.instrument_title),
    h("label", { class: "field", for: "case-ref" },
      sample.length ? `Hộ / người trong danh sách mẫu (${sample.length})` : "Hộ / người được tiếp cận (không bắt buộc, ví dụ: số nhà)",
      caseRef),
    options,
    h("label", { class: "field", for: "contact-note" }, "Ghi chú", note),
    h("div", { class: "outcomes" }, agree, ...buttons),
    h("div", { class: "actions" }, back),
  );
}

const draftKey = () => `draft:${session.username}`;

// An interview; every change is saved as a draft at once, so a closed browser or a flat battery loses
// nothing: the home screen offers to resume it.
function interviewView(assignment, caseRef, draft = null) {
  const instrument = instrumentOf(assignment);
  if (!instrument) {
    home("Chưa có phiếu khảo sát của phân công này trên máy; hãy tải lại phân công khi có mạng.");
    return;
  }
  const startedAt = draft ? draft.startedAt : new Date().toISOString();
  const responseId = draft ? draft.responseId : crypto.randomUUID();
  const form = renderForm(instrument);
  if (draft) fillForm(form, instrument, draft.answers, draft.respondentType);
  const saveDraft = () => {
    const { answers, respondentType } = readForm(form, instrument, false);
    return store.set(draftKey(), {
      assignmentId: assignment.id, caseRef, startedAt, responseId, answers, respondentType,
      savedAt: new Date().toISOString(),
    });
  };
  form.addEventListener("change", saveDraft);
  form.addEventListener("input", saveDraft);
  if (!draft) saveDraft();
  const problem = h("div", { class: "error", role: "alert", id: "missing" });
  const done = h("button", { type: "submit", id: "finish" }, "Hoàn thành phiếu");
  const pages = [...form.querySelectorAll("section.page")];
  const progress = h("p", { class: "hint", id: "page-progress", "aria-live": "polite" });
  const back = h("button", { type: "button", class: "secondary", id: "page-back" }, "Quay lại");
  const next = h("button", { type: "button", id: "page-next" }, "Tiếp theo");
  let current = 0;
  const showPage = (index, focus = true) => {
    current = Math.max(0, Math.min(index, pages.length - 1));
    pages.forEach((page, i) => (page.hidden = i !== current));
    progress.textContent = `Phần ${current + 1}/${pages.length}: ${pages[current].querySelector("h2").textContent}`;
    back.hidden = current === 0;
    next.hidden = current === pages.length - 1;
    if (focus) {
      window.scrollTo(0, 0);
      pages[current].querySelector("h2").focus();
    }
  };
  back.addEventListener("click", () => showPage(current - 1));
  next.addEventListener("click", () => showPage(current + 1));
  // Each missing question by its words, as a link to its page.
  const missingList = (items) => h("ul", {}, ...items.map((item) => {
    const set = form.querySelector(`fieldset[data-item="${CSS.escape(item.code)}"]`);
    const link = h("a", { href: `#${set.id}` }, item.text.replace(/[\s:.…]+$/, ""));
    link.addEventListener("click", (event) => {
      event.preventDefault();
      showPage(pages.findIndex((page) => page.contains(set)), false);
      set.scrollIntoView({ block: "center" });
      set.querySelector("input, textarea")?.focus();
    });
    return h("li", {}, link);
  }));
  const cancel = h("button", { type: "button", class: "secondary", id: "cancel" }, "Hủy phiếu");
  cancel.addEventListener("click", () => {
    if (confirm("Hủy phiếu này? Các câu trả lời sẽ không được lưu.")) store.remove(draftKey()).then(() => home());
  });
  form.prepend(progress);
  form.append(problem, h("div", { class: "actions" }, back, next, done, cancel));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { answers, missing, respondentType } = readForm(form, instrument);
    if (missing.length) {
      problem.replaceChildren(h("p", {}, `Còn ${missing.length} câu cần trả lời hoặc sửa. Chạm vào một câu để đến đó:`),
        missingList(missing));
      problem.scrollIntoView({ block: "center" });
      return;
    }
    const response = {
      id: responseId,
      instrument_version: instrument.id,
      service_point: assignment.service_point,
      channel: "tablet",
      respondent_type: respondentType,
      answers,
      started_at: startedAt,
      completed_at: new Date().toISOString(),
      // Always named: an interview at no service point counts for its assignment's unit.
      assignment: assignment.id,
    };
    // An interview of a sample-list entry names it, so the server takes its design weight from the plan.
    if ((assignment.sample || []).some((entry) => entry.ref === caseRef)) {
      response.case_ref = caseRef;
    }
    await store.enqueue("response", session.username, response, `Phiếu: ${instrument.title}`);
    const attempt = attemptBody(assignment, caseRef, "completed", { response_id: response.id });
    await store.enqueue("attempt", session.username, attempt, "Tiếp cận: hoàn thành phỏng vấn");
    await store.remove(draftKey());
    home(navigator.onLine ? "Đã lưu phiếu trên máy; đang gửi lên máy chủ…" : "Đã lưu phiếu trên máy; phiếu sẽ được gửi khi có mạng.");
    sync.syncNow().catch(() => {});
  });
  show(
    "interview",
    h("h1", {}, instrument.title),
    h("p", { class: "hint" }, "Đọc to từng câu hỏi và các phương án trả lời, rồi chọn câu trả lời của người được hỏi."),
    form,
  );
  showPage(0, false);
}

// --- start --------------------------------------------------------------------------------------

sync.onChange(async (info) => {
  const note = document.getElementById("sync-note");
  if (info.state === "syncing") note.textContent = "Đang gửi…";
  else if (info.state === "offline") note.textContent = "Đang mất mạng: phiếu được giữ trên máy, sẽ tự gửi khi có mạng.";
  else if (info.state === "done") {
    note.textContent = `Đã đồng bộ lúc ${info.at.toLocaleTimeString("vi-VN")}`;
    if (info.sent > 0) await afterSync();
  }
  else if (info.state === "failed") note.textContent = `Chưa gửi được (${info.error}); thử lại sau ${Math.round(info.retryIn / 1000)} giây`;
  else if (info.state === "signed-out") {
    // Never take the screen away in the middle of an interview; the queue waits for the next sign-in.
    note.textContent = "Cần đăng nhập lại để gửi phiếu.";
    if (screen === "home") signInView("Phiên đăng nhập đã hết hạn; hãy đăng nhập lại để gửi phiếu.");
  }
  await refreshStatus();
});

// After something was sent: the home screen says so (no longer "will be sent") and shows the server's counts.
async function afterSync() {
  if (!session) return;
  const left = (await store.outbox()).filter((e) => e.owner === session.username && e.kind === "response" && e.state === "queued");
  try {
    await loadAssignments();
  } catch {
    // the counts stay as cached; the queue is what matters here
  }
  if (screen === "home") home(left.length ? `Còn ${left.length} phiếu chờ gửi.` : "Đã gửi xong: máy chủ đã nhận mọi phiếu trên máy.");
}

async function main() {
  setNetwork();
  window.addEventListener("online", setNetwork);
  window.addEventListener("offline", setNetwork);
  document.getElementById("sync-now").addEventListener("click", () => sync.syncNow().catch(() => {}));
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/tablet/sw.js", { scope: "/tablet/" }).catch(() => {});
  }
  // Ask the browser not to evict the queue when the tablet runs short of space.
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  store.prune().catch(() => {});
  session = await store.get("session");
  if (!session) {
    signInView();
    return;
  }
  bundle = (await store.get(`bundle:${session.username}`)) || null;
  // With a cached copy the app opens at once and refreshes it in the background.
  const refreshing = navigator.onLine ? loadAssignments() : Promise.reject(new Error("offline"));
  if (!bundle) await refreshing.catch(() => {});
  home();
  sync.start();
  refreshing.then(
    () => screen === "home" && home(),
    (error) => {
      if (error instanceof sync.SignedOut && screen === "home") signInView("Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.");
    },
  );
}

main();
