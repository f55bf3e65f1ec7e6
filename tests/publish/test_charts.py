"""Inline SVG charts: well-formed, one marker per unit, outliers marked by shape, text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tvaers.publish.charts import FunnelPoint, TrendSeries, funnel_svg, trend_svg

SVG = "{http://www.w3.org/2000/svg}"


def points() -> list[FunnelPoint]:
    inside = [FunnelPoint(f"Enhed {i}", 50 + 10 * i, 0.2, 0.1, 0.3, 0.05, 0.35) for i in range(10)]
    return [
        *inside,
        FunnelPoint("Høj", 100, 0.5, 0.1, 0.3, 0.05, 0.35),
        FunnelPoint("Lav95", 100, 0.08, 0.1, 0.3, 0.05, 0.35),
        FunnelPoint("<b>Egen</b>", 120, 0.22, 0.1, 0.3, 0.05, 0.35, highlight=True),
    ]


def test_funnel_markers_and_accessibility() -> None:
    svg = ET.fromstring(str(funnel_svg("f1", "Tragt", points(), target=0.2, standard=0.15)))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "f1-title f1-desc"
    assert svg.find(f"{SVG}title").text == "Tragt"  # type: ignore[union-attr]
    circles = svg.findall(f"{SVG}circle")
    crosses = [p for p in svg.findall(f"{SVG}path") if "outlier" in (p.get("class") or "")]
    highlight = [p for p in svg.findall(f"{SVG}path") if "highlight" in (p.get("class") or "")]
    assert len(circles) == 11  # ten inside + the one outside 95 % only
    assert len(crosses) == 1 and "over" in crosses[0].get("class", "")
    assert len(highlight) == 1
    assert len(svg.findall(f"{SVG}path[@class='limit95']")) == 2
    assert len(svg.findall(f"{SVG}path[@class='limit998']")) == 2
    assert svg.find(f"{SVG}line[@class='standard']") is not None


def test_funnel_escapes_labels() -> None:
    text = str(funnel_svg("f2", "<i>titel</i>", points(), target=0.2))
    assert "<b>" not in text and "<i>" not in text
    assert "&lt;b&gt;Egen&lt;/b&gt;" in text
    ET.fromstring(text)


def test_point_positions() -> None:
    limits = (0.1, 0.3, 0.05, 0.35)
    assert FunnelPoint("a", 10, 0.2, *limits).position == "inside"
    assert FunnelPoint("a", 10, 0.32, *limits).position == "over95"
    assert FunnelPoint("a", 10, 0.36, *limits).position == "over"
    assert FunnelPoint("a", 10, 0.06, *limits).position == "under95"
    assert FunnelPoint("a", 10, 0.01, *limits).position == "under"


def test_trend_skips_missing_values() -> None:
    series = [TrendSeries("Land", (0.1, 0.2, 0.3)), TrendSeries("Kommune", (0.1, None, 0.4))]
    svg = ET.fromstring(str(trend_svg("t1", "Udvikling", ("2022", "2023", "2024"), series, 0.25)))
    dots = [c for c in svg.findall(f"{SVG}circle")]
    assert len(dots) == 5
    ticks = [t.text for t in svg.findall(f"{SVG}text") if t.get("class") == "tick"]
    assert {"2022", "2023", "2024"} <= set(ticks)
    assert "40 %" in [t.replace("\u00a0", " ") for t in ticks if t]
