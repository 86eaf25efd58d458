// A form that is being sent cannot be sent again: its submit buttons wait, the clicked one
// saying so ("提交中…", from the script tag's data-busy-text, translated in the template).
// What keeps a form from saving twice is the server (issues/submissions.py); this only spares
// the user a second click and the "already submitted" answer. Coming back with the back button
// makes the buttons usable again, and the form keeps its token. A form with data-no-once is
// left alone.
(function () {
  "use strict";
  const script = document.currentScript;
  const busyText = (script && script.dataset.busyText) || "…";

  function submitButtons(form) {
    // form.elements also holds the buttons outside the form that name it (form="…").
    return Array.from(form.elements).filter(
      (el) => (el.tagName === "BUTTON" || el.tagName === "INPUT") && el.type === "submit"
    );
  }

  function showBusy(button) {
    button.style.minWidth = `${button.offsetWidth}px`; // the shorter text must not shift the row
    if (button.tagName === "INPUT") {
      button.dataset.onceLabel = button.value;
      button.value = busyText;
      return;
    }
    button.dataset.onceLabel = button.innerHTML;
    const spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm me-1";
    spinner.setAttribute("aria-hidden", "true");
    button.replaceChildren(spinner, document.createTextNode(busyText));
  }

  function wait(form, submitter) {
    form.dataset.onceSending = "1";
    form.setAttribute("aria-busy", "true");
    // After this event: the browser has already taken the clicked button's name and value
    // (which a disabled button would not send) into what it submits.
    window.setTimeout(() => {
      if (form.dataset.onceSending !== "1") return;
      submitButtons(form).forEach((button) => {
        if (button.disabled) return; // disabled by the page itself: stays so afterwards
        button.disabled = true;
        button.dataset.onceDisabled = "1";
      });
      const busy = submitter || submitButtons(form)[0];
      if (busy) showBusy(busy);
    }, 0);
  }

  function release(form) {
    delete form.dataset.onceSending;
    form.removeAttribute("aria-busy");
    submitButtons(form).forEach((button) => {
      if (button.dataset.onceLabel !== undefined) {
        if (button.tagName === "INPUT") button.value = button.dataset.onceLabel;
        else button.innerHTML = button.dataset.onceLabel;
        delete button.dataset.onceLabel;
        button.style.minWidth = "";
      }
      if (button.dataset.onceDisabled) {
        button.disabled = false;
        delete button.dataset.onceDisabled;
      }
    });
  }

  // The back button may load the page anew instead of showing the kept one (no back/forward
  // cache): the server then renders new tokens, and the form sent again would look new. So
  // each history entry keeps the tokens its page first had (history.state), and a page
  // reached again through back/forward takes them back: the server recognises the form.
  const tokens = Array.from(document.querySelectorAll("input[name=once]"));
  if (tokens.length) {
    const state = history.state && typeof history.state === "object" ? history.state : {};
    const kept = state.onceTokens;
    const navigation = performance.getEntriesByType("navigation")[0];
    const returning = navigation && navigation.type === "back_forward";
    if (returning && Array.isArray(kept) && kept.length === tokens.length) {
      tokens.forEach((input, i) => {
        input.value = kept[i];
      });
    } else {
      history.replaceState({ ...state, onceTokens: tokens.map((input) => input.value) }, "");
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    // Cancelled by the page (a confirm() answered "no"): not sent. (formset.js's row buttons
    // cancel their click, so they never get here.)
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if (form.method !== "post" || form.hasAttribute("data-no-once")) return;
    if (form.target && form.target !== "_self") return; // the page stays: nothing to wait for
    if (form.dataset.onceSending === "1") {
      event.preventDefault(); // a second click or Enter while the first is on its way
      return;
    }
    wait(form, event.submitter);
  });

  // The back/forward cache shows the page as it was left, buttons waiting: free them.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-once-sending]").forEach(release);
  });
})();
