// callreview: click a line to hear it; space play/pause; j/k next/previous evidence.
// A moment's link: a click writes #t=SECONDS into the URL; a URL with one opens the call there.
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

  // the URL names the moment playing: #t=27.4 (replaced, not pushed: Back leaves the call)
  function remember(start) {
    try { history.replaceState(null, "", "#t=" + start); } catch (e) { /* a file:// page may refuse */ }
  }

  // what #t=27.4 points at: the evidence starting then, else the turn it falls in
  function linked(seconds) {
    var exact = function (el) { return Math.abs(parseFloat(el.getAttribute("data-start")) - seconds) < 0.005; };
    var inside = function (el) {
      return seconds >= parseFloat(el.getAttribute("data-start")) - 0.005 && seconds < parseFloat(el.getAttribute("data-end"));
    };
    return { moment: moments.filter(exact)[0] || null, line: lines.filter(exact)[0] || lines.filter(inside)[0] || null };
  }

  function openHash() {
    var m = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
    if (!m) return;
    var seconds = parseFloat(m[1]);
    var found = linked(seconds);
    lines.forEach(function (ln) { ln.classList.remove("linked"); });
    if (found.line) found.line.classList.add("linked");
    var el = found.moment || found.line;
    if (found.moment) current = moments.indexOf(found.moment);
    if (el) el.scrollIntoView({ block: "center" });
    playFrom(seconds, el);
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
    if (!el) return;
    var own = event.target.closest("a.t");  // the moment's own link: play it here, no jump
    if (own) event.preventDefault();
    else if (event.target.closest("a, button, form, summary")) return;
    var i = moments.indexOf(el);
    if (i >= 0) current = i;
    playFrom(parseFloat(el.getAttribute("data-start")), el);
    remember(el.getAttribute("data-start"));
  });

  window.addEventListener("hashchange", openHash);
  openHash();

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
      remember(el.getAttribute("data-start"));
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
