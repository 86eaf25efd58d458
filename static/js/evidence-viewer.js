// The evidence viewer: a link marked data-evidence-viewer (a photo) opens in a <dialog> on the
// page instead of leaving it — a large photo as the reduced copy made on upload (data-view),
// not the camera's original — with its title and a 下载原件 link (data-download). Closed by its
// button, by Esc (the dialog's own) or by a tap beside the picture. Without JavaScript, or in
// a browser without <dialog>, the link opens the photo in the browser as before: the server
// serves it inline either way.
(function () {
  "use strict";
  const dialog = document.getElementById("evidence-viewer");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const image = dialog.querySelector(".evidence-viewer-image");
  const title = dialog.querySelector("#evidence-viewer-title");
  const download = dialog.querySelector(".evidence-viewer-download");

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-evidence-viewer]");
    // A click with a modifier (new tab, new window) keeps its usual meaning.
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    title.textContent = link.dataset.title || "";
    image.alt = link.dataset.title || "";
    image.src = link.dataset.view || link.href;
    download.href = link.dataset.download || link.href;
    dialog.showModal();
  });

  dialog.querySelector("[data-evidence-viewer-close]").addEventListener("click", () => {
    dialog.close();
  });
  // A click on the backdrop lands on the dialog itself, outside its bar and picture.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => {
    image.removeAttribute("src");
  });
})();
