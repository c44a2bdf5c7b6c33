// A table wider than the screen scrolls inside its .table-scroll box; such a box is made
// reachable by keyboard (tabindex=0, named after its table) only while it actually scrolls,
// so a desk-width page gets no extra tab stops (an external file: the CSP allows no inline script).
(() => {
  const update = () => {
    for (const box of document.querySelectorAll(".table-scroll")) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", box.dataset.label || document.title.split(" · ")[0]);
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  };
  update();
  window.addEventListener("resize", update);
})();
