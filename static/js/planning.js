// Planning pages: ask before publishing (buttons with data-confirm, and data-confirm-withdraw when the box to
// withdraw unplaced tasks is ticked; without JavaScript the ticked box is the confirmation),
// and when a plan finishes solving, show its review.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (!button) return;
    var message = button.getAttribute("data-confirm");
    var withdraw = button.form && button.form.querySelector("input[name=withdraw_unplaced]");
    if (withdraw && withdraw.checked && button.hasAttribute("data-confirm-withdraw")) {
      message = button.getAttribute("data-confirm-withdraw");
    }
    if (!window.confirm(message)) {
      event.preventDefault();
    }
  });
  var box = document.getElementById("job");
  if (!box || !box.dataset.doneUrl) return;
  document.addEventListener("job:finished", function () {
    window.location.assign(box.dataset.doneUrl);
  });
})();
