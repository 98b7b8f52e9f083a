// Drag and drop on the sprint board. A card may be dropped only on the column of its next
// stage; the drop submits the card's own "Move to …" form, so the move runs the same guarded
// service as the button and a refused move comes back as a message with the reasons. Without
// JavaScript (or with a keyboard) the buttons do the same.
(function () {
  "use strict";

  var board = document.querySelector(".board");
  if (!board) { return; }
  var dragged = null;

  function columnOf(element) {
    while (element && element !== board) {
      if (element.classList && element.classList.contains("board-column")) { return element; }
      element = element.parentNode;
    }
    return null;
  }

  function accepts(column) {
    return dragged !== null && column !== null
      && column.getAttribute("data-stage") === dragged.getAttribute("data-next-stage");
  }

  function clearHighlights() {
    Array.prototype.forEach.call(board.querySelectorAll(".drop-target, .drop-over"), function (el) {
      el.classList.remove("drop-target", "drop-over");
    });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".board-card[draggable=true]") : null;
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
    var target = board.querySelector('.board-column[data-stage="' + card.getAttribute("data-next-stage") + '"]');
    if (target) { target.classList.add("drop-target"); }
  });

  board.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (accepts(column)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("drop-over");
    }
  });

  board.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-over"); }
  });

  board.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!accepts(column)) { return; }
    event.preventDefault();
    var form = dragged.querySelector("form.advance-form");
    clearHighlights();
    if (!form) { return; }
    dragged.classList.add("moving");
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearHighlights();
  });
})();
