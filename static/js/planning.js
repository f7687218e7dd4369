// Planning pages: ask before publishing (buttons with data-confirm; without JavaScript the action goes ahead),
// and when a plan finishes solving, show its review.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  var box = document.getElementById("job");
  if (!box || !box.dataset.doneUrl) return;
  document.addEventListener("job:finished", function () {
    window.location.assign(box.dataset.doneUrl);
  });
})();
