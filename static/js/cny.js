// Amounts in the charts' labels and axes, as the server's `cny` filter writes them: ¥1,234.50, the minus
// sign before the symbol. Shared by the dashboard's and the company report's charts.
window.scCny = (function () {
  "use strict";
  function separated(text) { return text.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function yuan(value) {
    var n = Number(value);
    return (n < 0 ? "-" : "") + "¥" + separated(Math.abs(n).toFixed(2));
  }
  // Axis ticks: whole yuan without the cents.
  function tick(value) {
    var n = Number(value);
    return Number.isInteger(n) ? (n < 0 ? "-" : "") + "¥" + separated(String(Math.abs(n))) : yuan(n);
  }
  return { yuan: yuan, tick: tick };
})();
