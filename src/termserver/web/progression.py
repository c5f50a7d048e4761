"""The progression report as a Danish HTML page, with small SVG charts made on the server.

One self-contained page (its own styles, no scripts, no external files), so the CLI can
write it to a file and the API can answer it alike: per intervention a table of the
tilstande it addresses with a bar of bedre / uændret / værre per tilstand, and per
citizen (up to `CITIZENS_SHOWN`) a chart per tilstand of its level at each assessment
against the goal's target. Every chart has its numbers in text beside it too.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

CITIZENS_SHOWN = 50
"""Citizens whose own courses the page draws; beyond that only the interventions."""
_COLOURS = (("improved", "bedre", "#2e7d32"), ("unchanged", "uændret", "#8d96a0"),
            ("declined", "værre", "#c62828"), ("unknown", "kan ikke afgøres endnu", "#dfe3e8"))
_LEVELS = 5  # 0 (best) … 4
_environment = Environment(
    loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
    autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def direction_bar(row: dict[str, Any], width: int = 220, height: int = 16) -> Markup:
    """A stacked bar of the citizens' directions on one tilstand."""
    total = sum(row[key] for key, _, _ in _COLOURS)
    said = ", ".join(f"{row[key]} {word}" for key, word, _ in _COLOURS if row[key])
    parts, x = [], 0.0
    for key, word, colour in _COLOURS:
        if not row[key]:
            continue
        share = width * row[key] / total
        parts.append(f'<rect x="{x:.1f}" y="0" width="{share:.1f}" height="{height}" '
                     f'fill="{colour}"><title>{row[key]} {escape(word)}</title></rect>')
        x += share
    label = escape(f"{row['label']}: {said or 'ingen borgere'}")
    return Markup(f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} '
                  f'{height}" role="img" aria-label="{label}"><title>{label}</title>'
                  f'<rect width="{width}" height="{height}" fill="#f6f7f9"/>{"".join(parts)}'
                  "</svg>")


def _when(value: str) -> float:
    text = value.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text if "T" in text else text[:10])
    except ValueError:
        return 0.0
    return moment.replace(tzinfo=None).timestamp() if moment.tzinfo else moment.timestamp()


def level_chart(tilstand: dict[str, Any], width: int = 280, height: int = 120) -> Markup:
    """The tilstand's level at each assessment (0 at the top: the better, the higher), the
    goal's target as a dashed line, time along the bottom."""
    points = [a for a in tilstand["assessments"] if a.get("level") is not None]
    left, right, top, bottom = 34, 10, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(level: int) -> float:
        return top + plot_h * level / (_LEVELS - 1)

    times = [_when(a["date"]) for a in points]
    first, last = (min(times), max(times)) if times else (0.0, 0.0)

    def x(moment: float) -> float:
        return left + (plot_w / 2 if last == first else plot_w * (moment - first) / (last - first))

    grid = "".join(f'<line x1="{left}" x2="{width - right}" y1="{y(n):.1f}" y2="{y(n):.1f}" '
                   f'stroke="#e3e6ea"/><text x="{left - 6}" y="{y(n) + 4:.1f}" '
                   f'text-anchor="end">{n}</text>' for n in range(_LEVELS))
    target = (tilstand.get("goal") or {}).get("target") or {}
    goal = ""
    if target.get("level") is not None:
        goal = (f'<line class="target" x1="{left}" x2="{width - right}" '
                f'y1="{y(target["level"]):.1f}" y2="{y(target["level"]):.1f}" stroke="#0b5cad" '
                f'stroke-dasharray="4 3"><title>Mål: {escape(target["label"])}</title></line>')
    line = ""
    if len(points) > 1:
        line = ('<polyline fill="none" stroke="#1d2530" stroke-width="2" points="'
                + " ".join(f"{x(t):.1f},{y(a['level']):.1f}" for t, a in zip(
                    times, points, strict=True)) + '"/>')
    dots = "".join(f'<circle cx="{x(t):.1f}" cy="{y(a["level"]):.1f}" r="4" fill="#1d2530">'
                   f'<title>{escape(a["date"][:10])}: {escape(a["label"])}</title></circle>'
                   for t, a in zip(times, points, strict=True))
    dates = ""
    if points:
        dates = (f'<text x="{left}" y="{height - 6}">{escape(points[0]["date"][:10])}</text>'
                 if len(points) == 1 or last == first else
                 f'<text x="{left}" y="{height - 6}">{escape(points[0]["date"][:10])}</text>'
                 f'<text x="{width - right}" y="{height - 6}" text-anchor="end">'
                 f'{escape(points[-1]["date"][:10])}</text>')
    said = "; ".join(f"{a['date'][:10]}: {a['label']}" for a in points) or "ingen vurderinger"
    if target:
        said += f"; mål: {target.get('label')}"
    label = escape(f"{tilstand['label']}: {said}")
    return Markup(f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} '
                  f'{height}" role="img" aria-label="{label}"><title>{label}</title>{grid}'
                  f"{goal}{line}{dots}{dates}</svg>")


def render(report: dict[str, Any], *, title: str = "Progression (FKO)") -> str:
    """The page for a progression report (validators.progression, `as_dict()`)."""
    template = _environment.get_template("progression.html")
    return template.render(report=report, title=title, bar=direction_bar, chart=level_chart,
                           colours=_COLOURS, citizens_shown=CITIZENS_SHOWN)
