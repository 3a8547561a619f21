//! The chart model: `Chart`, `Series`, `ChartKind`, and the chart's table and CSV (the same numbers as
//! its picture).

use crate::format::ValueFormat;
use crate::text::Bilingual;

/// Line, bar or pie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// One line per series over the x labels.
    Line,
    /// Bars grouped by x label, one bar per series.
    Bar,
    /// The first series' values per x label as slices of a whole.
    Pie,
}

/// One named row of values, one value per x label. A non-finite value (NaN, infinity) or a missing
/// one (fewer points than labels) is shown as no value; points past the last label are ignored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<f64>) -> Self {
        Self { name: name.into(), points }
    }
}

/// A chart: any data is valid, including none (drawn as "无数据 / No data").
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: Bilingual,
    pub kind: ChartKind,
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    pub format: ValueFormat,
}

/// A table row beside the chart: the x label, then each series' value as text ("—" for none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRow {
    pub label: String,
    pub cells: Vec<String>,
}

/// What the table shows for no value.
pub const NO_VALUE: &str = "—";

impl Chart {
    /// A chart without data yet.
    pub fn new(kind: ChartKind, title: Bilingual, format: ValueFormat) -> Self {
        Self { title, kind, x_labels: Vec::new(), series: Vec::new(), format }
    }

    /// The value of `series` at x label `index`, if it is there and finite.
    pub fn value(&self, series: usize, index: usize) -> Option<f64> {
        if index >= self.x_labels.len() {
            return None;
        }
        let value = *self.series.get(series)?.points.get(index)?;
        value.is_finite().then_some(value)
    }

    /// The series a chart of this kind draws: all of them, or the first for a pie.
    pub fn drawn_series(&self) -> &[Series] {
        match self.kind {
            ChartKind::Pie => &self.series[..self.series.len().min(1)],
            ChartKind::Line | ChartKind::Bar => &self.series,
        }
    }

    /// Every finite value the chart draws.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let series = 0..self.drawn_series().len();
        series.flat_map(move |s| (0..self.x_labels.len()).filter_map(move |i| self.value(s, i)))
    }

    /// The column names of the table and the CSV after the label column: the drawn series' names.
    pub fn column_names(&self) -> Vec<String> {
        self.drawn_series().iter().map(|series| series.name.clone()).collect()
    }

    /// One row per x label with each drawn series' value as the chart's format writes it.
    pub fn table_rows(&self) -> Vec<TableRow> {
        self.rows(|value| self.format.text(value), NO_VALUE)
    }

    /// The table as CSV (RFC 4180: quoted where needed, CRLF line ends): a header `label,<series
    /// names…>`, then one row per x label with plain numbers (percent for percentages, yuan for money)
    /// and an empty field for no value. Text starting like a spreadsheet formula gets a leading `'`.
    pub fn csv(&self) -> String {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        let header = std::iter::once("label".to_owned())
            .chain(self.column_names().into_iter().map(|name| defused(&name)));
        writer.write_record(header).expect("writing CSV to memory cannot fail");
        for row in self.rows(|value| self.format.csv_text(value), "") {
            let record = std::iter::once(defused(&row.label)).chain(row.cells);
            writer.write_record(record).expect("writing CSV to memory cannot fail");
        }
        let bytes = writer.into_inner().expect("flushing CSV to memory cannot fail");
        String::from_utf8(bytes).expect("CSV of strings is UTF-8")
    }

    fn rows(&self, write: impl Fn(f64) -> String, none: &str) -> Vec<TableRow> {
        let series = 0..self.drawn_series().len();
        let cells = |index: usize| -> Vec<String> {
            series.clone().map(|s| self.value(s, index).map_or(none.to_owned(), &write)).collect()
        };
        let rows = self.x_labels.iter().enumerate();
        rows.map(|(index, label)| TableRow { label: label.clone(), cells: cells(index) }).collect()
    }
}

/// A text field that a spreadsheet would not run as a formula.
fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Chart {
        let mut chart = Chart::new(ChartKind::Bar, Bilingual::new("销售额", "Sales"), ValueFormat::MoneyFen);
        chart.x_labels = vec!["1日".into(), "2日, \"周五\"".into(), "=3日".into()];
        chart.series =
            vec![Series::new("小店A", vec![123456.0, f64::NAN]), Series::new("B", vec![1.0, 2.0, 3.0, 4.0])];
        chart
    }

    #[test]
    fn values_skip_missing_and_non_finite_points() {
        let chart = sample();
        assert_eq!(chart.value(0, 0), Some(123456.0));
        assert_eq!(chart.value(0, 1), None);
        assert_eq!(chart.value(0, 2), None);
        assert_eq!(chart.value(1, 3), None, "past the last label");
        assert_eq!(chart.value(2, 0), None);
        assert_eq!(chart.values().collect::<Vec<_>>(), vec![123456.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn table_rows_are_formatted() {
        let rows = sample().table_rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].cells, vec!["¥1,234.56", "¥0.01"]);
        assert_eq!(rows[1].cells, vec![NO_VALUE, "¥0.02"]);
    }

    #[test]
    fn csv_is_quoted_and_defused() {
        let expect = "label,小店A,B\r\n1日,1234.56,0.01\r\n\"2日, \"\"周五\"\"\",,0.02\r\n'=3日,,0.03\r\n";
        assert_eq!(sample().csv(), expect);
    }

    #[test]
    fn a_pie_uses_its_first_series_only() {
        let mut chart = sample();
        chart.kind = ChartKind::Pie;
        assert_eq!(chart.column_names(), vec!["小店A"]);
        assert_eq!(chart.csv().lines().next(), Some("label,小店A"));
    }

    #[test]
    fn an_empty_chart_has_a_header_only() {
        let chart = Chart::new(ChartKind::Line, Bilingual::new("空", "Empty"), ValueFormat::Integer);
        assert_eq!(chart.csv(), "label\r\n");
        assert!(chart.table_rows().is_empty());
        assert_eq!(chart.values().count(), 0);
    }
}
