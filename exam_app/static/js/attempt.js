// The attempt page. Every answer is saved the moment it is given; until the server confirms it,
// it waits in a queue kept in localStorage, so a lost connection, a reload or a crashed browser
// loses nothing: the queue is retried until it drains. The server owns the clock; this page
// only shows it. A save is based on the revision this page last saw, so a second tab with a
// stale view cannot overwrite a newer answer (the server answers 409 with the newer one).
// Practice shows the key once an answer is final, and a final answer cannot change: single
// choice and true/false are final on the click, multiple choice when "确认答案" is pressed.
(() => {
  const root = document.getElementById("attempt");
  if (!root) return;
  const d = root.dataset;
  const practice = d.practice === "1";
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const storeKey = `attempt:${d.attempt}:queue`;
  const cards = new Map([...root.querySelectorAll(".question-card")].map((c) => [c.dataset.position, c]));
  const stateBox = document.getElementById("save-state");
  const submitForm = document.getElementById("submit-form");
  const confirmBox = document.getElementById("submit-confirm");
  let queue = JSON.parse(localStorage.getItem(storeKey) || "{}"); // position -> pending answer
  let flushing = false;
  let retryDelay = 2000;
  let deadline = Date.now() + Number(d.remaining) * 1000;
  let finished = false;

  const persist = () => localStorage.setItem(storeKey, JSON.stringify(queue));
  const pendingCount = () => Object.keys(queue).length;

  function chosenOf(card) {
    return [...card.querySelectorAll(".answer-options input")].filter((i) => i.checked).map((i) => Number(i.value));
  }

  function showState(text, kind) {
    stateBox.textContent = text;
    stateBox.className = `save-state ${kind || ""}`;
  }

  function refreshNavigator() {
    let answered = 0;
    cards.forEach((card, pos) => {
      const has = chosenOf(card).length > 0;
      answered += has ? 1 : 0;
      const nav = root.querySelector(`[data-nav="${pos}"]`);
      nav.classList.toggle("answered", has);
      nav.classList.toggle("flagged", card.querySelector("[data-flag]").checked);
      nav.classList.toggle("pending", pos in queue);
    });
    document.getElementById("answered-count").textContent = answered;
    document.getElementById("answered-bar").value = answered;
    if (!confirmBox.hidden) fillConfirmation(); // answered from its links: keep it true
  }

  function applyToCard(card, chosen, flagged) {
    card.querySelectorAll(".answer-options input").forEach((i) => { i.checked = chosen.includes(Number(i.value)); });
    card.querySelector("[data-flag]").checked = !!flagged;
  }

  // Practice: while an answer is being made final (or is), its options cannot change.
  function lockCard(card, locked) {
    card.querySelectorAll(".answer-options input").forEach((i) => { i.disabled = locked; });
    const confirm = card.querySelector("[data-confirm-answer]");
    if (confirm) confirm.disabled = locked || !chosenOf(card).length;
  }

  function markFinal(card) {
    card.dataset.final = "1";
    lockCard(card, true);
    const row = card.querySelector(".confirm-answer");
    if (row) row.hidden = true;
  }

  function enqueue(card, confirm = false) {
    const pos = card.dataset.position;
    const waiting = queue[pos];
    queue[pos] = {
      position: Number(pos), chosen: chosenOf(card), flagged: card.querySelector("[data-flag]").checked,
      base_revision: Number(card.dataset.revision), stamp: Date.now(),
      confirm: confirm || Boolean(waiting && waiting.confirm), // a flag change keeps the confirmation
    };
    persist();
    refreshNavigator();
    flush();
  }

  function showFeedback(card, feedback) {
    markFinal(card);
    const box = card.querySelector(".feedback");
    box.hidden = false;
    if (feedback.withheld) {
      box.textContent = d.msgWithheld;
      box.className = "feedback";
      return;
    }
    const letters = feedback.key.map((i) => "ABCDEFGH"[i]).join("");
    box.textContent = feedback.correct ? d.msgRight : `${d.msgWrong}${letters}`;
    if (feedback.explanation) box.textContent += `  ${feedback.explanation}`;
    if (feedback.clause_url) {
      const link = document.createElement("a");
      link.href = feedback.clause_url;
      link.target = "_blank";
      link.dataset.testid = "clause-link";
      link.textContent = ` ${d.msgClause}${feedback.source}`;
      box.appendChild(link);
    } else if (feedback.source) {
      box.textContent += `（${feedback.source}）`;
    }
    box.className = `feedback ${feedback.correct ? "right" : "wrong"}`;
    card.querySelectorAll(".answer-options li").forEach((li, i) => li.classList.toggle("key", feedback.key.includes(i)));
  }

  async function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    });
  }

  async function flush() {
    if (flushing || finished) return;
    flushing = true;
    try {
      while (pendingCount()) {
        const pos = Object.keys(queue)[0];
        const entry = queue[pos];
        showState(d.msgSaving, "saving");
        let response;
        let savedAt = null;
        try {
          response = await post(d.answerUrl, entry);
        } catch (err) {
          throw new Error("offline");
        }
        if (response.status >= 500) throw new Error("server");
        const data = await response.json();
        const card = cards.get(pos);
        if (response.ok) {
          const next = queue[pos];
          // A change made while this one was on its way was based on it, not on another tab.
          if (next && next.stamp !== entry.stamp && next.base_revision === entry.base_revision) {
            next.base_revision = data.revision;
          }
          card.dataset.revision = data.revision;
          savedAt = data.saved_at_local;
          if (data.feedback) showFeedback(card, data.feedback);
          else if (data.final) markFinal(card);
        } else if (response.status === 409) {
          card.dataset.revision = data.revision;
          applyToCard(card, data.chosen, data.flagged);
          if (practice && card.dataset.final !== "1") lockCard(card, false);
          showState(data.error, "conflict");
        } else if (response.status === 423 && data.closed) {
          return finish();
        } else {
          if (practice && card.dataset.final !== "1") lockCard(card, false);
          showState(data.error || response.statusText, "conflict");
        }
        if (queue[pos] && queue[pos].stamp === entry.stamp) delete queue[pos]; // a newer one may wait
        // "Saved" only once nothing waits: it must never be shown over an answer not yet sent.
        if (savedAt && !pendingCount()) showState(d.msgSaved.replace("__T__", savedAt), "saved");
        persist();
        refreshNavigator();
        retryDelay = 2000;
      }
    } catch (err) {
      showState(d.msgOffline.replace("__N__", pendingCount()), "offline");
      setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    } finally {
      flushing = false;
    }
  }

  function finish() {
    finished = true;
    localStorage.removeItem(storeKey);
    window.location.href = d.resultUrl;
  }

  function tick() {
    const left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    document.getElementById("countdown").textContent =
      `${h ? `${h}:` : ""}${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
    root.classList.toggle("urgent", left < 300);
    if (left === 0 && !finished) {
      // The server grades from what it holds; give queued answers a moment, then go.
      flush().finally(() => setTimeout(() => { if (!pendingCount()) finish(); }, 1500));
    }
  }

  async function heartbeat(visible) {
    try {
      const response = await post(d.heartbeatUrl, visible === undefined ? {} : { visible });
      if (response.status === 423) return finish();
      const data = await response.json();
      if (data.ok) deadline = Date.now() + data.remaining * 1000; // extra time shows at once
    } catch (err) { /* offline: the next beat reports the gap */ }
  }

  root.addEventListener("change", (event) => {
    const card = event.target.closest(".question-card");
    if (!card) return;
    if (practice && !event.target.matches("[data-flag]")) {
      // single choice, true/false: this click is the answer; multiple choice waits for 确认答案
      lockCard(card, card.dataset.type !== "multiple");
    }
    enqueue(card);
  });
  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm-answer]");
    if (!button) return;
    const card = button.closest(".question-card");
    if (!chosenOf(card).length) return;
    lockCard(card, true);
    enqueue(card, true);
  });
  // 交卷 first shows what is left: the unanswered and flagged questions by number, each a link
  // to its card; 确认交卷 then sends what waits and hands the paper in.
  function fillList(name, positions) {
    const row = confirmBox.querySelector(`[data-list="${name}"]`);
    const links = row.querySelector(".question-links");
    links.replaceChildren(...positions.map((pos) => {
      const a = document.createElement("a");
      a.href = `#q${pos}`;
      a.textContent = pos;
      return a;
    }));
    row.hidden = positions.length === 0;
  }
  function fillConfirmation() {
    const all = [...cards.keys()];
    const unanswered = all.filter((pos) => !chosenOf(cards.get(pos)).length);
    const flagged = all.filter((pos) => cards.get(pos).querySelector("[data-flag]").checked);
    fillList("unanswered", unanswered);
    fillList("flagged", flagged);
    confirmBox.querySelector("[data-summary]").textContent = d.msgSummary
      .replace("__N__", all.length).replace("__U__", unanswered.length).replace("__F__", flagged.length);
  }
  function showConfirmation() {
    fillConfirmation();
    confirmBox.hidden = false;
    confirmBox.focus();
  }
  async function submitNow() {
    await flush();
    if (pendingCount()) { showState(d.msgOffline.replace("__N__", pendingCount()), "offline"); return; }
    finished = true;
    localStorage.removeItem(storeKey);
    submitForm.submit();
  }
  submitForm.addEventListener("submit", (event) => {
    event.preventDefault();
    showConfirmation();
  });
  confirmBox.querySelector("[data-submit-confirmed]").addEventListener("click", submitNow);
  confirmBox.querySelector("[data-submit-cancel]").addEventListener("click", () => { confirmBox.hidden = true; });
  document.addEventListener("visibilitychange", () => heartbeat(!document.hidden));
  window.addEventListener("online", flush);
  window.addEventListener("beforeunload", (event) => { if (pendingCount() && !finished) event.preventDefault(); });

  // Answers given before a reload or crash and not yet confirmed: show them, then send them.
  Object.values(queue).forEach((entry) => {
    const card = cards.get(String(entry.position));
    if (!card) return;
    applyToCard(card, entry.chosen, entry.flagged);
    if (practice && (entry.confirm || card.dataset.type !== "multiple") && entry.chosen.length) lockCard(card, true);
  });
  refreshNavigator();
  tick();
  setInterval(tick, 1000);
  setInterval(() => heartbeat(), 20000);
  flush();
})();
