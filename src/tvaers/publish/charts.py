"""Charts as inline SVG, generated in Python: funnel plots and trends. No JavaScript.

Each chart is an accessible image (``role="img"`` with a title and a description); the page
shows the same numbers as a table next to it. Units outside the control limits are marked
by shape as well as colour. All text is escaped here, since the SVG is inserted as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from tvaers.publish.formatting import format_int, format_percent

WIDTH, HEIGHT = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 56


@dataclass(frozen=True, slots=True)
class FunnelPoint:
    """One unit in a funnel plot: its denominator, proportion and control limits."""

    label: str
    denominator: int
    proportion: float
    low95: float | None = None
    high95: float | None = None
    low998: float | None = None
    high998: float | None = None
    highlight: bool = False

    @property
    def position(self) -> str:
        """ "over"/"under" when outside the 99.8 % limits, "over95"/"under95" outside 95 %."""
        p = self.proportion
        if self.high998 is not None and p > self.high998:
            return "over"
        if self.low998 is not None and p < self.low998:
            return "under"
        if self.high95 is not None and p > self.high95:
            return "over95"
        if self.low95 is not None and p < self.low95:
            return "under95"
        return "inside"


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """One line of a trend chart: a value (or None) per period."""

    label: str
    values: tuple[float | None, ...]
    dash: str = ""


def _n(value: float) -> str:
    return f"{value:.1f}"


def _nice_max(value: float) -> float:
    """The next multiple of 10 % at or above ``value`` (at least 10 %, at most 100 %)."""
    steps = [i / 10 for i in range(1, 11)]
    return next((s for s in steps if s >= value - 1e-12), 1.0)


def _nice_step(maximum: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if maximum / step <= 6:
            return step
    return int(10 ** len(str(int(maximum))))


class _Plot:
    """Scales from data to SVG coordinates, plus the axes."""

    def __init__(self, x_max: float, y_max: float):
        self.x_max = x_max or 1.0
        self.y_max = y_max or 1.0

    def x(self, value: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * value / self.x_max

    def y(self, value: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * min(value, self.y_max) / self.y_max

    def y_axis(self) -> list[str]:
        parts = [f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}"/>']
        ticks = round(self.y_max * 10)
        for i in range(ticks + 1):
            value = i / 10
            y = _n(self.y(value))
            parts.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
            parts.append(
                f'<text class="tick" x="{LEFT - 6}" y="{y}" text-anchor="end" dy="0.35em">'
                f"{escape(format_percent(value, 0))}</text>"
            )
        return parts

    def x_axis_numeric(self, label: str) -> list[str]:
        base = HEIGHT - BOTTOM
        parts = [f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>']
        step = _nice_step(self.x_max)
        value = 0
        while value <= self.x_max:
            x = _n(self.x(value))
            parts.append(f'<line class="axis" x1="{x}" y1="{base}" x2="{x}" y2="{base + 5}"/>')
            parts.append(
                f'<text class="tick" x="{x}" y="{base + 18}" text-anchor="middle">'
                f"{escape(format_int(value))}</text>"
            )
            value += step
        parts.append(
            f'<text class="axis-label" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 12}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
        return parts


def _open_svg(chart_id: str, title: str, description: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _limit_path(points: Sequence[tuple[int, float | None]], plot: _Plot) -> str:
    coords = [(n, v) for n, v in sorted(points) if v is not None]
    if len(coords) < 2:
        return ""
    return " ".join(
        f"{'M' if i == 0 else 'L'}{_n(plot.x(n))},{_n(plot.y(v))}"
        for i, (n, v) in enumerate(coords)
    )


def _marker(point: FunnelPoint, plot: _Plot) -> str:
    cx, cy = _n(plot.x(point.denominator)), _n(plot.y(point.proportion))
    title = f"<title>{escape(point.label)}: {escape(format_percent(point.proportion))}, n = {escape(format_int(point.denominator))}</title>"
    position = point.position
    if point.highlight:
        x, y = plot.x(point.denominator), plot.y(point.proportion)
        d = f"M{_n(x)},{_n(y - 9)} L{_n(x + 9)},{_n(y)} L{_n(x)},{_n(y + 9)} L{_n(x - 9)},{_n(y)} Z"
        right = x > (LEFT + WIDTH) / 2  # label on the inner side, so it is never clipped
        label = (
            f'<text class="highlight-label" x="{_n(x - 12 if right else x + 12)}" y="{_n(y - 10)}" '
            f'text-anchor="{"end" if right else "start"}">{escape(point.label)}</text>'
        )
        return f'<path class="point highlight {position}" d="{d}">{title}</path>{label}'
    if position in ("over", "under"):
        x, y = plot.x(point.denominator), plot.y(point.proportion)
        d = f"M{_n(x - 5)},{_n(y - 5)} L{_n(x + 5)},{_n(y + 5)} M{_n(x - 5)},{_n(y + 5)} L{_n(x + 5)},{_n(y - 5)}"
        return f'<path class="point outlier {position}" d="{d}">{title}</path>'
    return f'<circle class="point {position}" cx="{cx}" cy="{cy}" r="4">{title}</circle>'


def funnel_svg(
    chart_id: str,
    title: str,
    points: Sequence[FunnelPoint],
    target: float | None,
    standard: float | None = None,
    x_label: str = "Antal i nævneren",
) -> Markup:
    """A funnel plot: proportion against denominator with 95 % and 99,8 % control limits.

    The limit curves join each unit's own limits (as given in the results), sorted by
    denominator; ``target`` is the national proportion, ``standard`` the indicator standard.
    """
    values = [p.proportion for p in points]
    values += [v for p in points for v in (p.high95, p.high998) if v is not None]
    values += [v for v in (target, standard) if v is not None]
    plot = _Plot(
        max((p.denominator for p in points), default=1) * 1.05,
        _nice_max(max(values, default=0.1) + 0.02),
    )
    description = (
        f"Tragtdiagram med {len(points)} enheder. Hver enhed vises ved sin andel og antal i nævneren; "
        "stiplede linjer er 95 %-kontrolgrænser, prikkede linjer 99,8 %-kontrolgrænser. "
        "Enheder uden for 99,8 %-grænserne vises som kryds. Tallene står i tabellen under diagrammet."
    )
    parts = _open_svg(chart_id, title, description, "funnel")
    parts += plot.y_axis()
    parts += plot.x_axis_numeric(x_label)
    for cls, attr_low, attr_high in (
        ("limit95", "low95", "high95"),
        ("limit998", "low998", "high998"),
    ):
        for attr in (attr_low, attr_high):
            d = _limit_path([(p.denominator, getattr(p, attr)) for p in points], plot)
            if d:
                parts.append(f'<path class="{cls}" d="{d}" fill="none"/>')
    if target is not None:
        y = _n(plot.y(target))
        parts.append(f'<line class="target" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
    if standard is not None:
        y = _n(plot.y(standard))
        parts.append(f'<line class="standard" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
    ordered = sorted(points, key=lambda p: p.highlight)  # the highlighted unit is drawn last
    parts += [_marker(p, plot) for p in ordered]
    parts.append("</svg>")
    return Markup("\n".join(parts))


def trend_svg(
    chart_id: str,
    title: str,
    periods: Sequence[str],
    series: Sequence[TrendSeries],
    standard: float | None = None,
) -> Markup:
    """A line chart of proportions over periods, one line per series (dash patterns differ)."""
    values = [v for s in series for v in s.values if v is not None]
    if standard is not None:
        values.append(standard)
    plot = _Plot(max(len(periods) - 1, 1), _nice_max(max(values, default=0.1) + 0.02))
    description = (
        f"Udvikling over {len(periods)} perioder for {', '.join(s.label for s in series)}. "
        "Tallene står i tabellen under diagrammet."
    )
    parts = _open_svg(chart_id, title, description, "trend")
    parts += plot.y_axis()
    base = HEIGHT - BOTTOM
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>')
    for i, period in enumerate(periods):
        x = _n(plot.x(i) if len(periods) > 1 else plot.x(0.5))
        parts.append(
            f'<text class="tick" x="{x}" y="{base + 18}" text-anchor="middle">{escape(period)}</text>'
        )
    if standard is not None:
        y = _n(plot.y(standard))
        parts.append(f'<line class="standard" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
    for index, line in enumerate(series):
        coords = [
            (plot.x(i) if len(periods) > 1 else plot.x(0.5), plot.y(v))
            for i, v in enumerate(line.values)
            if v is not None
        ]
        cls = f"series series-{index}"
        if len(coords) > 1:
            d = " ".join(
                f"{'M' if i == 0 else 'L'}{_n(x)},{_n(y)}" for i, (x, y) in enumerate(coords)
            )
            parts.append(f'<path class="{cls}" d="{d}" fill="none"/>')
        parts += [f'<circle class="{cls}" cx="{_n(x)}" cy="{_n(y)}" r="3.5"/>' for x, y in coords]
    parts += _legend(series)
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _legend(series: Sequence[TrendSeries]) -> list[str]:
    parts = []
    x = LEFT
    for index, line in enumerate(series):
        y = HEIGHT - 14
        parts.append(
            f'<line class="series series-{index}" x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}"/>'
        )
        parts.append(
            f'<text class="legend" x="{x + 30}" y="{y}" dy="0.35em">{escape(line.label)}</text>'
        )
        x += 40 + 8 * len(line.label)
    return parts
