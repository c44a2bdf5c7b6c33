// Large question files: upload with a progress bar, then show the server's report in place.
(() => {
  const form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest) return;
  const box = document.getElementById("import-progress");
  const bar = box.querySelector("progress");
  const label = box.querySelector("span");
  form.addEventListener("submit", (event) => {
    if (!form.querySelector("input[type=file]").files.length) return; // let the server say so
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    box.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((e.loaded / e.total) * 100);
      bar.value = pct;
      label.textContent = label.dataset.labelUpload.replace("__P__", pct);
    });
    xhr.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the server checks every item
      label.textContent = label.dataset.labelCheck;
    });
    xhr.addEventListener("load", () => {
      document.open();
      document.write(xhr.responseText);
      document.close();
      history.replaceState(null, "", form.action);
    });
    xhr.addEventListener("error", () => form.submit());
    xhr.send(new FormData(form));
  });
})();
