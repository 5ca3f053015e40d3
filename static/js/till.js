// The till count: each denomination's amount and the cash total as the rep types the pieces.
(function () {
  "use strict";
  function cents(value) { return Math.round(parseFloat(value) * 100); }
  function yuan(c) {
    var s = (c / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return "¥" + s;
  }
  function update(form) {
    var total = 0;
    form.querySelectorAll("[data-denomination]").forEach(function (input) {
      var pieces = /^\d+$/.test(input.value.trim()) ? parseInt(input.value.trim(), 10) : 0;
      var line = pieces * cents(input.dataset.denomination);
      total += line;
      var cell = input.closest("tr").querySelector("[data-line-total]");
      if (cell) cell.textContent = pieces ? yuan(line) : "";
    });
    var out = form.querySelector("[data-cash-total]");
    if (out) out.textContent = yuan(total);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-testid=count-form]").forEach(function (form) {
      form.addEventListener("input", function () { update(form); });
      update(form);
    });
  });
})();
