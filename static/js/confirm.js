// Ask before an action that cannot be undone (buttons with data-confirm); without JavaScript the action goes ahead.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
