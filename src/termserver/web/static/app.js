// Autocomplete for the search box (ARIA combobox). The page works without it.
(function () {
  const input = document.getElementById("q");
  const list = document.getElementById("forslag");
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
    if (active >= 0) input.setAttribute("aria-activedescendant", "forslag-" + active);
    else input.removeAttribute("aria-activedescendant");
  }

  async function fetchSuggestions() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { items = []; active = -1; render(); return; }
    const response = await fetch("/autocomplete?q=" + encodeURIComponent(q));
    if (!response.ok || mine !== seq) return;
    items = (await response.json()).suggestions;
    active = -1;
    render();
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
    else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { location.href = items[active].url; e.preventDefault(); }
    else if (e.key === "Escape") { items = []; active = -1; render(); }
  });
  input.addEventListener("blur", () => setTimeout(() => { items = []; active = -1; render(); }, 150));
})();
