// 错题本 practice: send the answer, then (and only then) the server shows the key.
(() => {
  const root = document.getElementById("wrong-book");
  if (!root) return;
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-check]");
    if (!button) return;
    const card = button.closest(".question-card");
    const chosen = [...card.querySelectorAll("input")].filter((i) => i.checked).map((i) => Number(i.value));
    if (!chosen.length) return;
    const response = await fetch(card.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify({ chosen }),
    });
    const data = await response.json();
    const box = card.querySelector(".feedback");
    box.hidden = false;
    if (!data.ok) { box.textContent = data.error; return; }
    const letters = data.key.map((i) => "ABCDEFGH"[i]).join("");
    box.textContent = data.correct ? root.dataset.msgRight : `${root.dataset.msgWrong}${letters}`;
    if (data.explanation) box.textContent += `  ${data.explanation}`;
    if (data.mastered) box.textContent += `  ${root.dataset.msgMastered}`;
    box.className = `feedback ${data.correct ? "right" : "wrong"}`;
    card.querySelectorAll(".answer-options li").forEach((li, i) => li.classList.toggle("key", data.key.includes(i)));
    button.disabled = true;
  });
})();
