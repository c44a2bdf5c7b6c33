// The exam editor's rule rows: add and remove rows, and a live check of each row against
// today's bank (how many items it could draw), asked of the server whenever the row, the
// exam's type or its level changes. Without this script the form still works with its rows.
(() => {
  const table = document.getElementById("rule-rows");
  if (!table) return;
  const form = table.closest("form");
  const body = table.tBodies[0];
  const max = Number(table.dataset.max || 30);
  const addButton = document.getElementById("add-rule");
  const INDEX = /rules-\d+-/;
  const texts = table.dataset;
  const timers = new WeakMap();

  form.querySelectorAll("[data-js-only]").forEach((el) => (el.hidden = false));

  const rows = () => [...body.querySelectorAll("tr[data-rule-row]")];

  function renumber() {
    const all = rows();
    all.forEach((row, i) => {
      row.querySelectorAll("[data-n]").forEach((el) => (el.textContent = String(i + 1)));
      row.querySelector("[data-remove-rule]").disabled = all.length <= 1;
    });
    addButton.disabled = all.length >= max;
  }

  function nextIndex() {
    let highest = -1;
    body.querySelectorAll("[name^='rules-']").forEach((el) => {
      highest = Math.max(highest, Number(el.name.split("-")[1]));
    });
    return highest + 1;
  }

  function addRow() {
    if (rows().length >= max) return;
    const index = nextIndex();
    const row = rows()[rows().length - 1].cloneNode(true);
    const renamed = (value) => value.replace(INDEX, `rules-${index}-`);
    row.querySelectorAll("[name]").forEach((el) => {
      el.name = renamed(el.name);
      el.id = renamed(el.id);
      if (el.tagName === "SELECT") el.selectedIndex = 0;
      else el.value = el.defaultValue = el.name.endsWith("difficulty_min") ? "1"
        : el.name.endsWith("difficulty_max") ? "5" : "";
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll("label[for]").forEach((el) => (el.htmlFor = renamed(el.htmlFor)));
    row.querySelectorAll(".error").forEach((el) => el.remove());
    row.classList.remove("problem");
    row.querySelector("[data-supply]").textContent = "";
    body.appendChild(row);
    renumber();
    row.querySelector("[name$='-count']").focus();
  }

  function query(row) {
    const params = new URLSearchParams();
    params.set("mode", form.querySelector("[name=mode]").value);
    params.set("level", form.querySelector("[name=level]").value);
    row.querySelectorAll("[name]").forEach((el) => params.set(el.name.replace(INDEX, ""), el.value));
    return params;
  }

  async function check(row) {
    const out = row.querySelector("[data-supply]");
    const params = query(row);
    if (!Number(params.get("count")) && !params.get("item_ids").trim()) {
      out.textContent = "";
      row.classList.remove("problem");
      return;
    }
    try {
      const response = await fetch(`${table.dataset.supplyUrl}?${params}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok || !data.ok) throw new Error(data.error || response.status);
      const short = data.available < data.needed;
      const text = short ? texts.shortText : texts.supplyText;
      out.textContent = text.replace("{n}", data.available).replace("{need}", data.needed);
      row.classList.toggle("problem", short);
    } catch (error) {
      out.textContent = texts.failedText;
    }
  }

  function later(row) {
    clearTimeout(timers.get(row));
    timers.set(row, setTimeout(() => check(row), 300));
  }

  body.addEventListener("input", (event) => later(event.target.closest("tr")));
  body.addEventListener("change", (event) => later(event.target.closest("tr")));
  body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-rule]");
    if (!button || rows().length <= 1) return;
    const row = button.closest("tr");
    const focusNext = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    focusNext.querySelector("[name$='-count']").focus();
  });
  addButton.addEventListener("click", addRow);
  ["mode", "level"].forEach((name) =>
    form.querySelector(`[name=${name}]`).addEventListener("change", () => rows().forEach(check)),
  );
  renumber();
  rows().forEach(check);
})();
