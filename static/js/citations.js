// The scoring page's recorded session: selecting a transcript time plays the audio from that
// moment in the page's player, and the segment being heard is marked as it plays. Without
// JavaScript the time link opens the audio at #t=<seconds>.
(function () {
  "use strict";
  var player = document.getElementById("citation-player");
  if (!player) { return; }
  var segments = Array.prototype.slice.call(document.querySelectorAll(".transcript-segments li[data-start]"));

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
    if (!link) { return; }
    var seconds = parseFloat(link.getAttribute("data-seek"));
    if (isNaN(seconds)) { return; }
    event.preventDefault();
    player.currentTime = seconds;
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () { /* refused: stay paused at the moment */ }); }
  });

  player.addEventListener("timeupdate", function () {
    var now = player.currentTime, current = null;
    segments.forEach(function (li) {
      if (parseFloat(li.getAttribute("data-start")) <= now + 0.05) { current = li; }
    });
    segments.forEach(function (li) { li.classList.toggle("playing", li === current); });
  });
})();
