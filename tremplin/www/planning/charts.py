"""Server-rendered SVG line chart of the coverage curve (no JavaScript, readable by screen readers)."""

import math

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 90, 24, 20, 56


def french_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum`."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < maximum - 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def line_chart(points: list[tuple[float, float]], bounds: list[tuple[float, float]] | None = None) -> dict:
    """Coordinates of a line chart of (x, y) points, x and y from 0; `bounds` is an optional second line."""
    bounds = bounds or []
    if not points:
        return {}
    x_ticks = nice_ticks(max(x for x, _ in points), count=6)
    y_ticks = nice_ticks(max(y for _, y in [*points, *bounds]))
    x_max, y_max = x_ticks[-1], y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x):
        return round(LEFT + plot_w * x / x_max, 1)

    def sy(y):
        return round(TOP + plot_h * (1 - y / y_max), 1)

    def polyline(series):
        return " ".join(f"{sx(x)},{sy(y)}" for x, y in series)

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "x_label_y": HEIGHT - 12,
        "x_center": LEFT + plot_w / 2,
        "y_label_x": 16,
        "y_center": TOP + plot_h / 2,
        "x_ticks": [{"pos": sx(x), "label": french_number(x)} for x in x_ticks],
        "y_ticks": [{"pos": sy(y), "label": french_number(y)} for y in y_ticks],
        "line": polyline(points),
        "bound_line": polyline(bounds) if bounds else "",
        "points": [{"x": sx(x), "y": sy(y), "label": f"{french_number(x)} : {french_number(y)}"} for x, y in points],
    }
