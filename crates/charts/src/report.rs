//! Report documents: `Report`, `Section`, `KeyFigure`, laid out as blocks on A4 pages (for PDF) or on one
//! tall page (for PNG), each page an SVG.

use std::fmt::Write as _;

use crate::chart::Chart;
use crate::svg::{
    CHART_HEIGHT, CHART_MARGIN, CHART_WIDTH, FONT_FAMILY, PALETTE, TextStyle, chart_body, fitted_text, text,
};
use crate::text::{Bilingual, wrap};

/// An A4 page in PDF points (the SVG pages use the same units).
pub const PAGE_WIDTH: f64 = 595.0;
pub const PAGE_HEIGHT: f64 = 842.0;

const MARGIN: f64 = 48.0;
const CONTENT_WIDTH: f64 = PAGE_WIDTH - 2.0 * MARGIN;
const CONTENT_BOTTOM: f64 = PAGE_HEIGHT - 60.0;
const BODY_SIZE: f64 = 10.5;
const LINE_HEIGHT: f64 = 16.0;
const FIGURE_HEIGHT: f64 = 20.0;
/// Charts are scaled so that their content (inside their own margin) lines up with the page's text.
const CHART_SCALE: f64 = CONTENT_WIDTH / (CHART_WIDTH - 2.0 * CHART_MARGIN);
const CHART_LEFT: f64 = MARGIN - CHART_MARGIN * CHART_SCALE;
const MUTED_COLOUR: &str = "#6b7280";
const INK_COLOUR: &str = "#111827";
const TITLE: TextStyle = TextStyle::new(20.0, INK_COLOUR).bold();
const TITLE_EN: TextStyle = TextStyle::new(12.0, MUTED_COLOUR);
const HEADING: TextStyle = TextStyle::new(14.0, INK_COLOUR).bold();
const BODY: TextStyle = TextStyle::new(BODY_SIZE, "#1f2937");
const FOOTER: TextStyle = TextStyle::new(8.5, MUTED_COLOUR);

/// A report: a title, a subtitle (who and when, e.g. "小店科技 · 2026-10") and its sections.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub title: Bilingual,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

/// A section: a heading, then its paragraphs, its key figures and its charts, in that order; any may be
/// empty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Section {
    pub heading: Bilingual,
    pub paragraphs: Vec<String>,
    pub figures: Vec<KeyFigure>,
    pub charts: Vec<Chart>,
}

/// One row of a key-figure table: a label and its value, both already written as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFigure {
    pub label: String,
    pub value: String,
}

impl KeyFigure {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self { label: label.into(), value: value.into() }
    }
}

/// The pieces a report is laid out from; a page break falls only between blocks.
#[derive(Debug)]
enum Block<'a> {
    Title(&'a Bilingual, &'a str),
    Heading(String),
    Line(String),
    Figure(&'a KeyFigure, bool),
    Chart(&'a Chart),
    Gap(f64),
}

impl Block<'_> {
    fn height(&self) -> f64 {
        match self {
            Block::Title(..) => 84.0,
            Block::Heading(_) => 32.0,
            Block::Line(_) => LINE_HEIGHT,
            Block::Figure(..) => FIGURE_HEIGHT,
            Block::Chart(_) => CHART_HEIGHT * CHART_SCALE + 8.0,
            Block::Gap(height) => *height,
        }
    }

    fn render(&self, y: f64) -> String {
        match self {
            Block::Title(title, subtitle) => title_block(title, subtitle, y),
            Block::Heading(heading) => heading_block(heading, y),
            Block::Line(line) => text(MARGIN, y + 12.0, BODY, line),
            Block::Figure(figure, shaded) => figure_block(figure, *shaded, y),
            Block::Chart(chart) => {
                format!(
                    "<g transform=\"translate({CHART_LEFT:.2} {y:.1}) scale({CHART_SCALE:.4})\">{}</g>",
                    chart_body(chart)
                )
            }
            Block::Gap(_) => String::new(),
        }
    }
}

fn title_block(title: &Bilingual, subtitle: &str, y: f64) -> String {
    let mut out = fitted_text(MARGIN, y + 22.0, TITLE, &title.zh, CONTENT_WIDTH);
    out.push_str(&fitted_text(MARGIN, y + 42.0, TITLE_EN, &title.en, CONTENT_WIDTH));
    out.push_str(&fitted_text(MARGIN, y + 62.0, BODY, subtitle, CONTENT_WIDTH));
    let (rule_y, colour) = (y + 74.0, PALETTE[0]);
    let _ = write!(
        out,
        "<rect x=\"{MARGIN}\" y=\"{rule_y:.1}\" width=\"{CONTENT_WIDTH}\" height=\"1.5\" fill=\"{colour}\"/>"
    );
    out
}

fn heading_block(heading: &str, y: f64) -> String {
    let (bar_y, colour) = (y + 10.0, PALETTE[0]);
    let bar = format!("<rect x=\"{MARGIN}\" y=\"{bar_y:.1}\" width=\"3\" height=\"15\" fill=\"{colour}\"/>");
    bar + &fitted_text(MARGIN + 8.0, y + 23.0, HEADING, heading, CONTENT_WIDTH - 8.0)
}

fn figure_block(figure: &KeyFigure, shaded: bool, y: f64) -> String {
    let mut out = String::new();
    if shaded {
        let (width, height) = (CONTENT_WIDTH, FIGURE_HEIGHT);
        let _ = write!(
            out,
            "<rect x=\"{MARGIN}\" y=\"{y:.1}\" width=\"{width}\" height=\"{height}\" fill=\"#f3f4f6\"/>"
        );
    }
    out.push_str(&fitted_text(MARGIN + 8.0, y + 14.0, BODY, &figure.label, CONTENT_WIDTH * 0.55));
    let value_x = MARGIN + CONTENT_WIDTH - 8.0;
    out.push_str(&fitted_text(value_x, y + 14.0, BODY.end().bold(), &figure.value, CONTENT_WIDTH * 0.4));
    out
}

/// A placed block: its top edge on its page.
type Placed<'a> = (f64, Block<'a>);

impl Report {
    fn blocks(&self) -> Vec<Block<'_>> {
        let mut blocks = vec![Block::Title(&self.title, &self.subtitle)];
        for section in &self.sections {
            blocks.push(Block::Heading(section.heading.joined()));
            for paragraph in &section.paragraphs {
                let lines = paragraph.lines().flat_map(|line| wrap(line, CONTENT_WIDTH, BODY_SIZE));
                blocks.extend(lines.map(Block::Line));
                blocks.push(Block::Gap(6.0));
            }
            blocks.extend(
                section
                    .figures
                    .iter()
                    .enumerate()
                    .map(|(index, figure)| Block::Figure(figure, index % 2 == 0)),
            );
            if !section.figures.is_empty() {
                blocks.push(Block::Gap(10.0));
            }
            blocks.extend(section.charts.iter().map(Block::Chart));
        }
        blocks
    }

    /// The blocks placed on A4 pages: a block that does not fit starts a new page, and a heading moves
    /// with the block after it.
    fn paginate(&self) -> Vec<Vec<Placed<'_>>> {
        let blocks = self.blocks();
        let heights: Vec<f64> = blocks.iter().map(Block::height).collect();
        let mut pages: Vec<Vec<Placed<'_>>> = vec![Vec::new()];
        let mut y = MARGIN;
        for (index, block) in blocks.into_iter().enumerate() {
            let next = if matches!(block, Block::Heading(_)) {
                heights.get(index + 1).copied().unwrap_or(0.0)
            } else {
                0.0
            };
            let page_is_empty = pages.last().is_none_or(Vec::is_empty);
            if y + heights[index] + next > CONTENT_BOTTOM && !page_is_empty {
                pages.push(Vec::new());
                y = MARGIN;
                if matches!(block, Block::Gap(_)) {
                    continue;
                }
            }
            y += heights[index];
            pages.last_mut().expect("there is always a page").push((y - heights[index], block));
        }
        pages
    }

    /// Each A4 page as an SVG document (595 × 842 points), with its page number.
    pub fn pages_svg(&self) -> Vec<String> {
        let pages = self.paginate();
        let count = pages.len();
        let pages = pages.iter().enumerate();
        pages.map(|(index, page)| self.page_svg(page, index + 1, count)).collect()
    }

    fn page_svg(&self, placed: &[Placed<'_>], number: usize, count: usize) -> String {
        let mut body: String = placed.iter().map(|(y, block)| block.render(*y)).collect();
        let footer_y = PAGE_HEIGHT - 30.0;
        body.push_str(&fitted_text(MARGIN, footer_y, FOOTER, &self.title.joined(), CONTENT_WIDTH * 0.6));
        let page = format!("第 {number} / {count} 页 · Page {number} of {count}");
        body.push_str(&text(PAGE_WIDTH - MARGIN, footer_y, FOOTER.end(), &page));
        svg_document(PAGE_HEIGHT, &body)
    }

    /// The whole report on one page of A4 width and the height it needs, without page breaks.
    pub fn long_svg(&self) -> String {
        let mut y = MARGIN;
        let mut body = String::new();
        for block in self.blocks() {
            body.push_str(&block.render(y));
            y += block.height();
        }
        svg_document(y + MARGIN, &body)
    }

    /// The report as a PDF of A4 pages, text selectable, the font embedded as a subset.
    pub fn pdf(&self) -> Vec<u8> {
        crate::render::pdf(&self.pages_svg(), &self.title.joined())
    }

    /// The report as one tall PNG image (`long_svg`, 2 pixels per point: 1190 pixels wide), scaled down
    /// further when it would be taller than `render::PNG_HEIGHT_MAX` pixels.
    pub fn png(&self) -> Vec<u8> {
        crate::render::png(&self.long_svg(), 2.0)
    }
}

fn svg_document(height: f64, body: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{PAGE_WIDTH}\" height=\"{height:.1}\" \
         viewBox=\"0 0 {PAGE_WIDTH} {height:.1}\" font-family=\"{FONT_FAMILY}\">\
         <rect width=\"{PAGE_WIDTH}\" height=\"{height:.1}\" fill=\"#ffffff\"/>{body}</svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(paragraphs: usize) -> Report {
        let section = Section {
            heading: Bilingual::new("概览", "Overview"),
            paragraphs: vec![
                "本月销售额稳步增长。Sales grew steadily this month.".repeat(3);
                paragraphs
            ],
            figures: vec![KeyFigure::new("订单数 / Orders", "1,234")],
            charts: Vec::new(),
        };
        Report {
            title: Bilingual::new("月度报告", "Monthly report"),
            subtitle: "小店 · 2026-10".into(),
            sections: vec![section],
        }
    }

    #[test]
    fn a_short_report_is_one_page() {
        assert_eq!(report(1).pages_svg().len(), 1);
        assert_eq!(Report::default().pages_svg().len(), 1);
    }

    #[test]
    fn long_reports_break_into_pages_within_the_margins() {
        let report = report(60);
        let pages = report.paginate();
        assert!(pages.len() > 1);
        for page in &pages {
            assert!(!page.is_empty());
            assert!(page.iter().all(|(y, block)| y + block.height() <= CONTENT_BOTTOM));
        }
        assert!(report.pages_svg()[1].contains("第 2 / "));
    }

    #[test]
    fn a_heading_never_ends_a_page() {
        let mut report = report(0);
        let filler = Section { paragraphs: vec!["字".repeat(40); 36], ..Section::default() };
        report.sections = vec![filler, report.sections[0].clone()];
        for page in report.paginate() {
            assert!(!matches!(page.last(), Some((_, Block::Heading(_)))), "{page:?}");
        }
    }
}
