//! Writes a sample report (PDF, PNG, one SVG per page) and one chart of each kind (SVG, CSV, PNG) into the
//! directory given as the only argument, and prints how long each rendering took:
//! `cargo run -p charts --release --example sample -- /tmp/charts-sample`.

use std::time::Instant;

use charts::{Bilingual, Chart, ChartKind, KeyFigure, Report, Section, Series, ValueFormat};

fn daily_chart(kind: ChartKind) -> Chart {
    let mut chart =
        Chart::new(kind, Bilingual::new("每日播放与点赞", "Daily views and likes"), ValueFormat::Integer);
    chart.x_labels = (1..=31).map(|day| format!("10-{day:02}")).collect();
    let views: Vec<f64> = (1..=31).map(|day| f64::from(day * 37 % 101) * 120.0).collect();
    let likes = views.iter().map(|views| views / 9.0).collect();
    chart.series = vec![Series::new("播放 / Views", views), Series::new("点赞 / Likes", likes)];
    chart
}

fn sales_chart() -> Chart {
    let mut chart =
        Chart::new(ChartKind::Bar, Bilingual::new("月销售额", "Monthly sales"), ValueFormat::MoneyFen);
    chart.x_labels = vec!["7月".into(), "8月".into(), "9月".into(), "10月".into()];
    chart.series = vec![
        Series::new("小店科技旗舰店", vec![1234567.0, 2345678.0, 1987654.0, 2765432.0]),
        Series::new("小店科技 <直播间> & 分店", vec![534567.0, 845678.0, f64::NAN, 965432.0]),
    ];
    chart
}

fn channel_chart() -> Chart {
    let mut chart =
        Chart::new(ChartKind::Pie, Bilingual::new("订单来源", "Orders by channel"), ValueFormat::Integer);
    chart.x_labels = ["短视频", "直播", "搜索", "店铺页", "橱窗", "私信", "广告", "朋友分享", "其他渠道"]
        .map(String::from)
        .to_vec();
    chart.series =
        vec![Series::new("订单 / Orders", vec![620.0, 380.0, 150.0, 84.0, 40.0, 22.0, 15.0, 9.0, 4.0])];
    chart
}

fn report() -> Report {
    let overview = Section {
        heading: Bilingual::new("经营概况", "Overview"),
        paragraphs: vec![
            "本月店铺销售额较上月增长 39.1%，退款率保持在 1% 以下，短视频仍是最主要的订单来源。\
             Sales grew 39.1% on last month; refunds stayed under 1%, and short videos brought most orders."
                .into(),
        ],
        figures: vec![
            KeyFigure::new("订单数 / Orders", "1,234"),
            KeyFigure::new("销售额 / Sales", "¥27,654.32"),
            KeyFigure::new("退款率 / Refund rate", "0.82%"),
        ],
        charts: vec![sales_chart(), daily_chart(ChartKind::Line)],
    };
    let channels = Section {
        heading: Bilingual::new("订单来源", "Channels"),
        paragraphs: vec![
            "九个渠道中最小的两个合并为“其他”。The two smallest of nine channels are merged.".into(),
        ],
        figures: Vec::new(),
        charts: vec![channel_chart(), daily_chart(ChartKind::Bar)],
    };
    Report {
        title: Bilingual::new("小店科技 月度经营报告", "Xiaodian Tech monthly report"),
        subtitle: "小店科技旗舰店 · 2026-10".into(),
        sections: vec![overview, channels],
    }
}

fn main() {
    let directory = std::env::args().nth(1).expect("usage: sample <output directory>");
    let directory = std::path::Path::new(&directory);
    std::fs::create_dir_all(directory).expect("create the output directory");
    for (name, chart) in
        [("line", daily_chart(ChartKind::Line)), ("bar", sales_chart()), ("pie", channel_chart())]
    {
        std::fs::write(directory.join(format!("{name}.svg")), chart.svg()).expect("write SVG");
        std::fs::write(directory.join(format!("{name}.csv")), chart.csv()).expect("write CSV");
        std::fs::write(directory.join(format!("{name}.png")), chart.png()).expect("write PNG");
    }
    let report = report();
    for (index, page) in report.pages_svg().iter().enumerate() {
        std::fs::write(directory.join(format!("page-{}.svg", index + 1)), page).expect("write page SVG");
    }
    let started = Instant::now();
    let pdf = report.pdf();
    let pdf_ms = started.elapsed().as_millis();
    let started = Instant::now();
    let png = report.png();
    let png_ms = started.elapsed().as_millis();
    std::fs::write(directory.join("report.pdf"), &pdf).expect("write PDF");
    std::fs::write(directory.join("report.png"), &png).expect("write PNG");
    println!("PDF: {} pages, {} bytes, {pdf_ms} ms", report.pages_svg().len(), pdf.len());
    println!("PNG: {} bytes, {png_ms} ms", png.len());
}
