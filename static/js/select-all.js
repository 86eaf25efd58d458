// 全选: a button with data-select-all ticks every checkbox of its group ([data-select-group])
// whose value is in the button's data-values (space separated), or all of them when it has
// none; pressed again when all are ticked, it unticks them. Without JavaScript the page still
// works: the preview's button is a submit button the server answers (the same 全选), and the
// notice form's button stays hidden (its boxes are ticked one by one).
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const group = button.closest("[data-select-group]");
      if (!group) return;
      const values = (button.dataset.values || "").split(" ").filter(Boolean);
      const boxes = Array.from(group.querySelectorAll('input[type="checkbox"]')).filter(
        (box) => !box.dataset.selectSkip && (!values.length || values.includes(box.value))
      );
      const all = boxes.every((box) => box.checked);
      boxes.forEach((box) => {
        box.checked = !all;
      });
    });
  });
})();
