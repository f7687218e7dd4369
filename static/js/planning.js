// When a plan finishes solving, show its review: the run page reloads itself into the review.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !box.dataset.doneUrl) return;
  document.addEventListener("job:finished", function () {
    window.location.assign(box.dataset.doneUrl);
  });
})();
