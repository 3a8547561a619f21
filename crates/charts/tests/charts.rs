//! The charts crate from outside: chart SVG structure and a snapshot, CSV, and reports rendered to PDF
//! and PNG with the committed font.

use charts::{
    Bilingual, Chart, ChartKind, KeyFigure, NO_DATA, PAGE_HEIGHT, PAGE_WIDTH, Report, Section, Series,
    ValueFormat,
};
use resvg::tiny_skia::Pixmap;

fn chart(kind: ChartKind, labels: &[&str], series: &[(&str, &[f64])], format: ValueFormat) -> Chart {
    let mut chart = Chart::new(kind, Bilingual::new("播放量", "Views"), format);
    chart.x_labels = labels.iter().map(|label| (*label).to_owned()).collect();
    chart.series = series.iter().map(|(name, points)| Series::new(*name, points.to_vec())).collect();
    chart
}

fn month_chart(kind: ChartKind) -> Chart {
    let labels: Vec<String> = (1..=31).map(|day| format!("10-{day:02}")).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let views: Vec<f64> = (1..=31).map(|day| f64::from(day * 37 % 101) * 120.0).collect();
    let likes: Vec<f64> = views.iter().map(|views| views / 9.0).collect();
    chart(kind, &labels, &[("播放 / Views", &views), ("点赞 / Likes", &likes)], ValueFormat::Integer)
}

#[test]
fn a_small_bar_chart_matches_its_snapshot() {
    let chart = chart(ChartKind::Bar, &["一月", "二月"], &[("销售额", &[120.0, 80.0])], ValueFormat::Integer);
    let expect = include_str!("snapshots/bar.svg");
    assert_eq!(chart.svg(), expect.trim_end());
}

#[test]
fn charts_are_accessible_and_escape_user_text() {
    let mut chart = chart(
        ChartKind::Line,
        &["<b>&新品", "'\""],
        &[("#标签 <i>", &[1.0, 2.0]), ("b", &[3.0, 4.0])],
        ValueFormat::Integer,
    );
    chart.title = Bilingual::new("视频 <script>", "Video & \"title\"");
    let svg = chart.svg();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 640 320\" width=\"100%\"")
    );
    assert!(svg.contains("role=\"img\" aria-label=\"视频 &lt;script&gt; / Video &amp; &quot;title&quot;\""));
    assert!(svg.contains("<title>视频 &lt;script&gt; / Video &amp; &quot;title&quot;</title>"));
    assert!(svg.contains("&lt;b&gt;&amp;新品") && svg.contains("#标签 &lt;i&gt;"));
    assert!(!svg.contains("<script") && !svg.contains("<b>") && !svg.contains("<i>"));
    assert!(well_formed(&svg), "the SVG is well-formed");
}

/// Well-formedness through the renderer's own parser (usvg), which refuses malformed XML.
fn well_formed(svg: &str) -> bool {
    resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).is_ok()
}

#[test]
fn charts_without_data_say_so_and_never_panic() {
    let nan = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    let cases = [
        chart(ChartKind::Line, &[], &[], ValueFormat::Integer),
        chart(ChartKind::Bar, &["a", "b"], &[], ValueFormat::MoneyFen),
        chart(ChartKind::Line, &["a", "b", "c"], &[("x", &nan)], ValueFormat::PercentBp),
        chart(ChartKind::Pie, &["a", "b"], &[("x", &[0.0, -5.0])], ValueFormat::Integer),
        chart(ChartKind::Pie, &[], &[("x", &[1.0])], ValueFormat::Integer),
    ];
    for case in cases {
        let svg = case.svg();
        assert!(svg.contains(NO_DATA), "{case:?}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}

#[test]
fn odd_data_draws_finite_coordinates() {
    let cases = [
        chart(ChartKind::Bar, &["a"], &[("zero", &[0.0])], ValueFormat::Integer),
        chart(ChartKind::Line, &["a", "b", "c"], &[("gap", &[5.0, f64::NAN, -5.0])], ValueFormat::MoneyFen),
        chart(ChartKind::Bar, &["a", "b"], &[("huge", &[1e300, -1e300])], ValueFormat::Integer),
        chart(ChartKind::Pie, &["only"], &[("one", &[3.0])], ValueFormat::PercentBp),
        chart(ChartKind::Line, &["a", "b"], &[("max", &[f64::MAX, -f64::MAX])], ValueFormat::MoneyFen),
        month_chart(ChartKind::Line),
        month_chart(ChartKind::Bar),
        month_chart(ChartKind::Pie),
    ];
    for case in cases {
        let svg = case.svg();
        assert!(!svg.contains("NaN") && !svg.contains("inf") && !svg.contains(NO_DATA), "{svg}");
        assert!(well_formed(&svg));
    }
}

#[test]
fn many_x_labels_are_thinned() {
    let svg = month_chart(ChartKind::Line).svg();
    let shown = (1..=31).filter(|day| svg.contains(&format!(">10-{day:02}</text>"))).count();
    assert!((5..31).contains(&shown), "{shown} of 31 labels shown");
    assert!(svg.contains(">10-01</text>"));
    assert!(svg.contains(">播放 / Views</text>") && svg.contains(">点赞 / Likes</text>"), "the legend");
}

#[test]
fn a_pie_shows_percentages_that_add_up() {
    let pie =
        chart(ChartKind::Pie, &["抖音", "快手", "微信"], &[("订单", &[1.0, 1.0, 1.0])], ValueFormat::Integer);
    let svg = pie.svg();
    assert!(svg.contains(">33.4%</text>") && svg.contains(">33.3%</text>"));
    assert_eq!(svg.matches("<path").count(), 3);
}

#[test]
fn csv_has_the_chart_numbers() {
    let chart =
        chart(ChartKind::Line, &["1日", "2日"], &[("转化率", &[1250.0, f64::NAN])], ValueFormat::PercentBp);
    assert_eq!(chart.csv(), "label,转化率\r\n1日,12.50\r\n2日,\r\n");
    assert_eq!(chart.table_rows()[0].cells, vec!["12.50%"]);
}

fn sample_report() -> Report {
    let revenue = chart(
        ChartKind::Bar,
        &["7月", "8月", "9月", "10月"],
        &[("销售额 / Sales", &[1234567.0, 2345678.0, 1987654.0, 2765432.0])],
        ValueFormat::MoneyFen,
    );
    let overview = Section {
        heading: Bilingual::new("经营概况", "Overview"),
        paragraphs: vec![
            "本月店铺销售额较上月增长 39.1%，退款率保持在 1% 以下。Sales grew 39.1% on last month.".into(),
            "注销检查全部通过，保证金将在公示期结束后退还。All closure checks pass.".into(),
        ],
        figures: vec![
            KeyFigure::new("订单数 / Orders", "1,234"),
            KeyFigure::new("销售额 / Sales", "¥27,654.32"),
        ],
        charts: vec![revenue, month_chart(ChartKind::Line)],
    };
    let channels = Section {
        heading: Bilingual::new("渠道", "Channels"),
        paragraphs: vec!["短视频带来了大部分订单。".into()],
        figures: Vec::new(),
        charts: vec![chart(
            ChartKind::Pie,
            &["短视频", "直播", "搜索", "其他"],
            &[("订单", &[620.0, 380.0, 150.0, 84.0])],
            ValueFormat::Integer,
        )],
    };
    Report {
        title: Bilingual::new("小店科技 月度报告", "Xiaodian Tech monthly report"),
        subtitle: "小店科技旗舰店 · 2026-10".into(),
        sections: vec![overview, channels],
    }
}

#[test]
fn a_report_pdf_has_its_pages_and_a_font_subset() {
    let report = sample_report();
    let pages = report.pages_svg().len();
    assert_eq!(pages, 2);
    let pdf = report.pdf();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(count(&pdf, b"/Type /Page"), pages + 1, "each page and the page tree (/Type /Pages)");
    assert!(count(&pdf, b"/FontFile2") >= 1, "the font is embedded");
    assert!(count(&pdf, b"WenQuanYiMicroHei") >= 1, "the committed font");
    assert!(pdf.len() < 1_000_000, "a subset, not the whole font: {} bytes", pdf.len());
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|window| *window == needle).count()
}

#[test]
fn a_report_png_is_one_tall_image_with_chinese_text() {
    let title_only = Report { title: Bilingual::new("月度报告", ""), ..Report::default() };
    let image = Pixmap::decode_png(&title_only.png()).expect("a PNG");
    assert_eq!(image.width(), (PAGE_WIDTH * 2.0) as u32);
    let title_band = (96..156).flat_map(|y| (96..400).map(move |x| (x, y)));
    let inked = title_band.filter(|&(x, y)| image.pixel(x, y).is_some_and(|p| p.red() < 128)).count();
    assert!(inked > 500, "the Chinese title is drawn: {inked} dark pixels");

    let long = Pixmap::decode_png(&sample_report().png()).expect("a PNG");
    assert_eq!(long.width(), (PAGE_WIDTH * 2.0) as u32);
    assert!(f64::from(long.height()) > PAGE_HEIGHT * 2.0, "taller than one page: {}", long.height());
}

#[test]
fn text_the_font_lacks_and_control_characters_never_fail() {
    let labels = ["🎉派对", "مرحبا", "नमस्ते", "\u{0}\u{7}控制"];
    let mut pie = chart(ChartKind::Pie, &labels, &[("n", &[1.0, 2.0, 3.0, 4.0])], ValueFormat::Integer);
    pie.title = Bilingual::new("表情 🎉💄", "Emoji \u{1F600}");
    let section = Section {
        heading: Bilingual::new("\u{1b}[31m标题", "<h1>"),
        paragraphs: vec![format!("{}\n第二行\r\n\tthird line", "🎉".repeat(100))],
        figures: vec![KeyFigure::new("😀", "∞")],
        charts: vec![pie],
    };
    let report = Report {
        title: Bilingual::new("表情", "Emoji"),
        subtitle: "\u{FFFF}\u{1}".into(),
        sections: vec![section],
    };
    assert!(report.pdf().starts_with(b"%PDF-"));
    assert!(Pixmap::decode_png(&report.png()).is_ok());
}

#[test]
fn a_chart_png_is_drawn() {
    let bars = chart(ChartKind::Bar, &["一月", "二月"], &[("销售额", &[120.0, 80.0])], ValueFormat::Integer);
    let image = Pixmap::decode_png(&bars.png()).expect("a PNG");
    assert_eq!((image.width(), image.height()), (1280, 640));
    let first_bar = image.pixel(370, 400).expect("inside the image");
    assert_eq!(
        (first_bar.red(), first_bar.green(), first_bar.blue()),
        (0x4e, 0x79, 0xa7),
        "the first palette colour"
    );
    let title = (16..40).flat_map(|y| (32..200).map(move |x| (x, y)));
    let inked = title.filter(|&(x, y)| image.pixel(x, y).is_some_and(|p| p.red() < 128)).count();
    assert!(inked > 100, "the Chinese title is drawn: {inked} dark pixels");
}
