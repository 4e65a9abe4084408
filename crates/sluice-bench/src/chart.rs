//! A small grouped bar chart written as SVG text (`--chart`): messages/s per round for
//! both endpoints of a `--vs` run, or latency percentiles per operation otherwise.

use std::fmt::Write as _;

use crate::report::{Comparison, Summary};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 70.0;
/// Fill colours of the series, in order.
const COLOURS: [&str; 4] = ["#3b6ea8", "#d9822b", "#5a9e4b", "#8e5ba8"];
/// Horizontal grid lines (and axis labels) above zero.
const TICKS: u32 = 5;

/// A grouped bar chart: one group of bars per category, one bar per series.
pub struct Chart {
    pub title: String,
    pub y_label: String,
    pub series: Vec<String>,
    /// Category label and one value per series.
    pub groups: Vec<(String, Vec<f64>)>,
}

/// XML text escaping.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round number at or above `max`, of the form 1, 2 or 5 × 10ⁿ, times `TICKS`.
fn nice_top(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let step = max / f64::from(TICKS);
    let magnitude = 10f64.powf(step.log10().floor());
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= step)
        .unwrap_or(10.0 * magnitude);
    nice * f64::from(TICKS)
}

fn label(v: f64) -> String {
    if v >= 100.0 || v == 0.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

impl Chart {
    pub fn svg(&self) -> String {
        let max = self
            .groups
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let top = nice_top(max);
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let y = |v: f64| TOP + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            out,
            r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
            WIDTH / 2.0,
            esc(&self.title)
        );
        for i in 0..=TICKS {
            let v = top * f64::from(i) / f64::from(TICKS);
            let yy = y(v);
            let _ = writeln!(
                out,
                r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                WIDTH - RIGHT,
                LEFT - 6.0,
                yy + 4.0,
                label(v)
            );
        }
        let _ = writeln!(
            out,
            r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + plot_h / 2.0,
            esc(&self.y_label)
        );
        let groups = self.groups.len().max(1) as f64;
        let group_w = plot_w / groups;
        let bars = self.series.len().max(1) as f64;
        let bar_w = group_w * 0.8 / bars;
        for (g, (name, values)) in self.groups.iter().enumerate() {
            let x0 = LEFT + group_w * g as f64 + group_w * 0.1;
            for (s, &v) in values.iter().enumerate() {
                let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
                let x = x0 + bar_w * s as f64;
                let yy = y(v);
                let _ = writeln!(
                    out,
                    r#"<rect x="{x:.1}" y="{yy:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                    (bar_w - 2.0).max(1.0),
                    TOP + plot_h - yy,
                    COLOURS[s % COLOURS.len()],
                    esc(&self.series[s.min(self.series.len() - 1)]),
                    label(v)
                );
                let _ = writeln!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
                    x + bar_w / 2.0,
                    yy - 3.0,
                    label(v)
                );
            }
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x0 + group_w * 0.4,
                TOP + plot_h + 16.0,
                esc(name)
            );
        }
        let _ = writeln!(
            out,
            r#"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="black"/>"#,
            TOP + plot_h,
            WIDTH - RIGHT,
            TOP + plot_h
        );
        for (s, name) in self.series.iter().enumerate() {
            let x = LEFT + 330.0 * s as f64;
            let yy = HEIGHT - 24.0;
            let _ = writeln!(
                out,
                r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{yy:.1}">{}</text>"#,
                yy - 10.0,
                COLOURS[s % COLOURS.len()],
                x + 16.0,
                esc(name)
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

/// Messages/s per round of both endpoints.
pub fn comparison(c: &Comparison) -> Chart {
    Chart {
        title: format!(
            "{}: messages/s per round, median A/B {}",
            c.scenario,
            c.median_ratio()
                .map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×"))
        ),
        y_label: "messages/s".to_owned(),
        series: vec![format!("A {}", c.a), format!("B {}", c.b)],
        groups: c
            .rounds
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| (format!("round {}", i + 1), vec![a, b]))
            .collect(),
    }
}

/// Latency percentiles per operation of one run.
pub fn latencies(s: &Summary) -> Chart {
    Chart {
        title: format!("{} ({}): latency per operation", s.scenario, s.store),
        y_label: "milliseconds".to_owned(),
        series: vec!["p50".to_owned(), "p90".to_owned(), "p99".to_owned()],
        groups: s
            .rows
            .iter()
            .map(|r| {
                let [p50, p90, p99, _] = r.latency_us;
                (
                    r.operation.clone(),
                    [p50, p90, p99]
                        .iter()
                        .map(|&us| us as f64 / 1000.0)
                        .collect(),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_axis_tops() {
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(9.0), 10.0);
        assert_eq!(nice_top(98_901.0), 100_000.0);
        assert_eq!(nice_top(1_060.0), 1_250.0);
    }

    #[test]
    fn svg_is_escaped_and_closed() {
        let chart = Chart {
            title: "a<b & c".to_owned(),
            y_label: "ms".to_owned(),
            series: vec!["x".to_owned()],
            groups: vec![
                ("g".to_owned(), vec![1.0]),
                ("h".to_owned(), vec![f64::NAN]),
            ],
        };
        let svg = chart.svg();
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains("a&lt;b &amp; c"));
        assert!(!svg.contains("NaN"));
    }
}
