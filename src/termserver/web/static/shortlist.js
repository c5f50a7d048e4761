// The shortlist page without this script: print with the browser, copy from the text box.
// With it: a print button and a copy button (the text box stays for keyboard users).
(function () {
  const print = document.getElementById("print-list");
  const copy = document.getElementById("copy-list");
  const text = document.getElementById("list-text");
  const status = document.getElementById("copy-status");
  if (print) { print.hidden = false; print.addEventListener("click", () => window.print()); }
  if (copy && text && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(text.value); status.textContent = "Listen er kopieret."; }
      catch (err) { text.select(); status.textContent = "Markeret: tryk Ctrl+C for at kopiere."; }
    });
  }
})();
