//! The rooms: deliveries per second, and the server's peak memory, against
//! the number of clients, one line per server (lab 4, lab 5, Python).

use std::path::Path;

use anyhow::Context;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::data::{Bench, Room};
use crate::labels::{Labels, number};

pub const SIZE: (u32, u32) = (860, 520);
pub const FONT: &str = "sans-serif";

/// Each server's colour, the same in every chart and language.
pub const LAB4: RGBColor = RGBColor(214, 96, 39);
pub const LAB5: RGBColor = RGBColor(31, 119, 180);
pub const PYTHON: RGBColor = RGBColor(86, 150, 60);

pub fn draw_rate(bench: &Bench, labels: &Labels, path: &Path) -> anyhow::Result<()> {
    let all: Vec<f64> = bench.rooms.iter().filter_map(|room| room.rate).collect();
    let (low, high) = spread(&all);
    // A log scale: the rates span three or four powers of ten.
    // Room above the highest point for the legend.
    let y = (low / 2.0..high * 8.0).log_scale();
    draw(
        bench,
        labels,
        path,
        labels.rate_title,
        labels.rate_axis,
        y,
        |room| room.rate,
    )
}

pub fn draw_memory(bench: &Bench, labels: &Labels, path: &Path) -> anyhow::Result<()> {
    let all: Vec<f64> = bench.rooms.iter().filter_map(|room| room.rss_mib).collect();
    let (_, high) = spread(&all);
    draw(
        bench,
        labels,
        path,
        labels.memory_title,
        labels.memory_axis,
        0.0..high * 1.5,
        |room| room.rss_mib,
    )
}

/// One chart of `value` against the number of clients, any y axis.
fn draw<Y>(
    bench: &Bench,
    labels: &Labels,
    path: &Path,
    title: &str,
    y_axis: &str,
    y: Y,
    value: fn(&Room) -> Option<f64>,
) -> anyhow::Result<()>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let drawn = (|| -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let (area, footer) = root.split_vertically(SIZE.1 - 24);
        let clients: Vec<f64> = cases(bench)
            .iter()
            .map(|room| f64::from(room.clients))
            .collect();
        let (fewest, most) = spread(&clients);
        let x = (fewest / 1.5..most * 1.5)
            .log_scale()
            .with_key_points(clients);
        let mut chart = ChartBuilder::on(&area)
            .caption(title, (FONT, 24))
            .margin(16)
            // the last case's label is centred on the axis's last point
            .margin_right(72)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(x, y)?;
        let case_label = |clients: &f64| case_label(bench, labels, *clients);
        let value_label = |value: &f64| number(*value);
        chart
            .configure_mesh()
            .x_desc(labels.clients_axis)
            .y_desc(y_axis)
            .x_label_formatter(&case_label)
            .y_label_formatter(&value_label)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .max_light_lines(0)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;
        for (server, name, colour) in [
            ("lab4", labels.lab4, LAB4),
            ("lab5", labels.lab5, LAB5),
            ("python", labels.python_room, PYTHON),
        ] {
            let line = points(bench, server, value);
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(3)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(3))
                });
            chart.draw_series(
                line.iter()
                    .map(|&point| Circle::new(point, 5, colour.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        footnote(&footer, bench, labels)?;
        root.present()?;
        Ok(())
    })();
    drawn
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("could not draw {}", path.display()))
}

/// The small print under a chart: when and where bench/run measured it.
pub fn footnote<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    bench: &Bench,
    labels: &Labels,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let note = (labels.footnote)(&bench.run);
    area.draw_text(
        &note,
        &(FONT, 13).into_font().color(&BLACK.mix(0.55)),
        (16, 4),
    )
}

/// One room case per number of clients (the servers share them).
fn cases(bench: &Bench) -> Vec<&Room> {
    let mut cases: Vec<&Room> = Vec::new();
    for room in &bench.rooms {
        if !cases.iter().any(|case| case.clients == room.clients) {
            cases.push(room);
        }
    }
    cases.sort_by_key(|room| room.clients);
    cases
}

/// "200 × 100": the case at `clients`; "10,000 (10 send 10)" when only some
/// of them send.
fn case_label(bench: &Bench, labels: &Labels, clients: f64) -> String {
    let Some(case) = cases(bench)
        .into_iter()
        .find(|room| (f64::from(room.clients) - clients).abs() < 0.5)
    else {
        return String::new();
    };
    match case.senders == case.clients {
        true => format!("{} × {}", number(clients), case.lines),
        false => (labels.senders)(&number(clients), case.senders, case.lines),
    }
}

/// A server's points, (clients, value), for the cases that have a value.
fn points(bench: &Bench, server: &str, value: fn(&Room) -> Option<f64>) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = bench
        .rooms
        .iter()
        .filter(|room| room.server == server)
        .filter_map(|room| Some((f64::from(room.clients), value(room)?)))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

/// The smallest and largest of `values` (1 and 1 when there are none, so an
/// empty chart still has axes).
pub fn spread(values: &[f64]) -> (f64, f64) {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match low.is_finite() && high > 0.0 {
        true => (low.max(f64::MIN_POSITIVE), high),
        false => (1.0, 1.0),
    }
}
