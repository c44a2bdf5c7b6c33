// The item editor: add, remove and reorder option rows, single-choice keys act like radios,
// and a live preview shows the question as an operator will see it (without the key).
(() => {
  const form = document.getElementById("item-editor");
  if (!form) return;
  const rows = document.getElementById("option-rows");
  const typeSelect = form.querySelector("#type");
  const preview = document.getElementById("preview");
  const LABELS = "ABCDEFGH";
  const MAX = 8;

  function renumber() {
    [...rows.children].forEach((row, i) => {
      row.querySelector(".label").textContent = LABELS[i];
      row.querySelectorAll("[name]").forEach((el) => {
        el.name = el.name.replace(/options-\d+-/, `options-${i}-`);
        el.id = el.id.replace(/options-\d+-/, `options-${i}-`);
      });
    });
    document.getElementById("add-option").disabled = rows.children.length >= MAX;
  }

  function addRow() {
    if (rows.children.length >= MAX) return;
    const row = rows.lastElementChild.cloneNode(true);
    row.querySelector("textarea").value = "";
    row.querySelector("input[type=checkbox]").checked = false;
    rows.appendChild(row);
    renumber();
    row.querySelector("textarea").focus();
    render();
  }

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest("li");
    if (button.hasAttribute("data-remove") && rows.children.length > 2) row.remove();
    const step = Number(button.dataset.move || 0);
    if (step < 0 && row.previousElementSibling) rows.insertBefore(row, row.previousElementSibling);
    if (step > 0 && row.nextElementSibling) rows.insertBefore(row.nextElementSibling, row);
    renumber();
    render();
  });

  rows.addEventListener("change", (event) => {
    // A single-choice item has one key: ticking one unticks the others.
    if (event.target.type === "checkbox" && event.target.checked && typeSelect.value === "single") {
      rows.querySelectorAll("input[type=checkbox]").forEach((box) => {
        if (box !== event.target) box.checked = false;
      });
    }
  });

  function showForType() {
    const judge = typeSelect.value === "judge";
    form.querySelectorAll("[data-choice-only]").forEach((el) => (el.hidden = judge));
    form.querySelectorAll("[data-judge-only]").forEach((el) => (el.hidden = !judge));
  }

  function render() {
    preview.replaceChildren();
    const stem = document.createElement("p");
    stem.className = "stem";
    stem.textContent = form.querySelector("#stem").value.trim() || preview.dataset.empty;
    preview.appendChild(stem);
    const list = document.createElement("ul");
    list.className = "answer-options";
    const kind = typeSelect.value;
    const texts = kind === "judge"
      ? [preview.dataset.true, preview.dataset.false]
      : [...rows.querySelectorAll("textarea")].map((t) => t.value.trim()).filter(Boolean);
    texts.forEach((text, i) => {
      const item = document.createElement("li");
      const input = document.createElement("input");
      input.type = kind === "multiple" ? "checkbox" : "radio";
      input.name = "preview";
      input.disabled = true;
      const label = document.createElement("label");
      label.append(input, ` ${LABELS[i]}、${text}`);
      item.appendChild(label);
      list.appendChild(item);
    });
    preview.appendChild(list);
  }

  document.getElementById("add-option").addEventListener("click", addRow);
  typeSelect.addEventListener("change", () => { showForType(); render(); });
  form.addEventListener("input", render);
  renumber();
  showForType();
  render();
})();
