"""Server-side SVG charts a manager can put in a slide: French labels, axes with their unit, the value written on
each bar, DSFR colours, black text on white (readable when printed in black and white). Each chart carries the rows
of its text alternative (a table shown under it). Pure functions: no database, no request."""

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

# DSFR: bleu France (sun-113), then illustrative colours dark enough for white text and grey printing.
BLUE = "#000091"
SECOND = "#c3992a"  # jaune-moutarde-main-679: distinct from blue when printed in greys
PALETTE = [BLUE, "#6a6af4", "#009081", "#c3992a", "#a94645", "#7d4e5b"]
TEXT = "#161616"
GRID = "#dddddd"
AXIS = "#3a3a3a"
NARROW_SPACE = "\u202f"  # espace fine insécable: 12 345, 45,2 %
FONT = "Marianne, Arial, sans-serif"


def fr_int(value) -> str:
    """12345 → « 12 345 » (espace fine insécable); None → « — »."""
    if value is None:
        return "—"
    return f"{int(value):,}".replace(",", NARROW_SPACE)


def fr_percent(part, total, digits: int = 1) -> str:
    """Share of `part` in `total`, « 45,2 % »; « — » without a total."""
    if part is None or not total:
        return "—"
    return fr_decimal(100 * part / total, digits) + NARROW_SPACE + "%"


def fr_decimal(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".replace(",", NARROW_SPACE).replace(".", ",")
    return text


def number_of(unit: str) -> str:
    """« Nombre de personnes », « Nombre d'activités »."""
    return f"Nombre d'{unit}" if unit[:1].lower() in "aeéèêiîoôuh" else f"Nombre de {unit}"


def nice_max(value: float) -> float:
    """The smallest « round » number (1, 2, 2.5, 5 × 10^n) at or above `value`: the end of the axis."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return candidate
    return 10 ** (exponent + 1)


def ticks(maximum: float, count: int = 4) -> list[float]:
    """Axis ticks from 0, whole numbers (counts): 0, 1, 2 for a maximum of 2; 0, 250, 500, 750, 1 000 for 900."""
    top = nice_max(maximum)
    if top <= count:
        return list(range(int(math.ceil(top)) + 1))
    for parts in (5, 4, 2):
        step = top / parts
        if float(step).is_integer() and _nice_step(step):
            return [int(step * i) for i in range(parts + 1)]
    return [top * i / count for i in range(count + 1)]


def _nice_step(step: float) -> bool:
    leading = step / 10 ** math.floor(math.log10(step))
    return round(leading, 6) in (1, 2, 2.5, 5)


def _tick_label(value: float) -> str:
    return fr_int(value) if float(value).is_integer() else fr_decimal(value, 1)


@dataclass
class Row:
    label: str
    value: int | None  # None: suppressed (fewer than the threshold)
    text: str = ""  # the value as written (« 12 345 », « < 5 »)
    share: str = ""  # « 45,2 % » when the chart has a total


@dataclass
class Chart:
    """A chart and its text alternative: `svg` (already escaped), `rows` for the table, `unit` of the values."""

    id: str
    title: str
    unit: str
    svg: SafeString
    rows: list[Row] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # table headers after the label (line charts: one per series)
    table_rows: list[list[str]] = field(default_factory=list)  # line charts: [label, value 1, value 2, …]
    note: str = ""
    total_text: str = ""

    @property
    def axis_label(self) -> str:
        return number_of(self.unit)

    @property
    def empty(self) -> bool:
        return not self.rows and not self.table_rows


def _text(x, y, content, *, anchor="start", size=12, weight="normal", fill=TEXT, extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
        f'fill="{fill}"{extra}>{escape(str(content))}</text>'
    )


def _wrap(label: str, width: int) -> list[str]:
    """A label on at most two lines of about `width` characters (the second cut with « … »)."""
    if len(label) <= width:
        return [label]
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    if len(lines[1]) > width:
        lines[1] = lines[1][: width - 1].rstrip() + "…"
    return lines


def bar_chart(
    chart_id: str,
    title: str,
    items: list[tuple],
    *,
    unit: str,
    total: int | None = None,
    colour: str = BLUE,
    note: str = "",
    suppressed_text: str = "< 5",
) -> Chart:
    """Horizontal bars (long French labels stay readable), largest value on the axis rounded up, each bar with its
    value written at its end; `total` adds each share to the table. `items`: (label, value) or (label, value, text);
    a value of None is a hidden cell (secret statistique): no bar, its text (« < 5 », « secret ») written instead."""
    rows = []
    for item in items:
        label, value = item[0], item[1]
        text = item[2] if len(item) > 2 else (suppressed_text if value is None else fr_int(value))
        share = fr_percent(value, total) if total is not None and value is not None else ""
        rows.append(Row(label=label, value=value, text=text, share=share))
    width, label_width, right = 720, 250, 70
    bar_height, gap, top, bottom = 22, 10, 12, 48
    plot = width - label_width - right
    height = top + len(rows) * (bar_height + gap) + bottom
    maximum = max([r.value for r in rows if r.value is not None] or [0])
    axis = ticks(maximum)
    scale = plot / axis[-1]
    labelled_by = f"{chart_id}-titre {chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tremplin-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{labelled_by}" font-family="{FONT}" data-chart="{escape(chart_id)}">',
        f'<title id="{chart_id}-titre">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">Diagramme en barres horizontales ({escape(number_of(unit).lower())}). '
        "Les valeurs sont dans le tableau qui suit.</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    plot_bottom = top + len(rows) * (bar_height + gap)
    for tick in axis:
        x = label_width + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{plot_bottom}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(x, plot_bottom + 16, _tick_label(tick), anchor="middle", size=11))
    parts.append(
        f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{plot_bottom}" stroke="{AXIS}" '
        'stroke-width="1.5"/>'
    )
    parts.append(_text(label_width + plot / 2, plot_bottom + 38, number_of(unit), anchor="middle", size=12))
    for index, row in enumerate(rows):
        y = top + index * (bar_height + gap)
        lines = _wrap(row.label, 38)
        first = y + bar_height / 2 + 4 - (6 if len(lines) > 1 else 0)
        for number, line in enumerate(lines):
            parts.append(_text(label_width - 8, first + number * 13, line, anchor="end", size=12))
        if row.value is None:
            parts.append(_text(label_width + 6, y + bar_height / 2 + 4, row.text, size=12, weight="bold"))
            continue
        length = max(row.value * scale, 1 if row.value else 0)
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}">'
            f"<title>{escape(row.label)} : {escape(row.text)} {escape(unit)}</title></rect>"
        )
        parts.append(_text(label_width + length + 6, y + bar_height / 2 + 4, row.text, size=12, weight="bold"))
    parts.append("</svg>")
    return Chart(
        id=chart_id,
        title=title,
        unit=unit,
        svg=mark_safe("".join(parts)),  # noqa: S308 (every text above is escaped)
        rows=rows,
        note=note,
        total_text=fr_int(total) if total is not None else "",
    )


def line_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, list[int | None]]],
    *,
    unit: str,
    note: str = "",
) -> Chart:
    """Lines over months: one per series (solid, then dashed: distinct in grey print), a marker and its value at
    each point, months under the axis, the unit on the vertical axis, a legend above."""
    width, left, right, top, bottom = 720, 64, 28, 44, 56
    height = 300
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, points in series for v in points if v is not None]
    axis = ticks(max(values or [0]))
    scale = plot_h / axis[-1]
    step = plot_w / max(len(labels) - 1, 1) if len(labels) > 1 else 0
    labelled_by = f"{chart_id}-titre {chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tremplin-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{labelled_by}" font-family="{FONT}" data-chart="{escape(chart_id)}">',
        f'<title id="{chart_id}-titre">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">Courbes par mois ({escape(number_of(unit).lower())}). '
        "Les valeurs sont dans le tableau qui suit.</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    base = top + plot_h
    for tick in axis:
        y = base - tick * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, _tick_label(tick), anchor="end", size=11))
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="{AXIS}" stroke-width="1.5"/>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{AXIS}" stroke-width="1.5"/>')
    parts.append(
        _text(
            14,
            top + plot_h / 2,
            number_of(unit),
            anchor="middle",
            size=12,
            extra=f' transform="rotate(-90 14 {top + plot_h / 2:.1f})"',
        )
    )
    for index, label in enumerate(labels):
        parts.append(_text(left + index * step, base + 34, label, anchor="middle", size=11))
    legend_x = left
    for number, (name, points) in enumerate(series):
        colour = BLUE if number == 0 else SECOND
        dash = "" if number == 0 else ' stroke-dasharray="7 4"'
        parts.append(
            f'<line x1="{legend_x}" y1="16" x2="{legend_x + 28}" y2="16" stroke="{colour}" stroke-width="3"{dash}/>'
        )
        parts.append(_text(legend_x + 34, 20, name, size=12))
        legend_x += 44 + 7 * len(name)
        runs, run = [], []
        for index, value in enumerate(points):
            if value is None:  # hidden (secret statistique): the line breaks, « < 5 » is written at the bottom
                if run:
                    runs.append(run)
                    run = []
                if number == 0:
                    parts.append(_text(left + index * step, base - 6, "< 5", anchor="middle", size=10, fill=AXIS))
                continue
            run.append((left + index * step, base - value * scale, value))
        if run:
            runs.append(run)
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for x, y, value in (point for run in runs for point in run):
            shape = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
                if number == 0
                else f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
            )
            parts.append(shape)
            offset = -8 if number == 0 else 17
            parts.append(_text(x, y + offset, fr_int(value), anchor="middle", size=10, weight="bold"))
    parts.append("</svg>")
    table_rows = [
        [label, *(fr_int(points[index]) if index < len(points) else "—" for _, points in series)]
        for index, label in enumerate(labels)
    ]
    return Chart(
        id=chart_id,
        title=title,
        unit=unit,
        svg=mark_safe("".join(parts)),  # noqa: S308 (every text above is escaped)
        columns=[name for name, _ in series],
        table_rows=table_rows,
        note=note,
    )


MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def month_label(month) -> str:
    """A date (first of the month) → « mars 2024 » short: « mars 24 »."""
    return f"{MONTHS[month.month - 1]} {month:%y}"


def classes(values: list[int], count: int = 5) -> list[tuple[int, int]]:
    """Class bounds (included) for a choropleth: quantiles of the non-zero values, rounded, increasing, at most
    `count` classes; [] without any value."""
    positive = sorted(v for v in values if v and v > 0)
    if not positive:
        return []
    bounds: list[int] = []
    for index in range(1, count + 1):
        position = min(len(positive) - 1, math.ceil(index * len(positive) / count) - 1)
        upper = positive[position]
        if not bounds or upper > bounds[-1]:
            bounds.append(upper)
    result, lower = [], 1
    for upper in bounds:
        result.append((lower, upper))
        lower = upper + 1
    return result


CLASS_COLOURS = ["#e3e3fd", "#a1a1f8", "#6a6af4", "#3333c4", "#000091"]
NO_VALUE_COLOUR = "#f6f6f6"
HIDDEN_COLOUR = "#929292"  # secret statistique


def class_of(value: int | None, bounds: list[tuple[int, int]]) -> int:
    """1-based class of `value`, 0 for none or zero."""
    if not value:
        return 0
    for index, (_, upper) in enumerate(bounds, start=1):
        if value <= upper:
            return index
    return len(bounds)


def legend(bounds: list[tuple[int, int]], unit: str) -> list[dict]:
    """Legend entries: colour and French range (« de 6 à 20 personnes »)."""
    colours = class_colours(len(bounds))
    singular = unit[:-1] if unit.endswith("s") else unit
    entries = [{"colour": NO_VALUE_COLOUR, "label": f"0 {singular}", "class": 0, "shade": "none"}]
    for index, (lower, upper) in enumerate(bounds, start=1):
        if lower == upper:
            label = f"{fr_int(lower)} {singular if lower == 1 else unit}"
        else:
            label = f"de {fr_int(lower)} à {fr_int(upper)} {unit}"
        colour = colours[index - 1]
        entries.append({"colour": colour, "label": label, "class": index, "shade": shade(colour)})
    return entries


def shade(colour: str) -> str:
    """The CSS modifier of a map colour (dashboard.css: .tremplin-shade--0 … --4, --none, --hidden): the page's
    Content-Security-Policy refuses inline styles."""
    if colour in CLASS_COLOURS:
        return str(CLASS_COLOURS.index(colour))
    return "hidden" if colour == HIDDEN_COLOUR else "none"


def class_colours(count: int) -> list[str]:
    """`count` colours from light to dark (the darkest is always bleu France)."""
    if count <= 0:
        return []
    if count >= len(CLASS_COLOURS):
        return CLASS_COLOURS[:count]
    picks = [round(i * (len(CLASS_COLOURS) - 1) / max(count - 1, 1)) for i in range(count)]
    return [CLASS_COLOURS[i] for i in picks] if count > 1 else [BLUE]
