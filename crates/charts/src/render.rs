//! Bytes from SVG: PDF pages through svg2pdf and PNG images through resvg, with the committed CJK font.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, TextStr};
use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

/// WenQuanYi Micro Hei (Apache-2.0): Chinese and Latin glyphs in one file; see data/fonts/README.md.
static FONT_DATA: &[u8] = include_bytes!("../../../data/fonts/wqy-microhei.ttc");

/// The family every text falls back to.
const FONT_FAMILY_DEFAULT: &str = "WenQuanYi Micro Hei";

/// An A4 page in PDF points.
const A4_POINTS: (f32, f32) = (595.28, 841.89);

/// The tallest PNG made, in pixels; a taller report is scaled down to this.
pub const PNG_HEIGHT_MAX: u32 = 16_384;

/// The font database: the committed font only, never the system's, so output is the same everywhere.
static FONTS: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = fontdb::Database::new();
    fonts.load_font_source(fontdb::Source::Binary(Arc::new(FONT_DATA)));
    fonts.set_sans_serif_family(FONT_FAMILY_DEFAULT);
    Arc::new(fonts)
});

/// An SVG this crate wrote, parsed; a failure is a bug here, since every text is escaped.
fn parse(svg: &str) -> usvg::Tree {
    let options = usvg::Options {
        fontdb: FONTS.clone(),
        font_family: FONT_FAMILY_DEFAULT.to_owned(),
        languages: vec!["zh-CN".to_owned(), "en".to_owned()],
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).expect("the SVG written by this crate parses")
}

/// One PDF of A4 pages, each page one SVG drawn as a form XObject over the whole page.
pub fn pdf(pages: &[String], title: &str) -> Vec<u8> {
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let page_tree = next.bump();
    let page_ids: Vec<Ref> = pages.iter().map(|_| next.bump()).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(page_tree);
    pdf.pages(page_tree).kids(page_ids.iter().copied()).count(page_ids.len() as i32);
    for (svg, &page_id) in pages.iter().zip(&page_ids) {
        let tree = parse(svg);
        let (chunk, form) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
            .expect("svg2pdf converts the SVG written by this crate");
        let mut renumbered = HashMap::new();
        let chunk = chunk.renumber(|old| *renumbered.entry(old).or_insert_with(|| next.bump()));
        let form = renumbered[&form];
        let content_id = next.bump();
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, A4_POINTS.0, A4_POINTS.1)).parent(page_tree).contents(content_id);
        page.resources().x_objects().pair(Name(b"P"), form);
        page.finish();
        let mut content = Content::new();
        content.transform([A4_POINTS.0, 0.0, 0.0, A4_POINTS.1, 0.0, 0.0]).x_object(Name(b"P"));
        pdf.stream(content_id, &content.finish());
        pdf.extend(&chunk);
    }
    pdf.document_info(next.bump()).title(TextStr(title)).producer(TextStr("Xiaodian"));
    pdf.finish()
}

/// The SVG as a PNG at `zoom` pixels per unit on a white background, no taller than `PNG_HEIGHT_MAX`.
pub fn png(svg: &str, zoom: f32) -> Vec<u8> {
    let tree = parse(svg);
    let size = tree.size();
    let zoom = zoom.min(PNG_HEIGHT_MAX as f32 / size.height());
    let width = (size.width() * zoom).ceil().max(1.0) as u32;
    let height = (size.height() * zoom).ceil().max(1.0) as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width, height).expect("the image size is positive and bounded");
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(zoom, zoom), &mut pixmap.as_mut());
    pixmap.encode_png().expect("encoding a PNG in memory cannot fail")
}
