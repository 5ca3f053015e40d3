// Print the ticket as soon as it is shown when it was just issued (the greeter's or kiosk's printer).
if (document.body.dataset.autoPrint === "1") {
  window.addEventListener("load", () => window.print());
}
