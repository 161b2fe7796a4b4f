// Rendering an instrument as an interview form, and reading the answers back.
// Item types: scale_1_5, single_choice (radio buttons), multiple_choice (checkboxes), score_0_100
// (a whole number), free_text.

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
  const legend = h("legend", {}, `${item.code}. ${item.text}`, item.required ? " *" : "");
  const set = h("fieldset", { class: "item", dataset: { item: item.code, type: item.type } }, legend);
  if (item.type === "scale_1_5" || item.type === "single_choice" || item.type === "multiple_choice") {
    const kind = item.type === "multiple_choice" ? "checkbox" : "radio";
    item.options.forEach((option, k) => {
      const input = h("input", { type: kind, name: id, id: `${id}-${k}`, value: option.value });
      set.append(h("label", { class: "choice", for: `${id}-${k}` }, input, `${option.value}. ${option.label}`));
    });
  } else if (item.type === "score_0_100") {
    set.append(
      h("label", { class: "field", for: id }, "Điểm từ 0 đến 100",
        h("input", { type: "number", id, name: id, min: 0, max: 100, step: 1, inputmode: "numeric" })),
    );
  } else {
    set.append(h("label", { class: "field", for: id }, "Câu trả lời", h("textarea", { id, name: id, rows: 3 })));
  }
  return set;
}

// The form of an instrument: sections in order, every item with a label the volunteer reads aloud.
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
    form.append(h("h2", { class: "section-title" }, section.title));
    for (const code of section.items) form.append(itemField(items.get(code), n++));
  }
  return form;
}

// The answers given, and the items still to fix (required and unanswered, or out of range);
// with mark, those items are outlined for the volunteer.
export function readForm(form, instrument, mark = true) {
  const answers = {};
  const missing = [];
  for (const item of instrument.items) {
    const set = form.querySelector(`fieldset[data-item="${CSS.escape(item.code)}"]`);
    let value = null;
    if (item.type === "multiple_choice") {
      const checked = [...set.querySelectorAll("input:checked")].map((i) => Number(i.value));
      value = checked.length ? checked : null;
    } else if (item.type === "scale_1_5" || item.type === "single_choice") {
      const checked = set.querySelector("input:checked");
      value = checked ? Number(checked.value) : null;
    } else if (item.type === "score_0_100") {
      const raw = set.querySelector("input").value.trim();
      value = raw === "" ? null : Number(raw);
      if (value !== null && !(Number.isInteger(value) && value >= 0 && value <= 100)) {
        missing.push(item.code);
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
      missing.push(item.code);
      if (mark) set.classList.add("missing");
    }
  }
  const type = form.querySelector('input[name="respondent_type"]:checked');
  return { answers, missing, respondentType: type ? type.value : instrument.respondent_types[0] };
}

// Put saved answers back into a rendered form (resuming an interview left half-way).
export function fillForm(form, instrument, answers, respondentType) {
  for (const item of instrument.items) {
    if (!(item.code in answers)) continue;
    const set = form.querySelector(`fieldset[data-item="${CSS.escape(item.code)}"]`);
    const value = answers[item.code];
    if (item.type === "score_0_100") set.querySelector("input").value = value;
    else if (item.type === "free_text") set.querySelector("textarea").value = value;
    else {
      const chosen = Array.isArray(value) ? value : [value];
      for (const input of set.querySelectorAll("input")) input.checked = chosen.includes(Number(input.value));
    }
  }
  const type = form.querySelector(`input[name="respondent_type"][value="${respondentType}"]`);
  if (type) type.checked = true;
}
