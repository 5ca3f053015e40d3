// Workspace keyboard: "/" jumps to the customer search (buttons carry accesskeys for Alt+N, Alt+S, Alt+R, Alt+E).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.altKey || event.metaKey) return;
  const tag = (event.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
  const field = document.querySelector("[data-shortcut-focus='/']");
  if (field) {
    event.preventDefault();
    field.focus();
    field.select();
  }
});
