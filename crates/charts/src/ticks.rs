//! Axis ticks: a few round values (1, 2 or 5 times a power of ten) that cover the data and zero.

/// The largest magnitude an axis shows; larger values are drawn at its end. It keeps the span between
/// the ends finite, so the tick count stays small even for `f64::MAX`.
pub const AXIS_VALUE_ABS_MAX: f64 = 1e300;

/// About how many intervals an axis is divided into; the round step makes it at most this many plus two.
const INTERVALS_TARGET: f64 = 5.0;

/// Round tick values from at most `low` to at least `high`, always including zero, `step_min` apart or
/// more. Non-finite bounds count as zero, bounds past `AXIS_VALUE_ABS_MAX` as that; an empty range
/// gets one step above zero.
pub fn nice_ticks(low: f64, high: f64, step_min: f64) -> Vec<f64> {
    let low = if low.is_finite() { low.clamp(-AXIS_VALUE_ABS_MAX, 0.0) } else { 0.0 };
    let high = if high.is_finite() { high.clamp(0.0, AXIS_VALUE_ABS_MAX) } else { 0.0 };
    let step = nice_step((high - low) / INTERVALS_TARGET).max(step_min);
    let first = (low / step).floor() as i64;
    let mut last = (high / step).ceil() as i64;
    if last == first {
        last = first + 1;
    }
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The smallest 1, 2 or 5 times a power of ten at least `raw` (1 for a zero or non-finite `raw`).
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(low: f64, high: f64, expect: &[f64]) {
        assert_eq!(nice_ticks(low, high, 1.0), expect, "ticks of {low}..{high}");
    }

    #[test]
    fn ticks_are_round_and_cover_zero() {
        check(0.0, 95.0, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check(3.0, 1234.0, &[0.0, 500.0, 1000.0, 1500.0]);
        check(-30.0, 70.0, &[-40.0, -20.0, 0.0, 20.0, 40.0, 60.0, 80.0]);
        check(0.0, 3.0, &[0.0, 1.0, 2.0, 3.0]);
        check(0.0, 0.0, &[0.0, 1.0]);
        check(-5.0, -5.0, &[-5.0, -4.0, -3.0, -2.0, -1.0, 0.0]);
        check(f64::NAN, f64::INFINITY, &[0.0, 1.0]);
        check(0.0, 1e12, &[0.0, 2e11, 4e11, 6e11, 8e11, 1e12]);
        assert_eq!(nice_ticks(-f64::MAX, f64::MAX, 1.0).len(), 5, "the ends are clamped");
    }

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        for (raw, expect) in [(0.7, 1.0), (1.0, 1.0), (1.1, 2.0), (19.0, 20.0), (246.8, 500.0), (6.0, 10.0)] {
            assert_eq!(nice_step(raw), expect, "step for {raw}");
        }
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(-3.0), 1.0);
    }

    #[test]
    fn a_tick_count_stays_small() {
        for high in [1.0, 7.0, 99.0, 101.0, 12345.0, 9.9e15] {
            let ticks = nice_ticks(-high / 3.0, high, 1.0);
            assert!(ticks.len() <= 9, "{high}: {ticks:?}");
            assert!(ticks[0] <= -high / 3.0 && *ticks.last().unwrap() >= high);
        }
    }
}
