//! Line charts of the last hour as inline SVG, readable without the script: each is a
//! figure with an SVG (`role="img"`, named by its title and a one-line summary), a key,
//! and the same numbers as a table under a disclosure. The script redraws them from the
//! page's history JSON with the same geometry (it reads the plot area from the SVG's
//! `rect.plot`) and the same rounding ([`nice_max`], [`number_text`]).

use std::fmt::Write;

use sluice_core::clock::EpochMs;

use super::escape;

/// The SVG's size in its own units (it scales to the page's width).
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
/// Room for the value labels on the left and the time labels below.
const LEFT: f64 = 56.0;
const TOP: f64 = 10.0;
const RIGHT: f64 = 10.0;
const BOTTOM: f64 = 24.0;

/// One line of a chart: the field of the JSON rows it draws, and its name.
pub struct Series {
    pub field: &'static str,
    pub label: &'static str,
}

/// A chart: its element id, title, the unit of its values, and its lines.
pub struct Spec {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: &'static str,
    pub series: &'static [Series],
}

/// A row of values, one per series, at a time.
pub type Row = (EpochMs, Vec<f64>);

/// The top of a chart's value axis: the least 1, 2 or 5 times a power of ten that is at
/// least `max` (1 when there is nothing above zero).
pub fn nice_max(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 {
        return 1.0;
    }
    let mut step = 10f64.powf(max.log10().floor());
    loop {
        for f in [1.0, 2.0, 5.0] {
            if f * step >= max {
                return f * step;
            }
        }
        step *= 10.0;
    }
}

/// A value as the console shows it: whole numbers as they are, others to two decimals
/// below 10, one below 100, none above (halves rounded up, as the script's `toFixed`).
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 || v >= 100.0 {
        format!("{:.0}", v.round())
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// What the chart shows in one sentence: the latest values and the highest ones.
pub fn summary(spec: &Spec, rows: &[Row]) -> String {
    let Some((_, last)) = rows.last() else {
        return format!("{}: no samples yet.", spec.title);
    };
    let mut latest = Vec::new();
    let mut highest = Vec::new();
    for (i, s) in spec.series.iter().enumerate() {
        let max = rows.iter().map(|(_, v)| v[i]).fold(0.0, f64::max);
        latest.push(format!("{} {}", s.label, number_text(last[i])));
        highest.push(format!("{} {}", s.label, number_text(max)));
    }
    format!(
        "{} ({}): latest {}; highest {}.",
        spec.title,
        spec.unit,
        latest.join(", "),
        highest.join(", ")
    )
}

/// The time of day of `ms`, UTC, to the second.
fn clock_text(ms: EpochMs) -> String {
    let text = super::timestamp(ms);
    text.get(11..19).unwrap_or(&text).to_owned()
}

/// The SVG polyline points of `rows`' series `i` over the hour up to `now_ms`.
fn points(rows: &[Row], i: usize, now_ms: EpochMs, window_ms: u64, max: f64) -> String {
    let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let start = now_ms.saturating_sub(window_ms) as f64;
    let mut out = String::new();
    for (at, values) in rows {
        let x = LEFT + ((*at as f64 - start) / window_ms as f64).clamp(0.0, 1.0) * w;
        let y = TOP + h - (values[i] / max).clamp(0.0, 1.0) * h;
        let _ = write!(
            out,
            "{}{x:.1},{y:.1}",
            if out.is_empty() { "" } else { " " }
        );
    }
    out
}

/// The chart as a figure, from rows oldest first, spanning `window_ms` up to `now_ms`.
pub fn render(spec: &Spec, rows: &[Row], now_ms: EpochMs, window_ms: u64) -> String {
    let top = nice_max(
        rows.iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0, f64::max),
    );
    let id = spec.id;
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let bottom = TOP + plot_h;
    let label_x = LEFT - 6.0;
    let mut svg = format!(
        r#"<svg role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMinYMin meet">
<title id="{id}-title">{title}</title><desc id="{id}-desc" data-summary>{summary}</desc>
<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"></rect>
<text class="tick" x="{label_x}" y="{ty}" text-anchor="end" data-max>{max}</text>
<text class="tick" x="{label_x}" y="{bottom}" text-anchor="end">0</text>
<text class="tick" x="{LEFT}" y="{HEIGHT}" dy="-4">{minutes} min ago</text>
<text class="tick" x="{right}" y="{HEIGHT}" dy="-4" text-anchor="end">now</text>"#,
        title = escape(spec.title),
        summary = escape(&summary(spec, rows)),
        ty = TOP + 10.0,
        max = number_text(top),
        minutes = window_ms / 60_000,
        right = WIDTH - RIGHT,
    );
    for (i, s) in spec.series.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<polyline class="line line-{i}" data-series="{field}" points="{points}"></polyline>"#,
            field = escape(s.field),
            points = points(rows, i, now_ms, window_ms, top),
        );
    }
    svg.push_str("</svg>");

    let mut key = String::new();
    let mut head = String::new();
    for (i, s) in spec.series.iter().enumerate() {
        let _ = write!(
            key,
            r#"<li><span class="swatch line-{i}" aria-hidden="true"></span>{}</li>"#,
            escape(s.label)
        );
        let _ = write!(
            head,
            r#"<th scope="col" data-series="{}">{}</th>"#,
            escape(s.field),
            escape(s.label)
        );
    }
    let mut body = String::new();
    for (at, values) in rows.iter().rev() {
        let _ = write!(body, r#"<tr><th scope="row">{}</th>"#, clock_text(*at));
        for v in values {
            let _ = write!(body, "<td>{}</td>", number_text(*v));
        }
        body.push_str("</tr>");
    }
    format!(
        r#"<figure class="chart" data-chart="{id}">
{svg}
<figcaption><ul class="key">{key}</ul></figcaption>
<details><summary>{title} as a table</summary>
<table class="list"><caption>{title} ({unit}), newest first</caption>
<thead><tr><th scope="col">Time (UTC)</th>{head}</tr></thead>
<tbody>{body}</tbody></table></details>
</figure>"#,
        title = escape(spec.title),
        unit = escape(spec.unit),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec = Spec {
        id: "c",
        title: "Depth <now>",
        unit: "messages",
        series: &[
            Series {
                field: "visible",
                label: "Visible",
            },
            Series {
                field: "delayed",
                label: "Delayed",
            },
        ],
    };

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(0.3), 0.5);
        assert_eq!(nice_max(1.0), 1.0);
        assert_eq!(nice_max(1.5), 2.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(120.0), 200.0);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(number_text(0.0), "0");
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(0.1234), "0.12");
        assert_eq!(number_text(12.34), "12.3");
        assert_eq!(number_text(1234.5), "1235");
    }

    #[test]
    fn a_chart_is_an_image_with_a_summary_and_a_table() {
        let now = 1_700_000_000_000;
        let rows = vec![(now - 3_600_000, vec![0.0, 1.0]), (now, vec![4.0, 2.0])];
        let html = render(&SPEC, &rows, now, 3_600_000);
        assert!(html.contains(r#"<svg role="img" aria-labelledby="c-title c-desc""#));
        assert!(html.contains("<title id=\"c-title\">Depth &lt;now&gt;</title>"));
        assert!(html.contains(
            "Depth &lt;now&gt; (messages): latest Visible 4, Delayed 2; highest Visible 4, Delayed 2."
        ));
        // The first point is at the left of the plot, the last at its right, on top.
        assert!(html.contains(r#"data-series="visible" points="56.0,156.0 630.0,39.2""#));
        assert!(html.contains(">5</text>"));
        assert!(html.contains("<tr><th scope=\"row\">22:13:20</th><td>4</td><td>2</td></tr>"));
        let empty = render(&SPEC, &[], now, 3_600_000);
        assert!(empty.contains("no samples yet"));
    }
}
