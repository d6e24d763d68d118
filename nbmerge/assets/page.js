/* nbmerge diff page: view switch, folding, jumping through changes, image views. */
(function () {
  "use strict";
  var body = document.body;
  var changes = Array.prototype.slice.call(document.querySelectorAll(".change"));
  var where = document.getElementById("where");
  var current = -1;

  function mark(i) {
    if (current >= 0) changes[current].classList.remove("current");
    current = i;
    changes[i].classList.add("current");
    where.textContent = "change " + (i + 1) + " of " + changes.length;
  }
  function go(step) {
    if (!changes.length) return;
    mark((current + step + changes.length) % changes.length);
    changes[current].scrollIntoView({block: "start"});
  }
  if (where) where.textContent = changes.length + " change" + (changes.length === 1 ? "" : "s");

  var next = document.getElementById("next"), prev = document.getElementById("prev");
  if (next) next.addEventListener("click", function () { go(1); });
  if (prev) prev.addEventListener("click", function () { go(-1); });
  document.addEventListener("keydown", function (event) {
    var tag = event.target && event.target.tagName;
    if (event.altKey || event.ctrlKey || event.metaKey || tag === "INPUT" || tag === "TEXTAREA") return;
    if (event.key === "j" || event.key === "n") go(1);
    else if (event.key === "k" || event.key === "p") go(-1);
  });
  window.addEventListener("hashchange", function () {
    var i = changes.indexOf(document.getElementById(location.hash.slice(1)));
    if (i >= 0) mark(i);
  });

  var view = document.getElementById("view");
  if (view) view.addEventListener("click", function () {
    var unified = body.classList.toggle("unified");
    body.classList.toggle("sbs", !unified);
    view.textContent = unified ? "side-by-side view" : "unified view";
  });

  var expand = document.getElementById("expand");
  if (expand) expand.addEventListener("click", function () {
    var folds = document.querySelectorAll("details.fold");
    var open = expand.textContent === "expand all";
    for (var i = 0; i < folds.length; i++) folds[i].open = open;
    expand.textContent = open ? "fold unchanged" : "expand all";
  });

  function apply(figure) {
    var top = figure.querySelector(".stage > .new");
    var value = figure.querySelector("input").value;
    var mode = figure.getAttribute("data-view");
    top.style.clipPath = mode === "swipe" ? "inset(0 0 0 " + value + "%)" : "";
    top.style.opacity = mode === "onion" ? String(value / 100) : "";
  }
  Array.prototype.forEach.call(document.querySelectorAll(".imgcmp"), function (figure) {
    Array.prototype.forEach.call(figure.querySelectorAll("button[data-view]"), function (button) {
      button.addEventListener("click", function () {
        figure.setAttribute("data-view", button.getAttribute("data-view"));
        apply(figure);
      });
    });
    figure.querySelector("input").addEventListener("input", function () { apply(figure); });
  });
})();
