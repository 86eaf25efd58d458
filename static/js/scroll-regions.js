// A table wider than its box scrolls inside it (.table-responsive); keyboard users can scroll it
// only if it takes focus (WCAG 2.1.1). Such boxes become focusable regions named after their
// card's header, and stop being so when the window grows wide enough to show the whole table.
(function () {
  "use strict";
  function label(box) {
    const card = box.closest(".card");
    const header = card && card.querySelector(".card-header");
    const table = box.querySelector("table");
    const caption = table && table.querySelector("caption");
    if (caption) {
      return caption.textContent.trim();
    }
    // The header's own words, without the note in its <span>.
    const first = header && header.firstChild;
    const own = first && first.nodeType === Node.TEXT_NODE ? first.textContent.trim() : "";
    return own || (header ? header.textContent.trim() : "");
  }
  function update() {
    document.querySelectorAll(".table-responsive").forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        const name = label(box);
        const named = Boolean(name) && !box.hasAttribute("aria-label");
        if (named) {
          box.setAttribute("aria-label", name);
        }
        box.dataset.scrollRegion = named ? "named" : "";
      } else if (!scrolls && box.dataset.scrollRegion !== undefined) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        if (box.dataset.scrollRegion === "named") {
          box.removeAttribute("aria-label");
        }
        delete box.dataset.scrollRegion;
      }
    });
  }
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(update, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
