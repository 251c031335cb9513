//! The report's three kinds of chart, drawn with plotters into SVG text: bars (one figure per subject,
//! ours in blue and the peers in grey), lines over a logarithmic axis (latency distributions, failover
//! per trial), and a timeline of points (which node answered each request around a failover).
//!
//! Charts are plain functions from figures to SVG; what to draw is the report's choice
//! ([`super::report`]). SVG keeps the charts dependency-free: text stays `<text>`, no font is read.

use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// Ours, in every chart.
const OURS: RGBColor = RGBColor(0x1f, 0x6f, 0xb4);
/// A second series of ours in one line chart (go-web's `/host` and `/data`).
const OURS_TOO: RGBColor = RGBColor(0x12, 0xa4, 0xc4);
/// The peers in bar charts.
const PEER: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
/// The peers in line charts, one colour each, in the order they are listed.
const PEERS: [RGBColor; 4] =
    [RGBColor(0xe0, 0x7b, 0x39), RGBColor(0x6b, 0x6b, 0x6b), RGBColor(0x3a, 0x9a, 0x5b), RGBColor(0x9b, 0x59, 0xb6)];
const SIZE: (u32, u32) = (760, 380);
const FONT: &str = "sans-serif";

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart {title:?}: {reason}")]
pub struct ChartError {
    title: String,
    reason: String,
}

/// One bar: a subject and its figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The subject, as the chart names it.
    pub label: String,
    /// Its figure.
    pub value: f64,
    /// Ours (drawn in blue) or a peer (grey).
    pub ours: bool,
}

/// One line or set of points: a subject's series.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The subject, as the legend names it.
    pub name: String,
    /// Its points `(x, y)`.
    pub points: Vec<(f64, f64)>,
    /// Ours (drawn in blue, thicker) or a peer.
    pub ours: bool,
}

/// Horizontal bars, first at the top, each with its figure written at its end in `unit`.
pub fn bars(title: &str, unit: &str, bars: &[Bar]) -> Result<String, ChartError> {
    let fail = |reason: String| ChartError { title: title.to_string(), reason };
    if bars.is_empty() {
        return Err(fail("no figures".to_string()));
    }
    let max = bars.iter().map(|bar| bar.value).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let count = bars.len();
    let height = 90 + 34 * count as u32;
    draw(title, (SIZE.0, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(210)
            // A segmented 0..n axis has n + 1 rows.
            .build_cartesian_2d(0.0..max * 1.25, (0..count - 1).into_segmented())
            .map_err(|e| e.to_string())?;
        // Bar i sits at row count - 1 - i, so the list reads top to bottom.
        let label_of = |value: &SegmentValue<usize>| match value {
            SegmentValue::CenterOf(row) if *row < count => bars[count - 1 - row].label.clone(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(count)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| figure(*x))
            .x_desc(unit)
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        let rows = bars.iter().enumerate().map(|(i, bar)| (count - 1 - i, bar));
        chart
            .draw_series(rows.clone().map(|(row, bar)| {
                let color = if bar.ours { OURS } else { PEER };
                let mut rect = Rectangle::new(
                    [(0.0, SegmentValue::Exact(row)), (bar.value, SegmentValue::Exact(row + 1))],
                    color.filled(),
                );
                rect.set_margin(5, 5, 0, 0);
                rect
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(rows.map(|(row, bar)| {
                Text::new(format!(" {}", figure(bar.value)), (bar.value, SegmentValue::CenterOf(row)), (FONT, 13))
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// Lines over a logarithmic y axis. `x_labels`, when given, names the x positions (percentiles drawn at
/// even spacing, for example); otherwise x is numeric.
pub fn lines(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Series],
    x_labels: Option<&[String]>,
) -> Result<String, ChartError> {
    let fail = |reason: &str| ChartError { title: title.to_string(), reason: reason.to_string() };
    let points = || series.iter().flat_map(|s| s.points.iter().copied());
    if points().next().is_none() {
        return Err(fail("no figures"));
    }
    if points().any(|(_, y)| y <= 0.0) {
        return Err(fail("a figure is zero or negative, which a logarithmic axis cannot show"));
    }
    let (x_min, x_max) = bounds(points().map(|(x, _)| x));
    let (y_min, y_max) = bounds(points().map(|(_, y)| y));
    // The top third of the plot is left free for the legend.
    let (low, high) = ((y_min / 1.5).ln(), (y_max * 1.5).ln());
    let top = (low + (high - low) / 0.68).exp();
    draw(title, SIZE, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 18))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                x_min..x_max,
                (low.exp()..top).log_scale().with_key_points(one_two_five(low.exp(), top)),
            )
            .map_err(|e| e.to_string())?;
        let name_x = |x: &f64| match x_labels {
            Some(names) if x.fract() == 0.0 => names.get(*x as usize).cloned().unwrap_or_default(),
            Some(_) => String::new(),
            None => figure(*x),
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(x_desc).y_desc(y_desc).x_label_formatter(&name_x).y_label_formatter(&|y| figure(*y));
        if let Some(names) = x_labels {
            mesh.x_labels(names.len());
        }
        mesh.label_style((FONT, 13)).draw().map_err(|e| e.to_string())?;
        for (one, color) in series.iter().zip(colors_of_peers(series.iter().map(|s| s.ours))) {
            let width = if one.ours { 3 } else { 2 };
            chart
                .draw_series(LineSeries::new(one.points.iter().copied(), color.stroke_width(width)))
                .map_err(|e| e.to_string())?
                .label(one.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3)));
            chart
                .draw_series(one.points.iter().map(|&point| Circle::new(point, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
        legend(&mut chart)
    })
}

/// Points over a linear time axis, one panel per series: each point a request, its height the node that
/// answered it, 0 for none. `cut` marks the moment the owner lost its link.
pub fn timeline(title: &str, x_desc: &str, series: &[Series], cut: f64) -> Result<String, ChartError> {
    let fail = |reason: &str| ChartError { title: title.to_string(), reason: reason.to_string() };
    let points = || series.iter().flat_map(|s| s.points.iter().copied());
    if points().next().is_none() {
        return Err(fail("no figures"));
    }
    let (x_min, x_max) = bounds(points().map(|(x, _)| x).chain([cut]));
    let top = points().map(|(_, y)| y).fold(1.0, f64::max);
    let panel_height = 150;
    let height = 50 + panel_height * series.len() as u32;
    draw(title, (SIZE.0, height), |root| {
        let root = root.titled(title, (FONT, 18)).map_err(|e| e.to_string())?;
        let panels = root.split_evenly((series.len(), 1));
        for ((one, panel), color) in series.iter().zip(&panels).zip(colors_of_peers(series.iter().map(|s| s.ours))) {
            let mut chart = ChartBuilder::on(panel)
                .caption(&one.name, (FONT, 14))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(60)
                .build_cartesian_2d(x_min..x_max, -0.5..top + 0.5)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .x_label_formatter(&|x| figure(*x))
                .y_labels(top as usize + 1)
                .y_label_formatter(&|y| node_name(*y))
                .label_style((FONT, 12))
                .draw()
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(LineSeries::new([(cut, -0.5), (cut, top + 0.5)], RED.stroke_width(1)))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(one.points.iter().map(|&(x, y)| {
                    let style = if y == 0.0 { RED.filled() } else { color.filled() };
                    Circle::new((x, y), 3, style)
                }))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Draws into an SVG string of `size` pixels on white.
fn draw(
    title: &str,
    size: (u32, u32),
    paint: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let result = root.fill(&WHITE).map_err(|e| e.to_string()).and_then(|()| paint(&root));
        result
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .map_err(|reason| ChartError { title: title.to_string(), reason })?;
    }
    Ok(svg)
}

fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(chart: &mut ChartContext<'a, DB, CT>) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 13))
        .draw()
        .map_err(|e| e.to_string())
}

/// Blues for ours; the peers take the next colour each, in order.
fn colors_of_peers(ours: impl Iterator<Item = bool>) -> impl Iterator<Item = RGBColor> {
    let (mut next_ours, mut next_peer) = (0, 0);
    ours.map(move |ours| {
        let (palette, next): (&[RGBColor], &mut usize) =
            if ours { (&[OURS, OURS_TOO], &mut next_ours) } else { (&PEERS, &mut next_peer) };
        *next += 1;
        palette[(*next - 1) % palette.len()]
    })
}

/// The axis labels of a logarithmic scale between `low` and `high`: 1, 2 and 5 times the powers of ten.
fn one_two_five(low: f64, high: f64) -> Vec<f64> {
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    (first..=last)
        .flat_map(|power| [1.0, 2.0, 5.0].map(|step| step * 10f64.powi(power)))
        .filter(|value| (low..=high).contains(value))
        .collect()
}

/// The smallest and largest of `values`, apart by at least 1 so an axis has a width.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if max - min < 1e-9 { (min - 0.5, max + 0.5) } else { (min, max) }
}

/// A figure as an axis or bar shows it: at most three significant digits after the point, no trailing
/// zeros, thousands as `k`.
pub fn figure(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 10_000.0 {
        return format!("{:.1}k", value / 1000.0);
    }
    let text = match magnitude {
        m if m >= 100.0 => format!("{value:.0}"),
        m if m >= 10.0 => format!("{value:.1}"),
        m if m >= 1.0 => format!("{value:.2}"),
        _ => format!("{value:.3}"),
    };
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

fn node_name(y: f64) -> String {
    match y.round() as i64 {
        0 => "none".to_string(),
        n if (y - n as f64).abs() < 1e-9 => format!("node-{n}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bars come out as SVG naming every subject and its figure, and ours is drawn in ours' colour.
    #[test]
    fn bars_name_every_subject() {
        let svg = bars(
            "Throughput",
            "requests per second",
            &[
                Bar { label: "go-web /host".into(), value: 101_809.0, ours: true },
                Bar { label: "nginx".into(), value: 83_072.0, ours: false },
            ],
        )
        .expect("drawn");
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        for text in ["Throughput", "go-web /host", "nginx", "101.8k", "83.1k", "#1F6FB4"] {
            assert!(svg.to_uppercase().contains(&text.to_uppercase()), "{text} missing");
        }
        assert!(bars("Empty", "x", &[]).is_err());
    }

    /// A latency distribution draws on a logarithmic axis with the percentiles as its x labels; a zero
    /// figure is refused rather than drawn wrong.
    #[test]
    fn lines_over_percentiles() {
        let series = [
            Series { name: "mini-proxy pair".into(), points: vec![(0.0, 0.3), (1.0, 0.4), (2.0, 1.3)], ours: true },
            Series { name: "nginx pair".into(), points: vec![(0.0, 0.25), (1.0, 0.33), (2.0, 1.0)], ours: false },
        ];
        let names: Vec<String> = ["p10", "p50", "p99"].map(String::from).to_vec();
        let svg = lines("Latency", "percentile", "ms", &series, Some(&names)).expect("drawn");
        for text in ["Latency", "mini-proxy pair", "nginx pair", "p50", "p99"] {
            assert!(svg.contains(text), "{text} missing");
        }
        let zero = [Series { name: "x".into(), points: vec![(1.0, 0.0)], ours: true }];
        let error = lines("Zero", "x", "ms", &zero, None).expect_err("refused");
        assert!(error.to_string().contains("logarithmic"), "{error}");
    }

    /// A timeline draws one panel per series, naming the nodes that answered.
    #[test]
    fn timeline_panels() {
        let series = [
            Series { name: "mini-lb".into(), points: vec![(-40.0, 1.0), (-20.0, 0.0), (400.0, 2.0)], ours: true },
            Series { name: "keepalived".into(), points: vec![(-40.0, 1.0), (380.0, 2.0)], ours: false },
        ];
        let svg = timeline("One failover", "ms since the cut", &series, 0.0).expect("drawn");
        for text in ["One failover", "mini-lb", "keepalived", "node-2", "none"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    /// A logarithmic axis is labelled at 1, 2 and 5 times the powers of ten within its range.
    #[test]
    fn log_axis_labels() {
        assert_eq!(one_two_five(0.03, 12.0), [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]);
        assert_eq!(one_two_five(250.0, 4000.0), [500.0, 1000.0, 2000.0]);
    }

    /// Figures read at a glance: thousands as k, small values with three significant digits.
    #[test]
    fn figures() {
        assert_eq!(
            [figure(101_809.56), figure(408.0), figure(15.0), figure(4.37), figure(0.2491), figure(0.1)],
            ["101.8k", "408", "15", "4.37", "0.249", "0.1"]
        );
    }
}
