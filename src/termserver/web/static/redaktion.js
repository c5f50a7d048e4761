// Search-as-you-type for the concept editor's pickers (ARIA combobox: arrow keys, Enter,
// Escape). The form works without it: the "Søg" buttons search on the server.
(function () {
  const form = document.querySelector("form.editor[data-search]");
  if (!form) return;
  const endpoint = form.dataset.search;
  const own = form.dataset.code || "";
  const status = document.getElementById("valg-status");
  const say = (text) => { if (status) status.textContent = text; };

  form.querySelectorAll("input[data-picker]").forEach((input) => {
    const name = input.dataset.picker;
    const kind = input.dataset.kind || "checkbox";
    const list = document.getElementById(name + "-forslag");
    const results = document.getElementById(name + "-resultater");
    let items = [], active = -1, timer = null, seq = 0;

    function render() {
      list.innerHTML = "";
      items.forEach((item, i) => {
        const li = document.createElement("li");
        li.id = name + "-forslag-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.textContent = item.label;
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      if (active >= 0) input.setAttribute("aria-activedescendant", name + "-forslag-" + active);
      else input.removeAttribute("aria-activedescendant");
    }
    function close() { items = []; active = -1; render(); }

    function choose(item) {
      let box = Array.from(form.querySelectorAll("input[name='" + name + "']"))
        .find((el) => el.value === item.value);
      if (!box) {
        const li = document.createElement("li");
        box = document.createElement("input");
        box.type = kind; box.name = name; box.value = item.value;
        box.id = name + "-js-" + results.children.length;
        const label = document.createElement("label");
        label.htmlFor = box.id; label.textContent = " " + item.label;
        li.append(box, label);
        results.appendChild(li);
        results.hidden = false;
        const none = document.getElementById(name + "-ingen");
        if (none) none.hidden = true;
      }
      box.checked = true;
      input.value = "";
      close();
      say(item.label + " er valgt. Gem begrebet for at beholde valget.");
    }

    async function suggest() {
      const q = input.value.trim();
      const mine = ++seq;
      if (!q) { close(); return; }
      let found;
      try {
        const url = endpoint + "?felt=" + encodeURIComponent(name) + "&q=" +
          encodeURIComponent(q) + "&begreb=" + encodeURIComponent(own);
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        found = (await response.json()).results;
      } catch (err) { return; }  // the Søg button still works
      if (mine !== seq) return;
      items = found; active = -1; render();
      say(items.length === 0 ? "Ingen forslag" : items.length === 1
        ? "1 forslag. Brug pil ned for at vælge." : items.length + " forslag. Brug pil ned for at vælge.");
    }

    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 150); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { choose(items[active]); e.preventDefault(); }
      else if (e.key === "Escape" && items.length) { seq++; clearTimeout(timer); close(); e.preventDefault(); }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  });
})();
