// Rows of a Django formset (measures, units): add, remove and reorder in the page.
// Without JavaScript the same form works through its "add" submit button, the order
// numbers and the delete checkboxes; this script only makes it quicker.
(function () {
  "use strict";

  function setup(fieldset) {
    const prefix = fieldset.dataset.prefix;
    const rows = fieldset.querySelector("[data-rows]");
    const template = fieldset.querySelector("template[data-empty-row]");
    const total = fieldset.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    fieldset.classList.add("js-enabled");

    function liveRows() {
      return Array.from(rows.querySelectorAll("[data-row]")).filter((r) => !r.hidden);
    }

    function renumber() {
      liveRows().forEach((row, i) => {
        const order = row.querySelector("input[name$='-ORDER']");
        if (order) order.value = i + 1;
        const ordinal = row.querySelector(".row-ordinal");
        if (ordinal) ordinal.textContent = i + 1;
      });
    }

    fieldset.querySelector("[data-add]").addEventListener("click", (event) => {
      event.preventDefault();
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      renumber();
      const added = rows.lastElementChild.querySelector("textarea, select, input:not([type=hidden])");
      if (added) added.focus();
    });

    rows.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      const row = button.closest("[data-row]");
      if (button.hasAttribute("data-remove")) {
        const del = row.querySelector("input[name$='-DELETE']");
        if (del) del.checked = true;
        row.hidden = true;
      } else if (button.dataset.move === "up") {
        const prev = liveRows()[liveRows().indexOf(row) - 1];
        if (prev) rows.insertBefore(row, prev);
      } else if (button.dataset.move === "down") {
        const next = liveRows()[liveRows().indexOf(row) + 1];
        if (next) rows.insertBefore(next, row);
      } else {
        return;
      }
      event.preventDefault();
      renumber();
    });

    // Rows already marked for deletion (after a failed save) stay hidden.
    rows.querySelectorAll("input[name$='-DELETE']:checked").forEach((input) => {
      input.closest("[data-row]").hidden = true;
    });
    renumber();
  }

  document.querySelectorAll("fieldset.formset[data-prefix]").forEach(setup);
})();
