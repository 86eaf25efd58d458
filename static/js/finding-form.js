// The finding form's category select offers only the chosen review's categories. The
// server groups the categories by review (<optgroup data-review="…">); without JavaScript
// the button "按所选检查更新类别" asks the server for the same.
(function () {
  "use strict";

  function setup(categories) {
    const review = document.getElementById(categories.dataset.reviewSelect);
    if (!review) return;
    const groups = Array.from(categories.querySelectorAll("optgroup[data-review]"));

    function show() {
      const chosen = categories.value;
      const wanted = review.value ? groups.filter((g) => g.dataset.review === review.value) : groups;
      groups.forEach((g) => g.remove());
      wanted.forEach((g) => categories.appendChild(g));
      const kept = chosen && wanted.some((g) => g.querySelector(`option[value="${CSS.escape(chosen)}"]`));
      categories.value = kept ? chosen : "";
    }

    review.addEventListener("change", show);
    // A category chosen before its review chooses the review too.
    categories.addEventListener("change", () => {
      const option = categories.selectedOptions[0];
      const group = option && option.parentElement;
      if (!review.value && group && group.dataset.review) {
        review.value = group.dataset.review;
        show();
      }
    });
    show();
  }

  document.querySelectorAll("select[data-review-select]").forEach(setup);
})();
