//! A grouped bar chart written as SVG (`--chart`), drawn with plotters: messages/s per
//! round for both endpoints of a `--vs` run, or latency percentiles per operation
//! otherwise.

use plotters::prelude::*;

use crate::report::{Comparison, Summary};

const WIDTH_PX: u32 = 760;
const HEIGHT_PX: u32 = 420;
/// Fill colours of the series, in order.
const COLOURS: [RGBColor; 4] = [
    RGBColor(0x3b, 0x6e, 0xa8),
    RGBColor(0xd9, 0x82, 0x2b),
    RGBColor(0x5a, 0x9e, 0x4b),
    RGBColor(0x8e, 0x5b, 0xa8),
];
/// Where the legend's row sits, and how far apart its entries are.
const LEGEND_ROW_PX: i32 = 30;
const LEGEND_ENTRY_PX: i32 = 210;
/// Share of a group's width its bars take; the rest separates groups.
const GROUP_FILL: f64 = 0.8;

/// A grouped bar chart: one group of bars per category, one bar per series.
pub struct Chart {
    pub title: String,
    pub y_label: String,
    pub series: Vec<String>,
    /// Category label and one value per series.
    pub groups: Vec<(String, Vec<f64>)>,
}

impl Chart {
    /// The chart as an SVG document. Values that are not finite (a round with no
    /// figure) draw no bar.
    pub fn svg(&self) -> String {
        let mut out = String::new();
        if let Err(e) = self.draw(&mut out) {
            // Drawing into a string only fails on a plotting bug; say so in the file.
            return format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>chart failed: {}</text></svg>\n",
                e.to_string().replace('<', "&lt;").replace('&', "&amp;")
            );
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    fn draw(&self, out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
        let top = self
            .groups
            .iter()
            .flat_map(|(_, values)| values.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max);
        let top = if top > 0.0 { top * 1.1 } else { 1.0 };
        let groups = self.groups.len().max(1);
        let root = SVGBackend::with_string(out, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 16))
            .margin(12)
            .margin_top(LEGEND_ROW_PX + 16)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((0..groups).into_segmented(), 0.0..top)?;
        let labels: Vec<&str> = self.groups.iter().map(|(l, _)| l.as_str()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(self.y_label.as_str())
            .x_labels(groups)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(g) => labels.get(*g).copied().unwrap_or("").to_owned(),
                _ => String::new(),
            })
            .draw()?;
        // Bars sit side by side inside their group's segment, in series order; they are
        // placed in pixels because a segmented axis has no positions between segments.
        let width = GROUP_FILL / self.series.len().max(1) as f64;
        for (s, name) in self.series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            for (g, (_, values)) in self.groups.iter().enumerate() {
                let Some(&value) = values.get(s).filter(|v| v.is_finite()) else {
                    continue;
                };
                let (start, base) = chart.backend_coord(&(SegmentValue::Exact(g), 0.0));
                let (end, height) = chart.backend_coord(&(SegmentValue::Exact(g + 1), value));
                let span = f64::from(end - start);
                let left = start + (span * ((1.0 - GROUP_FILL) / 2.0 + width * s as f64)) as i32;
                let right = left + (span * width).max(1.0) as i32;
                root.draw(&Rectangle::new(
                    [(left, height), (right, base)],
                    colour.filled(),
                ))?;
            }
            // The legend: one row under the title, above the bars.
            let (x, y) = (90 + LEGEND_ENTRY_PX * s as i32, LEGEND_ROW_PX);
            root.draw(&Rectangle::new([(x, y), (x + 12, y + 12)], colour.filled()))?;
            root.draw(&Text::new(name.as_str(), (x + 18, y), ("sans-serif", 13)))?;
        }
        root.present()?;
        Ok(())
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
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("<rect"), "bars are drawn: {svg}");
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains("a&lt;b &amp; c"));
        assert!(!svg.contains("NaN"));
    }
}
