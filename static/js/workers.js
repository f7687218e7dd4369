// Hours pages: + and − change the day's number in place (no round trip per tap); Save sends the form.
// Without JavaScript each + or − button submits the form and the server applies the step.
(function () {
  "use strict";
  document.querySelectorAll("form.hours-form").forEach(function (form) {
    var step = parseFloat(form.dataset.step || "0.5");
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button.step");
      if (!button) return;
      event.preventDefault();
      var cell = button.closest(".hours-cell");
      var input = cell.querySelector("input[type=number]");
      var value = parseFloat(input.value || "0");
      if (isNaN(value)) value = 0;
      value = button.value.slice(-1) === "+" ? value + step : value - step;
      value = Math.max(0, Math.min(24, Math.round(value * 4) / 4));
      input.value = String(value);
      mark(cell, input);
      form.classList.add("dirty");
    });
    form.addEventListener("input", function (event) {
      if (event.target.matches("input[type=number]")) {
        mark(event.target.closest(".hours-cell"), event.target);
        form.classList.add("dirty");
      }
    });
  });
  function mark(cell, input) {
    if (input.dataset.usual === undefined) return;
    cell.classList.toggle("changed", parseFloat(input.value || "0") !== parseFloat(input.dataset.usual));
  }
})();
