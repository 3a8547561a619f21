//! The scheduled backups' card on the admin's clock-and-jobs page: folder, last success and last failure.

use maud::{Markup, html};

use crate::i18n::{Lang, t};

fn time(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|at| at.with_timezone(&app::clock::china_offset()).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "—".to_owned())
}

pub fn card(app: &app::App, lang: Lang) -> Markup {
    let (Some(schedule), Some(status)) = (app.config().backup.as_ref(), app.backup_status()) else {
        return html! {
            div.card #backups {
                h2 { (t(lang, "backups")) }
                p.muted { (t(lang, "backups_not_scheduled")) " (" code { "serve --backup-dir DIR" } ")" }
            }
        };
    };
    let every = humanize_ms(schedule.every_ms, lang);
    html! {
        div.card #backups {
            h2 { (t(lang, "backups")) }
            table {
                tr { th { (t(lang, "backup_dir")) } td { code { (schedule.dir.display()) } } }
                tr { th { (t(lang, "backup_every")) } td { (every) " · " (t(lang, "backup_keep")) " " (schedule.keep) } }
                tr { th { (t(lang, "backup_last_success")) } td #backup-last-success {
                    (time(status.last_success_ms))
                    @if let Some(file) = &status.last_success_file { " " code { (file) } }
                } }
                tr { th { (t(lang, "backup_last_failure")) } td #backup-last-failure {
                    (time(status.last_failure_ms))
                    @if let Some(error) = &status.last_error { " " span.badge.failing { (error) } }
                } }
                tr { th { (t(lang, "backup_kept")) } td { (status.kept) } }
            }
        }
    }
}

/// An interval as 小时/分钟 (hours/minutes), or days when it is whole days.
fn humanize_ms(ms: i64, lang: Lang) -> String {
    let minutes = ms / 60_000;
    match (minutes % (24 * 60), minutes % 60) {
        (0, _) => format!("{} {}", minutes / (24 * 60), t(lang, "days")),
        (_, 0) => format!("{} {}", minutes / 60, t(lang, "unit_hours")),
        _ => format!("{minutes} {}", t(lang, "unit_minutes")),
    }
}
