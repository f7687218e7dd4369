// Ask before an action that cannot be undone (buttons with data-confirm); without JavaScript the action goes ahead.
// With data-confirm-count="<input id>", "{count}" in the question is what that field holds now.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (!button) { return; }
  var question = button.getAttribute("data-confirm");
  var counted = button.getAttribute("data-confirm-count");
  var input = counted && document.getElementById(counted);
  if (input) { question = question.split("{count}").join(input.value.trim()); }
  if (!window.confirm(question)) {
    event.preventDefault();
  }
});
