// Autocomplete for the search box (ARIA combobox). The page works without it.
(function () {
  const input = document.getElementById("q");
  const list = document.getElementById("forslag");
  const status = document.getElementById("forslag-status");
  if (!input || !list) return;
  let items = [], active = -1, timer = null, seq = 0;

  function render() {
    list.innerHTML = "";
    items.forEach((item, i) => {
      const li = document.createElement("li");
      li.id = "forslag-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      const label = document.createElement("span");
      label.textContent = item.label;
      if (item.lang) label.lang = item.lang;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = item.kind;
      li.append(label, kind);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); location.href = item.url; });
      list.appendChild(li);
    });
    const open = items.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", "forslag-" + active);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  function announce(text) { if (status) status.textContent = text; }

  function close() { items = []; active = -1; render(); }

  async function fetchSuggestions() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { close(); announce(""); return; }
    let found;
    try {
      const response = await fetch("/autocomplete?q=" + encodeURIComponent(q));
      if (!response.ok) return;
      found = (await response.json()).suggestions;
    } catch (err) {
      return;  // offline or server gone: the form still submits
    }
    if (mine !== seq) return;
    items = found;
    active = -1;
    render();
    announce(items.length === 0 ? "Ingen forslag"
      : items.length === 1 ? "1 forslag. Brug pil ned for at vælge."
      : items.length + " forslag. Brug pil ned for at vælge.");
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
    else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { location.href = items[active].url; e.preventDefault(); }
    else if (e.key === "Escape" && items.length) {
      // first Escape closes the list and keeps the text (a search field would clear it)
      seq++; clearTimeout(timer); close(); announce(""); e.preventDefault();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
})();
