//! Charts and report documents: line, bar and pie charts as SVG with their table and CSV, and reports as
//! PDF or PNG bytes. Pure: no I/O, no async, no clock; the only font is the committed one.
//!
//! ```
//! use charts::{Bilingual, Chart, ChartKind, Series, ValueFormat};
//!
//! let mut chart = Chart::new(ChartKind::Bar, Bilingual::new("销售额", "Sales"), ValueFormat::MoneyFen);
//! chart.x_labels = vec!["10-01".into(), "10-02".into()];
//! chart.series = vec![Series::new("小店科技", vec![123456.0, 99.0])];
//! assert!(chart.svg().contains("role=\"img\""));
//! assert_eq!(chart.csv(), "label,小店科技\r\n10-01,1234.56\r\n10-02,0.99\r\n");
//! assert_eq!(chart.table_rows()[0].cells, vec!["¥1,234.56"]);
//! ```

mod chart;
mod format;
mod pie;
mod render;
mod report;
mod svg;
mod text;
mod ticks;

pub use chart::{Chart, ChartKind, NO_VALUE, Series, TableRow};
pub use format::ValueFormat;
pub use pie::{OTHER_LABEL, PIE_SLICES_MAX, Slice, pie_slices, share_text};
pub use render::PNG_HEIGHT_MAX;
pub use report::{KeyFigure, PAGE_HEIGHT, PAGE_WIDTH, Report, Section};
pub use svg::{CHART_HEIGHT, CHART_WIDTH, FONT_FAMILY, NO_DATA, PALETTE};
pub use text::{Bilingual, escape_xml};
pub use ticks::{AXIS_VALUE_ABS_MAX, nice_step, nice_ticks};
