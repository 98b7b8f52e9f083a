// Click-to-seek on the scoring page: a transcript time plays the session's audio from that
// moment in the page's player. Without JavaScript the link opens the audio at #t=<seconds>.
(function () {
  "use strict";
  var player = document.getElementById("citation-player");
  if (!player) { return; }
  document.querySelectorAll("[data-seek]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var seconds = parseFloat(link.getAttribute("data-seek"));
      if (isNaN(seconds)) { return; }
      event.preventDefault();
      player.currentTime = seconds;
      player.play();
    });
  });
})();
