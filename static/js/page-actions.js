// Behaviour that templates used to give in on*="" attributes, which the Content-Security-Policy
// (script-src 'self', rectify/settings.py) does not run: a button with data-print prints the
// page; a select with data-autosubmit sends its form when it changes (the language switch).
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
    }
  });
})();
