//! Pie slices: the positive values of a pie chart, the smallest merged into "其他 / Other", with shares in
//! tenths of a percent that always add up to 100%.

use crate::chart::Chart;

/// The most slices a pie shows; past that the smallest are merged into one "其他 / Other" slice.
pub const PIE_SLICES_MAX: usize = 8;

/// The label of the merged slice.
pub const OTHER_LABEL: &str = "其他 / Other";

/// One slice: its label, value and share of the whole in permille (tenths of a percent).
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: f64,
    pub share_permille: u32,
}

/// The slices of `chart`, largest first; empty when no value is positive. Zero, negative and
/// non-finite values have no slice.
pub fn pie_slices(chart: &Chart) -> Vec<Slice> {
    let mut parts: Vec<(String, f64)> = (0..chart.x_labels.len())
        .filter_map(|index| Some((chart.x_labels[index].clone(), chart.value(0, index)?)))
        .filter(|(_, value)| *value > 0.0)
        .collect();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    if parts.len() > PIE_SLICES_MAX {
        let rest: f64 = parts.drain(PIE_SLICES_MAX - 1..).map(|(_, value)| value).sum();
        parts.push((OTHER_LABEL.to_owned(), rest));
    }
    let total: f64 = parts.iter().map(|(_, value)| value).sum();
    if !(total.is_finite() && total > 0.0) {
        return Vec::new();
    }
    let shares =
        largest_remainder(&parts.iter().map(|(_, value)| value / total * 1000.0).collect::<Vec<_>>());
    let slices = parts.into_iter().zip(shares);
    slices.map(|((label, value), share_permille)| Slice { label, value, share_permille }).collect()
}

/// Whole shares adding up to 1000 from exact ones adding up to 1000: each gets its floor, then the
/// largest remainders get one more (earlier ones first on ties).
fn largest_remainder(exact: &[f64]) -> Vec<u32> {
    let mut shares: Vec<u32> = exact.iter().map(|share| share.floor() as u32).collect();
    let missing = 1000u32.saturating_sub(shares.iter().sum());
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    for &index in order.iter().cycle().take(missing as usize) {
        shares[index] += 1;
    }
    shares
}

/// A share in permille as a percentage: 125 → "12.5%".
pub fn share_text(share_permille: u32) -> String {
    format!("{}.{}%", share_permille / 10, share_permille % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bilingual, ChartKind, Series, ValueFormat};

    fn pie(values: &[f64]) -> Chart {
        let mut chart = Chart::new(ChartKind::Pie, Bilingual::new("占比", "Share"), ValueFormat::Integer);
        chart.x_labels = (0..values.len()).map(|index| format!("L{index}")).collect();
        chart.series = vec![Series::new("n", values.to_vec())];
        chart
    }

    fn total(slices: &[Slice]) -> u32 {
        slices.iter().map(|slice| slice.share_permille).sum()
    }

    #[test]
    fn shares_add_up_to_one_hundred_percent() {
        for values in
            [vec![1.0, 1.0, 1.0], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], vec![1e15, 1.0], vec![0.3; 7]]
        {
            let slices = pie_slices(&pie(&values));
            assert_eq!(total(&slices), 1000, "{values:?}: {slices:?}");
        }
        let thirds = pie_slices(&pie(&[1.0, 1.0, 1.0]));
        assert_eq!(thirds.iter().map(|s| s.share_permille).collect::<Vec<_>>(), vec![334, 333, 333]);
    }

    #[test]
    fn only_positive_finite_values_have_slices() {
        let slices = pie_slices(&pie(&[5.0, 0.0, -3.0, f64::NAN, f64::INFINITY, 15.0]));
        assert_eq!(slices.len(), 2);
        assert_eq!((slices[0].label.as_str(), slices[0].share_permille), ("L5", 750));
        assert!(pie_slices(&pie(&[0.0, -1.0])).is_empty());
        assert!(pie_slices(&pie(&[])).is_empty());
        assert!(pie_slices(&pie(&[f64::MAX, f64::MAX])).is_empty(), "an infinite total has no shares");
    }

    #[test]
    fn small_slices_merge_into_other() {
        let slices = pie_slices(&pie(&(1..=12).map(f64::from).collect::<Vec<_>>()));
        assert_eq!(slices.len(), PIE_SLICES_MAX);
        let other = slices.last().unwrap();
        assert_eq!((other.label.as_str(), other.value), (OTHER_LABEL, 15.0));
        assert_eq!(total(&slices), 1000);
        assert_eq!(share_text(125), "12.5%");
    }
}
