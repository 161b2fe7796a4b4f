// Rendering an instrument as an interview form, and reading the answers back.
// Item types: scale_1_5, single_choice (radio buttons), multiple_choice (checkboxes), score_0_100
// and integer (a whole number within bounds), free_text. Items hidden on the tablet channel are left out.
// The form is paginated by section: one page per section, the volunteer moves with Back / Next.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

const RESPONDENT_TYPES = { person: "Người dân", organisation: "Tổ chức" };

function itemField(item, n) {
  const id = `q-${n}`;
  const legend = h("legend", { id: `${id}-label` }, item.text, item.required ? " (bắt buộc)" : "");
  const set = h("fieldset", { class: "item", id: `item-${id}`, dataset: { item: item.code, type: item.type } }, legend);
  if (item.type === "scale_1_5" || item.type === "single_choice" || item.type === "multiple_choice") {
    const kind = item.type === "multiple_choice" ? "checkbox" : "radio";
    item.options.forEach((option, k) => {
      const input = h("input", { type: kind, name: id, id: `${id}-${k}`, value: option.value });
      set.append(h("label", { class: "choice", for: `${id}-${k}` }, input, option.label));
    });
  } else if (item.type === "score_0_100" || item.type === "integer") {
    const [low, high] = bounds(item);
    set.append(
      h("label", { class: "field", for: id }, `Số từ ${low} đến ${high}`,
        h("input", { type: "number", id, name: id, min: low, max: high, step: 1, inputmode: "numeric" })),
    );
  } else {
    set.append(h("label", { class: "field", for: id }, "Câu trả lời", h("textarea", { id, name: id, rows: 3 })));
  }
  return set;
}

const bounds = (item) => (item.type === "integer" ? [item.min, item.max] : [0, 100]);
const shown = (item) => !(item.hidden_on || []).includes("tablet");

// The form of an instrument: one page per section, every item with a label the volunteer reads aloud.
export function renderForm(instrument) {
  const form = h("form", { class: "interview", novalidate: true });
  if (instrument.respondent_types.length > 1) {
    const set = h("fieldset", { class: "item", dataset: { item: "respondent_type", type: "respondent" } },
      h("legend", {}, "Người trả lời là"));
    instrument.respondent_types.forEach((type, k) => {
      const input = h("input", { type: "radio", name: "respondent_type", id: `rt-${k}`, value: type, checked: k === 0 });
      set.append(h("label", { class: "choice", for: `rt-${k}` }, input, RESPONDENT_TYPES[type] || type));
    });
    form.append(set);
  }
  const items = new Map(instrument.items.map((item) => [item.code, item]));
  let n = 0;
  for (const section of instrument.sections) {
    const fields = section.items.map((code) => items.get(code)).filter(shown);
    if (!fields.length) continue;
    const page = h("section", { class: "page", dataset: { page: form.querySelectorAll("section.page").length } },
      h("h2", { class: "section-title", tabindex: -1 }, section.title));
    for (const item of fields) page.append(itemField(item, n++));
    form.append(page);
  }
  // Skip logic: an item whose condition is not met is hidden (and not read) until an answer meets it.
  const settle = () => {
    const given = readForm(form, instrument, false).answers;
    for (const item of instrument.items) {
      const set = item.shown_if && form.querySelector(`fieldset[data-item="${CSS.escape(item.code)}"]`);
      if (set) set.hidden = !conditionMet(item.shown_if, given);
    }
  };
  form.addEventListener("change", settle);
  form.settle = settle;
  settle();
  const first = form.querySelector("section.page");
  const respondent = form.querySelector(':scope > fieldset[data-item="respondent_type"]');
  if (first && respondent) first.querySelector("h2").after(respondent);
  return form;
}

// The answers given, and the items still to fix (required and unanswered, or out of range: the item
// objects, so that the volunteer is told their questions in words); with mark, they are outlined.
export function readForm(form, instrument, mark = true, skip = true) {
  const answers = {};
  const missing = [];
  for (const item of instrument.items) {
    const set = form.querySelector(`fieldset[data-item="${CSS.escape(item.code)}"]`);
    if (!set) continue;
    // An item skipped by an earlier answer is neither required nor sent (the server refuses its answer).
    if (skip && item.shown_if && !conditionMet(item.shown_if, answers)) continue;
    let value = null;
    if (item.type === "multiple_choice") {
      const checked = [...set.querySelectorAll("input:checked")].map((i) => Number(i.value));
      value = checked.length ? checked : null;
    } else if (item.type === "scale_1_5" || item.type === "single_choice") {
      const checked = set.querySelector("input:checked");
      value = checked ? Number(checked.value) : null;
    } else if (item.type === "score_0_100" || item.type === "integer") {
      const raw = set.querySelector("input").value.trim();
      const [low, high] = bounds(item);
      value = raw === "" ? null : Number(raw);
      if (value !== null && !(Number.isInteger(value) && value >= low && value <= high)) {
        missing.push(item);
        set.classList.toggle("missing", mark);
        continue;
      }
    } else {
      const raw = set.querySelector("textarea").value.trim();
      value = raw === "" ? null : raw;
    }
    if (mark) set.classList.remove("missing");
    if (value !== null) answers[item.code] = value;
    else if (item.required) {
      missing.push(item);
      if (mark) set.classList.add("missing");
    }
  }
  const type = form.querySelector('input[name="respondent_type"]:checked');
  return { answers, missing, respondentType: type ? type.value : instrument.respondent_types[0] };
}

// Whether the answers given so far meet an item's condition (``shown_if`` of the instrument document).
export function conditionMet(condition, answers) {
  const answer = answers[condition.item];
  if (answer === undefined || answer === null) return false;
  if (!condition.any_of) return true;
  return (Array.isArray(answer) ? answer : [answer]).some((value) => condition.any_of.includes(value));
}

// Put saved answers back into a rendered form (resuming an interview left half-way).
export function fillForm(form, instrument, answers, respondentType) {
  for (const item of instrument.items) {
    if (!(item.code in answers)) continue;
    const set = form.querySelector(`fieldset[data-item="${CSS.escape(item.code)}"]`);
    if (!set) continue;
    const value = answers[item.code];
    if (item.type === "score_0_100" || item.type === "integer") set.querySelector("input").value = value;
    else if (item.type === "free_text") set.querySelector("textarea").value = value;
    else {
      const chosen = Array.isArray(value) ? value : [value];
      for (const input of set.querySelectorAll("input")) input.checked = chosen.includes(Number(input.value));
    }
  }
  const type = form.querySelector(`input[name="respondent_type"][value="${respondentType}"]`);
  if (type) type.checked = true;
  if (form.settle) form.settle();
}
