// The people picker (templates/_forms.html, macro "picker"): filters the list as one types, with
// the same rule as the server (app/core/picker.py: every word in the name or organisation,
// ignoring case and accents), shows at most data-limit matches besides those ticked, and says
// how many match in the status line (a live region). Without this script the search button
// asks the server instead.
(function () {
  "use strict";
  function folded(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function counted(element, n) {
    element.textContent = element.getAttribute(n === 1 ? "data-one" : "data-many").replace("{n}", n);
  }
  function init(picker) {
    if (picker.dataset.pickerReady) return;
    picker.dataset.pickerReady = "1";
    var search = picker.querySelector(".picker-search input");
    var status = picker.querySelector(".picker-status");
    var more = picker.querySelector(".picker-more");
    var limit = parseInt(picker.getAttribute("data-limit"), 10);
    var items = Array.prototype.slice.call(picker.querySelectorAll(".picker-options li"));
    var timer = null;
    // The list filters itself now: the server's search button goes, and with it the way Enter in
    // any other field of the form would press it (the first submit button is the form's default).
    var button = picker.querySelector(".picker-search button");
    button.type = "button";
    button.hidden = true;
    function filter() {
      var words = folded(search.value).split(/\s+/).filter(Boolean);
      var found = 0;
      items.forEach(function (item) {
        var text = folded(item.getAttribute("data-text"));
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        var ticked = item.querySelector("input").checked;
        if (match && !ticked) found += 1;
        item.hidden = !(ticked || (match && found <= limit));
      });
      counted(status, found);
      more.hidden = found <= limit;
      if (found > limit) counted(more, found - limit);
    }
    search.addEventListener("input", function () {
      // A pause before the live region speaks, so it does not announce every keystroke.
      clearTimeout(timer);
      timer = setTimeout(filter, 250);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // already filtered: Enter must not submit the form
        event.preventDefault();
        clearTimeout(timer);
        filter();
      }
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
