// Irreversible submits ask first: a button with data-confirm="question" submits only after the
// person says yes. Without script the form submits as before (the server still checks it all).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
}());
