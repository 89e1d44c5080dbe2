//! The echo: the latency of one round trip, p50 as a bar and p99 as a line
//! above it, for the Rust server (lab 1) and the Python one, side by side
//! for each number of connections.

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::data::{Bench, Echo};
use crate::labels::{Labels, number};
use crate::room::{FONT, LAB5, PYTHON, SIZE, footnote, spread};

/// Where a server's bar stands in its group (a group is 1 wide).
const BARS: [(&str, f64); 2] = [("rust", 0.18), ("python", 0.55)];
const BAR_WIDTH: f64 = 0.27;

pub fn draw_latency(bench: &Bench, labels: &Labels, path: &Path) -> anyhow::Result<()> {
    let drawn = (|| -> Result<(), Box<dyn std::error::Error>> {
        let mut groups: Vec<u32> = bench.echo.iter().map(|echo| echo.connections).collect();
        groups.sort();
        groups.dedup();
        let highest: Vec<f64> = bench.echo.iter().filter_map(|echo| echo.p99_us).collect();
        let (_, high) = spread(&highest);

        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let (area, footer) = root.split_vertically(SIZE.1 - 44);
        let x = 0.0..groups.len() as f64;
        let mut chart = ChartBuilder::on(&area)
            .caption(labels.echo_title, (FONT, 24))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(x, 0.0..high * 1.25)?;
        // The groups are named under their middles, below (the axis's own
        // labels would fall on round numbers, between them).
        let no_label = |_: &f64| String::new();
        let value_label = |value: &f64| number(*value);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_label_formatter(&no_label)
            .y_label_formatter(&value_label)
            .y_desc(labels.latency_axis)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .max_light_lines(0)
            .bold_line_style(BLACK.mix(0.12))
            .draw()?;

        for ((server, offset), (name, colour)) in BARS
            .into_iter()
            .zip([(labels.rust_echo, LAB5), (labels.python_echo, PYTHON)])
        {
            let cases: Vec<(usize, &Echo)> = groups
                .iter()
                .enumerate()
                .filter_map(|(g, &n)| {
                    let echo = bench
                        .echo
                        .iter()
                        .find(|e| e.server == server && e.connections == n)?;
                    Some((g, echo))
                })
                .collect();
            let left = |g: usize| g as f64 + offset;
            let middle = |g: usize| left(g) + BAR_WIDTH / 2.0;
            chart
                .draw_series(cases.iter().filter_map(|&(g, echo)| {
                    let p50 = echo.p50_us?;
                    Some(Rectangle::new(
                        [(left(g), 0.0), (left(g) + BAR_WIDTH, p50)],
                        colour.filled(),
                    ))
                }))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 7), (x + 16, y + 7)], colour.filled())
                });
            // p99: a line from the top of the bar, with a cap
            for &(g, echo) in &cases {
                let (Some(p50), Some(p99)) = (echo.p50_us, echo.p99_us) else {
                    continue;
                };
                let (m, cap) = (middle(g), BAR_WIDTH / 4.0);
                let ink = BLACK.mix(0.75).stroke_width(2);
                chart.draw_series([
                    PathElement::new([(m, p50), (m, p99)], ink),
                    PathElement::new([(m - cap, p99), (m + cap, p99)], ink),
                ])?;
                let text = format!("p50 {}, p99 {}", number(p50), number(p99));
                let style = (FONT, 13)
                    .into_font()
                    .color(&BLACK.mix(0.8))
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                chart.draw_series([Text::new(text, (m, p99 + high * 0.02), style)])?;
            }
        }
        for (g, &n) in groups.iter().enumerate() {
            let mut label = (labels.connections)(n);
            for (server, name) in [("rust", labels.rust_echo), ("python", labels.python_echo)] {
                if let Some(echo) = bench
                    .echo
                    .iter()
                    .find(|e| e.server == server && e.connections == n)
                {
                    label.push_str(&(labels.served)(name, &echo.served));
                }
            }
            let (x, y) = chart.backend_coord(&(g as f64 + 0.5, 0.0));
            let style = (FONT, 16)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top));
            root.draw_text(&label, &style, (x, y + 10))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        let key = format!("{}; {}", labels.p50, labels.p99);
        footer.draw_text(
            &key,
            &(FONT, 14).into_font().color(&BLACK.mix(0.8)),
            (16, 2),
        )?;
        let (_, note) = footer.split_vertically(22);
        footnote(&note, bench, labels)?;
        root.present()?;
        Ok(())
    })();
    drawn
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("could not draw {}", path.display()))
}
