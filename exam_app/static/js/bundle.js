// Polls the bundle's progress (kept in the database, so any app server answers) until it is ready.
(function () {
  const box = document.getElementById("bundle");
  if (!box) return;
  const bar = box.querySelector("progress");
  const count = box.querySelector("[data-testid=bundle-count]");
  function poll() {
    fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((p) => {
        bar.max = p.total; bar.value = p.done; count.textContent = p.done + " / " + p.total;
        if (p.status === "ready") box.querySelector("[data-testid=bundle-ready]").hidden = false;
        else if (p.status === "failed") box.querySelector("[data-testid=bundle-failed]").hidden = false;
        else setTimeout(poll, 500);
      })
      .catch(() => setTimeout(poll, 2000));
  }
  poll();
})();
