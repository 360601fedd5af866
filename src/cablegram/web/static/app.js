// cablegram: type-ahead for the query box and highlighting on the reference graph.
// Plain JavaScript, no inline code (the pages' CSP forbids it); pages work without it.
(function () {
  "use strict";

  function typeahead(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest");
    var timer = null, last = "";
    if (!list || !url) return;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value;
        var m = /(?:^|\s)(?:[a-z]+:)?("?)([^\s"]*)$/i.exec(value);
        var word = m ? m[2] : "";
        if (word.length < 2 || word === last) return;
        last = word;
        fetch(url + "?limit=10&q=" + encodeURIComponent(word), {headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
          .then(function (data) {
            var head = value.slice(0, value.length - m[0].length);
            var sep = head && !/\s$/.test(head) ? " " : "";
            while (list.firstChild) list.removeChild(list.firstChild);
            (data.suggestions || []).forEach(function (s) {
              var opt = document.createElement("option");
              opt.value = (head + sep + s.filter).trim() + " ";
              opt.textContent = s.label;
              list.appendChild(opt);
            });
          })
          .catch(function () {});
      }, 120);
    });
  }

  // The desk's draft form: the telegram as it will look, redrawn as one types (nothing is saved).
  function livePreview(form, wire) {
    var url = wire.getAttribute("data-preview");
    var timer = null, seq = 0;
    function refresh() {
      var mine = ++seq;
      fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) { if (text !== null && mine === seq) wire.textContent = text; })
        .catch(function () {});
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 50); });
  }

  function graph(svg) {
    var edges = svg.querySelectorAll(".edge");
    svg.querySelectorAll(".node").forEach(function (node) {
      var id = node.getAttribute("data-id");
      function mark(on) {
        edges.forEach(function (e) {
          if (e.getAttribute("data-from") === id || e.getAttribute("data-to") === id) {
            e.classList.toggle("hl", on);
          }
        });
      }
      node.addEventListener("mouseenter", function () { mark(true); });
      node.addEventListener("mouseleave", function () { mark(false); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(typeahead);
    document.querySelectorAll("svg.thread").forEach(graph);
    var draftForm = document.getElementById("draft-form");
    var wire = document.getElementById("wire");
    if (draftForm && wire && wire.getAttribute("data-preview")) livePreview(draftForm, wire);
  });
})();
