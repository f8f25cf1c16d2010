// callreview: click a line to hear it; space play/pause; j/k next/previous evidence.
// Vanilla, no build step; the page works without it (the player has its own controls).
(function () {
  "use strict";
  // the queue's filters: leave empty fields out of the URL
  var filters = document.getElementById("filters");
  if (filters) filters.addEventListener("submit", function () {
    Array.prototype.forEach.call(filters.elements, function (el) { if (el.name && !el.value) el.disabled = true; });
  });

  var audio = document.getElementById("player");
  if (!audio) return;
  var moments = Array.prototype.slice.call(document.querySelectorAll(".moment[data-start]"));
  var lines = Array.prototype.slice.call(document.querySelectorAll(".line[data-start]"));
  var current = -1;

  function mark(el) {
    moments.forEach(function (m) { m.classList.remove("current"); });
    if (el && el.classList.contains("moment")) el.classList.add("current");
  }

  function playFrom(seconds, el) {
    if (!isFinite(seconds)) return;
    var folded = el && el.closest("details");
    if (folded) folded.open = true;
    var go = function () {
      audio.currentTime = seconds;
      var p = audio.play();
      if (p && p.catch) p.catch(function () {});
    };
    if (audio.readyState >= 1) go();
    else { audio.addEventListener("loadedmetadata", go, { once: true }); audio.load(); }
    mark(el);
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-start]");
    if (!el || event.target.closest("a, button, form, summary")) return;
    var i = moments.indexOf(el);
    if (i >= 0) current = i;
    playFrom(parseFloat(el.getAttribute("data-start")), el);
  });

  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    if (event.key === " " || event.code === "Space") {
      if (t === audio) return;
      event.preventDefault();
      if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); } else audio.pause();
    } else if ((event.key === "j" || event.key === "k") && moments.length) {
      event.preventDefault();
      current = event.key === "j" ? Math.min(moments.length - 1, current + 1) : Math.max(0, current - 1);
      var el = moments[current];
      el.scrollIntoView({ block: "nearest" });
      playFrom(parseFloat(el.getAttribute("data-start")), el);
    }
  });

  audio.addEventListener("timeupdate", function () {
    var now = audio.currentTime;
    lines.forEach(function (ln) {
      var on = now >= parseFloat(ln.getAttribute("data-start")) && now < parseFloat(ln.getAttribute("data-end"));
      ln.classList.toggle("playing", on);
    });
  });
})();
