//! A chart drawn as a self-contained SVG: axes with round ticks, gridlines, thinned x labels, a legend,
//! pie slices with their shares, a "no data" placeholder; accessible and deterministic.

use std::fmt::Write as _;

use crate::chart::{Chart, ChartKind};
use crate::pie::{Slice, pie_slices, share_text};
use crate::text::{escape_xml, fit_width, text_width};
use crate::ticks::nice_ticks;

/// The chart's coordinate system; the SVG scales to its container's width.
pub const CHART_WIDTH: f64 = 640.0;
pub const CHART_HEIGHT: f64 = 320.0;

/// Series and slice colours, in order, repeated past the eighth.
pub const PALETTE: [&str; 8] =
    ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"];

/// Fonts with Chinese glyphs: the committed one first (used for PDF and PNG), then common system ones.
pub const FONT_FAMILY: &str =
    "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

/// What a chart without data says.
pub const NO_DATA: &str = "无数据 / No data";

/// The space inside the chart around its content.
pub(crate) const CHART_MARGIN: f64 = 16.0;
const MARGIN: f64 = CHART_MARGIN;
const TITLE_SIZE: f64 = 15.0;
const LABEL_SIZE: f64 = 11.0;
const LEGEND_ROW_HEIGHT: f64 = 16.0;
const LEGEND_ROWS_MAX: usize = 3;
const LEGEND_NAME_WIDTH_MAX: f64 = 150.0;
const X_LABEL_WIDTH_MAX: f64 = 110.0;
const POINT_MARKERS_MAX: usize = 40;
const TEXT_COLOUR: &str = "#374151";
const GRID_COLOUR: &str = "#e5e7eb";
const AXIS_COLOUR: &str = "#9ca3af";
const TITLE: TextStyle = TextStyle::new(TITLE_SIZE, "#111827").bold();
const LABEL: TextStyle = TextStyle::new(LABEL_SIZE, TEXT_COLOUR);
const PLACEHOLDER: TextStyle = TextStyle::new(14.0, AXIS_COLOUR).middle();
const SHARE: TextStyle = TextStyle::new(LABEL_SIZE, "#ffffff").middle().bold();

impl Chart {
    /// The chart as a self-contained SVG document (640 × 320 view box, `width="100%"` of its container),
    /// with a `<title>`, `role="img"` and an `aria-label`; the same chart always gives the same bytes.
    pub fn svg(&self) -> String {
        let title = escape_xml(&self.title.joined());
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" width=\"100%\" \
             role=\"img\" aria-label=\"{title}\" font-family=\"{FONT_FAMILY}\"><title>{title}</title>{}</svg>",
            chart_body(self)
        )
    }

    /// The chart as a PNG image of 1280 × 640 pixels (2 pixels per unit), drawn with the committed font.
    pub fn png(&self) -> Vec<u8> {
        let document = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" height=\"{CHART_HEIGHT}\" \
             viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" font-family=\"{FONT_FAMILY}\">{}</svg>",
            chart_body(self)
        );
        crate::render::png(&document, 2.0)
    }
}

/// The chart's elements in its own 640×320 coordinates, for placing inside another SVG.
pub(crate) fn chart_body(chart: &Chart) -> String {
    let mut out = format!("<rect width=\"{CHART_WIDTH}\" height=\"{CHART_HEIGHT}\" fill=\"#ffffff\"/>");
    out.push_str(&fitted_text(MARGIN, 24.0, TITLE, &chart.title.joined(), CHART_WIDTH - 2.0 * MARGIN));
    let has_data = chart.values().next().is_some();
    match chart.kind {
        ChartKind::Pie if has_data => pie(chart, &mut out),
        ChartKind::Line | ChartKind::Bar if has_data => cartesian(chart, &mut out),
        _ => out.push_str(&text(CHART_WIDTH / 2.0, 175.0, PLACEHOLDER, NO_DATA)),
    }
    out
}

/// A coordinate written with one decimal, never "-0.0".
fn n(value: f64) -> String {
    format!("{:.1}", value + 0.0)
}

/// How a text is drawn: size, colour, anchor and weight.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TextStyle {
    size: f64,
    fill: &'static str,
    anchor: &'static str,
    bold: bool,
}

impl TextStyle {
    /// Left-aligned regular text.
    pub(crate) const fn new(size: f64, fill: &'static str) -> Self {
        Self { size, fill, anchor: "start", bold: false }
    }

    /// Right-aligned: `x` is where the text ends.
    pub(crate) const fn end(self) -> Self {
        Self { anchor: "end", ..self }
    }

    /// Centred on `x`.
    pub(crate) const fn middle(self) -> Self {
        Self { anchor: "middle", ..self }
    }

    pub(crate) const fn bold(self) -> Self {
        Self { bold: true, ..self }
    }
}

/// One `<text>` element with its baseline at `y`; `content` is escaped here.
pub(crate) fn text(x: f64, y: f64, style: TextStyle, content: &str) -> String {
    let TextStyle { size, fill, anchor, bold } = style;
    let weight = if bold { " font-weight=\"bold\"" } else { "" };
    let (x, y, content) = (n(x), n(y), escape_xml(content));
    format!(
        "<text x=\"{x}\" y=\"{y}\" font-size=\"{size}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{weight}>{content}</text>"
    )
}

/// Like `text`, shortened with an ellipsis to fit in `width`.
pub(crate) fn fitted_text(x: f64, y: f64, style: TextStyle, content: &str, width: f64) -> String {
    text(x, y, style, &fit_width(content, width, style.size))
}

fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// A hover note: "label · series: value".
fn tooltip(label: &str, series: &str, value: &str) -> String {
    let name = if series.is_empty() { String::new() } else { format!(" · {series}") };
    format!("<title>{}</title>", escape_xml(&format!("{label}{name}: {value}")))
}

/// The plot area of a line or bar chart and the value range its height shows.
struct Plot {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    low: f64,
    high: f64,
    bands: usize,
}

impl Plot {
    fn y(&self, value: f64) -> f64 {
        let value = value.clamp(self.low, self.high);
        self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)
    }

    fn band(&self) -> f64 {
        (self.right - self.left) / self.bands as f64
    }

    fn x_centre(&self, index: usize) -> f64 {
        self.left + (index as f64 + 0.5) * self.band()
    }
}

fn cartesian(chart: &Chart, out: &mut String) {
    let (low, high) =
        chart.values().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let ticks = nice_ticks(low, high, chart.format.step_min());
    let tick_labels: Vec<String> = ticks.iter().map(|&tick| chart.format.tick_text(tick)).collect();
    let label_width = tick_labels.iter().map(|label| text_width(label, LABEL_SIZE)).fold(0.0, f64::max);
    let legend_rows = if chart.series.len() > 1 { legend(chart, out) } else { 0 };
    let plot = Plot {
        left: MARGIN + label_width + 6.0,
        top: 44.0 + legend_rows as f64 * LEGEND_ROW_HEIGHT,
        right: CHART_WIDTH - MARGIN,
        bottom: CHART_HEIGHT - 30.0,
        low: ticks[0],
        high: ticks[ticks.len() - 1],
        bands: chart.x_labels.len(),
    };
    grid(&plot, &ticks, &tick_labels, out);
    x_labels(chart, &plot, out);
    match chart.kind {
        ChartKind::Bar => bars(chart, &plot, out),
        _ => lines(chart, &plot, out),
    }
}

/// Gridlines and tick labels; the zero line darker.
fn grid(plot: &Plot, ticks: &[f64], labels: &[String], out: &mut String) {
    for (&tick, label) in ticks.iter().zip(labels) {
        let y = n(plot.y(tick));
        let stroke = if tick == 0.0 { AXIS_COLOUR } else { GRID_COLOUR };
        let (left, right) = (n(plot.left), n(plot.right));
        let _ = write!(out, "<line x1=\"{left}\" y1=\"{y}\" x2=\"{right}\" y2=\"{y}\" stroke=\"{stroke}\"/>");
        out.push_str(&text(plot.left - 6.0, plot.y(tick) + 4.0, LABEL.end(), label));
    }
}

/// The x labels under the plot, every `step`-th one when they would not all fit.
fn x_labels(chart: &Chart, plot: &Plot, out: &mut String) {
    let widest = chart.x_labels.iter().map(|label| text_width(label, LABEL_SIZE)).fold(0.0, f64::max);
    let width = widest.min(X_LABEL_WIDTH_MAX);
    let fitting = (((plot.right - plot.left) / (width + 8.0)).floor() as usize).max(1);
    let step = plot.bands.div_ceil(fitting).max(1);
    let room = (plot.band() * step as f64 - 4.0).min(X_LABEL_WIDTH_MAX);
    for (index, label) in chart.x_labels.iter().enumerate().step_by(step) {
        let label = fit_width(label, room, LABEL_SIZE);
        out.push_str(&text(plot.x_centre(index), plot.bottom + 16.0, LABEL.middle(), &label));
    }
}

fn lines(chart: &Chart, plot: &Plot, out: &mut String) {
    let radius = if plot.bands <= POINT_MARKERS_MAX { 3.0 } else { 1.5 };
    for (s, series) in chart.series.iter().enumerate() {
        let points: Vec<(usize, f64)> =
            (0..plot.bands).filter_map(|index| Some((index, chart.value(s, index)?))).collect();
        let mut path = String::new();
        let mut previous = None;
        for &(index, value) in &points {
            let command = if previous == Some(index.wrapping_sub(1)) { 'L' } else { 'M' };
            let _ = write!(path, "{command}{} {}", n(plot.x_centre(index)), n(plot.y(value)));
            previous = Some(index);
        }
        if path.contains('L') {
            let _ = write!(
                out,
                "<path d=\"{path}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
                colour(s)
            );
        }
        for &(index, value) in &points {
            let note = tooltip(&chart.x_labels[index], &series.name, &chart.format.text(value));
            let (x, y) = (n(plot.x_centre(index)), n(plot.y(value)));
            let _ = write!(
                out,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{radius}\" fill=\"{}\">{note}</circle>",
                colour(s)
            );
        }
    }
}

fn bars(chart: &Chart, plot: &Plot, out: &mut String) {
    let group = plot.band() * 0.8;
    let width = group / chart.series.len() as f64;
    let zero = plot.y(0.0);
    for (s, series) in chart.series.iter().enumerate() {
        for index in 0..plot.bands {
            let Some(value) = chart.value(s, index) else { continue };
            let x = plot.left + index as f64 * plot.band() + plot.band() * 0.1 + s as f64 * width;
            let y = plot.y(value);
            let note = tooltip(&chart.x_labels[index], &series.name, &chart.format.text(value));
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">{note}</rect>",
                n(x),
                n(y.min(zero)),
                n((width - 1.0).max(0.5)),
                n((y - zero).abs()),
                colour(s)
            );
        }
    }
}

/// The series legend under the title, wrapped onto at most `LEGEND_ROWS_MAX` rows; answers the rows used.
fn legend(chart: &Chart, out: &mut String) -> usize {
    let (mut x, mut row) = (MARGIN, 0);
    for (s, series) in chart.series.iter().enumerate() {
        let name = fit_width(&series.name, LEGEND_NAME_WIDTH_MAX, LABEL_SIZE);
        let advance = 14.0 + text_width(&name, LABEL_SIZE) + 14.0;
        if x + advance > CHART_WIDTH - MARGIN && x > MARGIN {
            if row + 1 == LEGEND_ROWS_MAX {
                out.push_str(&text(x, 42.0 + row as f64 * LEGEND_ROW_HEIGHT, LABEL, "…"));
                break;
            }
            (x, row) = (MARGIN, row + 1);
        }
        let y = 42.0 + row as f64 * LEGEND_ROW_HEIGHT;
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>",
            n(x),
            n(y - 9.0),
            colour(s)
        );
        out.push_str(&text(x + 14.0, y, LABEL, &name));
        x += advance;
    }
    row + 1
}

const PIE_CENTRE: (f64, f64) = (170.0, 182.0);
const PIE_RADIUS: f64 = 120.0;
/// Slices at least this share (permille) carry their percentage inside.
const PIE_INNER_LABEL_PERMILLE_MIN: u32 = 50;

fn pie(chart: &Chart, out: &mut String) {
    let slices = pie_slices(chart);
    if slices.is_empty() {
        out.push_str(&text(CHART_WIDTH / 2.0, 175.0, PLACEHOLDER, NO_DATA));
        return;
    }
    let total: f64 = slices.iter().map(|slice| slice.value).sum();
    let mut start = 0.0;
    for (index, slice) in slices.iter().enumerate() {
        let end = start + slice.value / total;
        pie_slice(chart, slice, index, (start, end), slices.len() == 1, out);
        pie_legend_row(chart, slice, index, out);
        start = end;
    }
}

/// The point at `turn` (0 at the top, clockwise) and `radius` from the centre.
fn on_circle(turn: f64, radius: f64) -> (f64, f64) {
    let angle = turn * std::f64::consts::TAU - std::f64::consts::FRAC_PI_2;
    (PIE_CENTRE.0 + radius * angle.cos(), PIE_CENTRE.1 + radius * angle.sin())
}

fn pie_slice(chart: &Chart, slice: &Slice, index: usize, turns: (f64, f64), whole: bool, out: &mut String) {
    let (cx, cy) = (n(PIE_CENTRE.0), n(PIE_CENTRE.1));
    let share = share_text(slice.share_permille);
    let note = tooltip(&slice.label, "", &format!("{} ({share})", chart.format.text(slice.value)));
    if whole {
        let _ = write!(
            out,
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{PIE_RADIUS}\" fill=\"{}\">{note}</circle>",
            colour(index)
        );
    } else {
        let (x0, y0) = on_circle(turns.0, PIE_RADIUS);
        let (x1, y1) = on_circle(turns.1, PIE_RADIUS);
        let large = u8::from(turns.1 - turns.0 > 0.5);
        let _ = write!(
            out,
            "<path d=\"M{cx} {cy}L{} {}A{PIE_RADIUS} {PIE_RADIUS} 0 {large} 1 {} {}Z\" fill=\"{}\" stroke=\"#ffffff\">{note}</path>",
            n(x0),
            n(y0),
            n(x1),
            n(y1),
            colour(index)
        );
    }
    if slice.share_permille >= PIE_INNER_LABEL_PERMILLE_MIN {
        let (x, y) = on_circle((turns.0 + turns.1) / 2.0, PIE_RADIUS * 0.62);
        out.push_str(&text(x, y + 4.0, SHARE, &share));
    }
}

fn pie_legend_row(chart: &Chart, slice: &Slice, index: usize, out: &mut String) {
    let y = 70.0 + index as f64 * 26.0;
    let _ = write!(
        out,
        "<rect x=\"330\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>",
        n(y - 9.0),
        colour(index)
    );
    let figures = format!("{} · {}", chart.format.text(slice.value), share_text(slice.share_permille));
    let room = CHART_WIDTH - MARGIN - 346.0 - text_width(&figures, LABEL_SIZE) - 8.0;
    out.push_str(&text(346.0, y, LABEL, &fit_width(&slice.label, room, LABEL_SIZE)));
    out.push_str(&text(CHART_WIDTH - MARGIN, y, LABEL.end(), &figures));
}
