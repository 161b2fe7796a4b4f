// Progressive enhancement of the respondent form: one section at a time, with progress and inline
// errors. Without JavaScript the same form works as one page with a plain POST.
(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  skipLogic(form);
  if (steps.length < 2) return;

  var d = form.dataset;
  var send = document.getElementById("send");
  var nav = send.parentNode;
  var back = button(d.back, "secondary");
  var next = button(d.next, "");
  nav.insertBefore(back, send);
  nav.insertBefore(next, send);
  var progress = document.createElement("progress");
  progress.max = steps.length;
  var label = document.createElement("p");
  label.id = "progress-label";
  label.setAttribute("aria-live", "polite");
  progress.setAttribute("aria-labelledby", "progress-label");
  form.insertBefore(label, form.firstChild);
  form.insertBefore(progress, label);

  var current = 0;
  var firstInvalid = form.querySelector("[aria-invalid=true]");
  if (firstInvalid) current = Math.max(0, steps.findIndex(function (s) { return s.contains(firstInvalid); }));

  function button(text, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (cls) b.className = cls;
    return b;
  }

  function show(index, focusHeading) {
    current = index;
    steps.forEach(function (step, i) { step.hidden = i !== index; });
    progress.value = index + 1;
    label.textContent = d.progress.replace("{current}", index + 1).replace("{total}", steps.length);
    back.hidden = index === 0;
    next.hidden = index === steps.length - 1;
    send.hidden = index !== steps.length - 1;
    if (focusHeading) {
      var heading = steps[index].querySelector("h2");
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  function answered(question) {
    var fields = question.querySelectorAll("input, textarea");
    return Array.prototype.some.call(fields, function (f) {
      return f.type === "radio" || f.type === "checkbox" ? f.checked : f.value.trim() !== "";
    });
  }

  // A number outside its bounds (or not whole) is wrong even when the question is optional.
  function problem(question) {
    var number = question.querySelector("input[type=number]");
    if (number && number.value.trim() !== "") {
      var value = Number(number.value);
      var low = Number(number.min), high = Number(number.max);
      var bad = !Number.isInteger(value) || (number.min !== "" && value < low) || (number.max !== "" && value > high);
      if (bad) return question.dataset.rangeMessage || d.requiredMessage;
    }
    if (question.hasAttribute("data-required") && !answered(question)) return d.requiredMessage;
    return "";
  }

  function mark(question, message) {
    var error = question.querySelector(".error");
    var fields = question.querySelectorAll("input, textarea");
    question.classList.toggle("invalid", !!message);
    Array.prototype.forEach.call(fields, function (f) {
      if (message) f.setAttribute("aria-invalid", "true"); else f.removeAttribute("aria-invalid");
    });
    if (error) { error.textContent = message; error.hidden = !message; }
  }

  function valid(step) {
    var first = null;
    step.querySelectorAll(".q[data-required], .q[data-range-message]").forEach(function (q) {
      var message = q.hidden ? "" : problem(q);
      mark(q, message);
      if (message && !first) first = q.querySelector("input, textarea");
    });
    if (first) first.focus();
    return !first;
  }

  // An error goes away as soon as the answer is given (a click on an option, a key typed), never on blur:
  // clearing it when the field loses focus moved the "Next" button away from under the finger, so the
  // first tap after an error did nothing.
  function settle(event) {
    var q = event.target.closest(".q");
    if (q && q.classList.contains("invalid") && !problem(q)) mark(q, "");
  }
  form.addEventListener("input", settle);
  back.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { if (valid(steps[current])) show(current + 1, true); });
  form.addEventListener("submit", function (event) {
    if (!valid(steps[current])) event.preventDefault();
  });
  show(current, false);

  // Skip logic: a question asked only after a given answer ("if other, please specify") shows as soon as
  // that answer is chosen and hides otherwise; a hidden question's fields are disabled, so they are neither
  // checked nor sent. Without JavaScript every question shows, with its condition written next to it.
  function skipLogic(form) {
    var dependent = Array.prototype.slice.call(form.querySelectorAll(".q[data-shown-if]"));
    if (!dependent.length) return;
    function given(code) {
      var values = [];
      Array.prototype.forEach.call(form.elements, function (f) {
        if (f.name !== "a:" + code || f.disabled) return;
        if ((f.type === "radio" || f.type === "checkbox") ? f.checked : f.value.trim() !== "") values.push(f.value.trim());
      });
      return values;
    }
    function update() {
      dependent.forEach(function (q) {
        var wanted = q.dataset.shownIfValues ? q.dataset.shownIfValues.split(" ") : null;
        var values = given(q.dataset.shownIf);
        var met = wanted ? values.some(function (v) { return wanted.indexOf(v) >= 0; }) : values.length > 0;
        q.hidden = !met;
        Array.prototype.forEach.call(q.querySelectorAll("input, textarea"), function (f) { f.disabled = !met; });
      });
    }
    dependent.forEach(function (q) {
      var hint = q.querySelector(".condition");
      if (hint) hint.hidden = true;
    });
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  }
})();
