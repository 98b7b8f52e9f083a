// Transcript page: selecting a segment's timestamp plays the recording from there in the page's
// player. Without JavaScript the same link opens the audio at that time (#t= media fragment).
(function () {
  "use strict";

  var player = document.getElementById("transcript-player");
  if (!player) { return; }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.seek[data-start]") : null;
    if (!link) { return; }
    var start = parseFloat(link.getAttribute("data-start"));
    if (isNaN(start)) { return; }
    event.preventDefault();
    player.currentTime = start;
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () { /* autoplay refused: stay paused at the moment */ }); }
  });
})();
