//! Demo engagement: every day of the demo's history walk the platform sends the previous day's
//! views, watch time, likes, shares and follows on the account's published videos as one NDJSON
//! event batch (the newest videos most watched, evenings busiest, the sources and audience of a
//! clothing brand), so that every chart of the dashboards has data.

use chrono::{Duration, NaiveDate};
use domain::analytics::{AgeBand, Gender, PROVINCES, TrafficSource};

use crate::clock::china_midnight;
use crate::{App, AppError, AppResult, Ctx};

const DAY_MS: i64 = 86_400_000;
/// Views a video gets on its first full day; later days get fewer.
const FIRST_DAY_VIEWS: i64 = 120;

/// A deterministic mixer (SplitMix64) of an event's number: the demo is the same on every run.
fn mixed(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<T: Copy>(weights: &[(T, u64)], roll: u64) -> T {
    let total: u64 = weights.iter().map(|(_, w)| w).sum();
    let mut roll = roll % total.max(1);
    for (value, weight) in weights {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    weights[0].0
}

/// Views of a video `age_days` after publication: a first-day peak decaying by a third a day,
/// with a long tail of search and profile views.
fn views_on(age_days: i64) -> i64 {
    let mut views = FIRST_DAY_VIEWS;
    for _ in 0..age_days.min(12) {
        views = views * 2 / 3;
    }
    views.max(2)
}

/// The previous day's events on `videos` (ids with their publication time), sent as one batch.
pub(crate) async fn engagement_day(
    app: &App,
    service: &Ctx,
    videos: &[i64],
    day: NaiveDate,
) -> AppResult<()> {
    let yesterday = day - Duration::days(1);
    let start_ms = china_midnight(yesterday).timestamp_millis();
    let mut lines = String::new();
    let mut conn = app.db().read().await?;
    let mut published = Vec::with_capacity(videos.len());
    for id in videos {
        let video = store::videos::find_video(&mut conn, *id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("demo video {id} vanished")))?;
        if let Some(at) = video.published_at_ms.filter(|at| *at < start_ms + DAY_MS) {
            published.push((video.id, at));
        }
    }
    drop(conn);
    for (video, published_at) in published {
        let age_days = (start_ms - published_at).div_euclid(DAY_MS).max(0);
        let views = views_on(age_days);
        for n in 0..views {
            let seed = mixed((video as u64) << 32 ^ (start_ms as u64 / 1000) ^ n as u64);
            // Evenings are busiest: half of the views fall from 19:00 to 23:00.
            let hour = if seed % 2 == 0 { 19 + (seed >> 8) % 4 } else { (seed >> 8) % 24 };
            let at_ms = (start_ms + hour as i64 * 3_600_000 + ((seed >> 16) % 3_600_000) as i64)
                .max(published_at)
                .min(start_ms + DAY_MS - 1);
            let source = if age_days == 0 {
                pick(
                    &[(TrafficSource::Recommend, 6), (TrafficSource::Follow, 2), (TrafficSource::Paid, 1)],
                    seed >> 20,
                )
            } else {
                pick(
                    &[
                        (TrafficSource::Recommend, 3),
                        (TrafficSource::Search, 3),
                        (TrafficSource::Profile, 2),
                        (TrafficSource::Other, 1),
                    ],
                    seed >> 20,
                )
            };
            let age = pick(
                &[
                    (AgeBand::From18, 3),
                    (AgeBand::From24, 5),
                    (AgeBand::From31, 4),
                    (AgeBand::From41, 2),
                    (AgeBand::Over50, 1),
                ],
                seed >> 24,
            );
            let gender = pick(&[(Gender::Female, 7), (Gender::Male, 3)], seed >> 28);
            let province =
                pick(&[(18, 5), (10, 4), (8, 3), (9, 3), (0, 2), (22, 2), (14, 2), (34, 1)], seed >> 32);
            let at = chrono::DateTime::from_timestamp_millis(at_ms)
                .unwrap_or_default()
                .with_timezone(&crate::clock::china_offset())
                .to_rfc3339();
            let base = format!(
                "\"video_id\":{video},\"at\":\"{at}\",\"source\":\"{}\",\"age\":\"{}\",\"gender\":\"{}\",\"province\":\"{}\"",
                source.as_str(),
                age.as_str(),
                gender.as_str(),
                PROVINCES[province]
            );
            lines.push_str(&format!("{{\"kind\":\"view\",{base}}}\n"));
            let watch_ms = 3_000 + (seed >> 36) % 40_000;
            let completed = (seed >> 40) % 10 < 3;
            lines.push_str(&format!(
                "{{\"kind\":\"watch\",{base},\"watch_ms\":{watch_ms},\"completed\":{completed}}}\n"
            ));
            for (kind, per_hundred, shift) in [("like", 9, 44), ("share", 2, 50), ("follow", 1, 56)] {
                if (seed >> shift) % 100 < per_hundred {
                    lines.push_str(&format!("{{\"kind\":\"{kind}\",{base}}}\n"));
                }
            }
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    let key = format!("demo-events-{yesterday}");
    app.ingest_events(service, lines.as_bytes(), Some(&key)).await?;
    Ok(())
}
