"""The SVG charts: well-formed, accessible, scaled, and with every label escaped."""

import xml.etree.ElementTree as ET

from django.utils import translation

from reports.charts import WIDTH, bar_chart, figure_text, line_chart

SVG = "{http://www.w3.org/2000/svg}"
NASTY = '<script>alert("x")</script> & Co'


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))  # noqa: S314 — our own markup, parsed to check it
    assert root.tag == f"{SVG}svg"
    return root


def test_it_draws_a_bar_per_item_scaled_to_the_largest():
    root = parse(bar_chart([("Price", 4), ("Other", 2), ("Product", 0)], title="Refusals"))

    assert root.get("role") == "img"
    assert root.get("aria-label") == "Refusals"
    assert root.find(f"{SVG}title").text == "Refusals"
    assert root.get("viewBox").startswith(f"0 0 {WIDTH} ")
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 1  # a zero is a sliver, not a gap
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts == ["Price", "4", "Other", "2", "Product", "0"]


def test_it_writes_rates_with_their_unit():
    root = parse(
        bar_chart([("Survey", 75.0), ("Call", 33.3), ("Service", None)], title="Rate", unit="%")
    )

    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts == ["Survey", "75 %", "Call", "33.3 %", "Service", "—"]
    with translation.override("ru"):
        assert figure_text(33.3, "%") == "33,3 %"


def test_it_escapes_every_label_and_the_title():
    markup = str(bar_chart([(NASTY, 1)], title=NASTY))

    assert "<script>" not in markup
    root = parse(markup)
    assert root.get("aria-label") == NASTY
    assert root.find(f"{SVG}title").text == NASTY
    assert next(root.iter(f"{SVG}text")).text == NASTY

    markup = str(line_chart([(NASTY, 10.0)], title=NASTY))
    assert "<script>" not in markup
    assert NASTY in [text.text for text in parse(markup).iter(f"{SVG}text")]


def test_it_draws_a_line_broken_where_a_value_is_missing():
    points = [
        ("2026-07", 50.0),
        ("2026-08", 75.0),
        ("2026-09", None),
        ("2026-10", 100.0),
        ("2026-11", 0.0),
    ]
    root = parse(line_chart(points, title="By month", unit="%", maximum=100))

    lines = [line.get("points").split() for line in root.iter(f"{SVG}polyline")]
    assert [len(line) for line in lines] == [2, 2]
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    # On a 0–100 scale, 100 sits at the top of the plot and 0 at its bottom.
    ys = [float(circle.get("cy")) for circle in root.iter(f"{SVG}circle")]
    assert ys[2] < ys[1] < ys[0] < ys[3]
    assert ys[2] == 20.0 and ys[3] == 180.0


def test_it_thins_the_labels_of_a_long_axis():
    points = [(f"m{n}", float(n)) for n in range(24)]
    root = parse(line_chart(points, title="Two years"))

    labels = [text.text for text in root.iter(f"{SVG}text") if text.text.startswith("m")]
    assert labels == ["m0", "m4", "m8", "m12", "m16", "m20"]


def test_it_says_when_there_is_nothing_to_draw():
    for markup in (bar_chart([], title="Empty"), line_chart([("2026-11", None)], title="Empty")):
        root = parse(markup)
        assert [text.text for text in root.iter(f"{SVG}text")] == ["No data for this period."]
        assert root.get("aria-label") == "Empty"


def test_it_draws_a_single_point():
    root = parse(line_chart([("2026-11", 55.6)], title="One month", unit="%", maximum=100))

    assert list(root.iter(f"{SVG}polyline")) == []
    [circle] = root.iter(f"{SVG}circle")
    assert circle.find(f"{SVG}title").text == "2026-11: 55.6 %"
