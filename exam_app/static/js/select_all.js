// "Select all on this page" for the bank's bulk actions.
(() => {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll("#bulk-form input[name=ids]").forEach((box) => {
      box.checked = all.checked;
    });
  });
})();
