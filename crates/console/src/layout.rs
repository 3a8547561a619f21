//! The page frame: head, navigation by role, language switch, logout, and message boxes.

use app::Actor;
use domain::auth::Role;
use domain::team::TeamRight;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::i18n::{Lang, t};
use crate::session::Viewer;

const STYLE: &str = "
body{font-family:system-ui,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;color:#1f2329;background:#f5f6f7}
header{background:#161823;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header a,header button{color:#fff;text-decoration:none;background:none;border:0;font:inherit;cursor:pointer}
header .brand{font-weight:700;margin-right:12px}header .spacer{flex:1}
main{max-width:1100px;margin:24px auto;padding:0 24px}
.card{background:#fff;border-radius:8px;padding:18px 22px;margin-bottom:18px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eee;font-size:14px}
.error{background:#fff1f0;border:1px solid #ffa39e;padding:10px 14px;border-radius:6px;margin-bottom:14px}
.notice{background:#e6f4ff;border:1px solid #91caff;padding:10px 14px;border-radius:6px;margin-bottom:14px}
label{display:block;margin:10px 0 4px}input,select,textarea{padding:7px;font:inherit;border:1px solid #ccc;border-radius:4px}
button.primary{background:#fe2c55;color:#fff;border:0;border-radius:4px;padding:8px 16px;font:inherit;cursor:pointer;margin-top:12px}
.cal td{height:56px;vertical-align:top;width:14%}.cal .off{background:#fff1f0}.cal .makeup{background:#fffbe6}.cal .holiday{color:#cf1322}
.muted{color:#8a8f99;font-size:13px}.badge{display:inline-block;padding:1px 8px;border-radius:10px;background:#eee;font-size:12px}
.badge.verified,.badge.paid,.badge.present,.status-approved{background:#e6f4ff;color:#0958d9}.badge.unpaid,.badge.absent,.status-failed,.status-rejected{background:#fff1f0;color:#cf1322}
.status-changes_requested{background:#fffbe6;color:#ad6800}.overdue{color:#fff;background:#cf1322;padding:1px 6px;border-radius:4px;font-size:12px}
.field-msg{font-size:13px}.field-msg.ok,#upload-status.ok{color:#389e0d}.field-msg.warn,.warn{color:#ad6800}.field-msg.bad,#upload-status.bad{color:#cf1322}
li.warning{background:#fffbe6;border:1px solid #ffe58f;padding:6px 10px;border-radius:6px;margin:6px 0;list-style:none}
.document img{max-width:100%;border:1px solid #eee}.timeline li{margin:6px 0}fieldset{border:1px solid #eee;border-radius:6px;margin:10px 0}
progress{width:260px}.overdue-row td{background:#fff7f6}
.badge.passed{background:#f6ffed;color:#389e0d}.badge.failing{background:#fff1f0;color:#cf1322}.passed{color:#389e0d}.failing{color:#cf1322}
form.inline{display:inline}button.small{font:inherit;font-size:13px;padding:3px 10px;border:1px solid #ccc;border-radius:4px;background:#fff;cursor:pointer}
label.radio{display:inline-block;margin-right:16px}.shop-nav a,.shop-nav strong{margin-right:14px}
.count{display:inline-block;min-width:18px;padding:0 5px;border-radius:9px;background:#fe2c55;color:#fff;font-size:12px;text-align:center}
.upload-status.ok{color:#389e0d}.upload-status.bad{color:#cf1322}.cal .today{outline:2px solid #fe2c55}
.cal .festival{display:inline-block;margin-top:2px;padding:0 6px;border-radius:8px;background:#fff0f6;color:#c41d7f;font-size:12px}
.day-videos{margin:4px 0 0;padding:0;list-style:none;font-size:12px}.day-videos li{margin:2px 0}.badge.tag{background:#f0f5ff;color:#1d39c4}
.status-in_review,.status-scheduled{background:#fffbe6;color:#ad6800}.status-published{background:#f6ffed;color:#389e0d}.status-withdrawn{background:#f5f5f5;color:#8a8f99}
.decision form{margin:4px 0}
.message{margin:10px 0;padding:8px 12px;border-radius:6px;max-width:70%}.from-buyer{background:#f5f6f7}.from-merchant{background:#e6f4ff;margin-left:auto}
";

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    t(lang, &format!("role_{}", role.as_str()))
}

/// A whole page. `viewer` is None on the login page.
pub fn page(lang: Lang, title: &str, viewer: Option<(&Viewer, &str)>, here: &str, body: Markup) -> Markup {
    let switch_href = format!("/console/lang?to={}&back={}", lang.other().code(), here);
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t(lang, "app_name")) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    span.brand { (t(lang, "app_name")) }
                    @if let Some((viewer, csrf)) = viewer {
                        @let actor = &viewer.ctx.actor;
                        @for (href, key) in nav(actor) {
                            a href=(href) {
                                (t(lang, key))
                                @if key == "notifications" && viewer.unread.unwrap_or(0) > 0 {
                                    " " span #unread-badge .count { (viewer.unread.unwrap_or(0)) }
                                }
                            }
                        }
                        span.spacer {}
                        span #whoami { (actor.username) " · " (role_name(lang, actor.role)) }
                        a #lang-switch href=(switch_href) { (t(lang, "switch_lang")) }
                        form method="post" action="/console/logout" style="display:inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button #logout type="submit" { (t(lang, "logout")) }
                        }
                    } @else {
                        span.spacer {}
                        a #lang-switch href=(switch_href) { (t(lang, "switch_lang")) }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// Navigation entries by role, and for merchant users by team rights: (href, text key).
fn nav(actor: &Actor) -> Vec<(&'static str, &'static str)> {
    let role = actor.role;
    let mut entries = vec![("/console/home", "home")];
    match role {
        Role::Merchant => {
            entries.push(("/console/shops", "shops"));
            entries.push(("/console/enterprise-accounts", "enterprise_accounts"));
            entries.push(("/console/videos", "videos"));
            if actor.may(TeamRight::Reply) {
                entries.push(("/console/reputation", "reputation"));
            }
            if actor.may(TeamRight::ApproveContent) {
                entries.push(("/console/approvals", "approvals"));
            }
            if actor.may(TeamRight::ManageTeam) {
                entries.push(("/console/team", "team"));
            }
            if actor.may(TeamRight::ViewMoney) {
                entries.push(("/console/payouts", "payouts"));
            }
            entries.push(("/console/notifications", "notifications"));
        }
        Role::Reviewer | Role::Admin => {
            entries.push(("/console/shops", "all_shops"));
            entries.push(("/console/appeals", "appeal_queue"));
            entries.push(("/console/verifications", "verification_queue"));
            entries.push(("/console/refunds", "refund_queue"));
            entries.push(("/console/payouts", "payouts"));
            entries.push(("/console/complaints", "complaint_queue"));
        }
        Role::Service => entries.push(("/console/fees", "fee_confirmation")),
    }
    entries.push(("/console/calendar", "calendar"));
    if role == Role::Admin {
        entries.push(("/console/admin/audit", "audit"));
        entries.push(("/console/admin/clock", "clock_jobs"));
    }
    entries
}

pub fn error_box(message: &str) -> Markup {
    html! { div.error role="alert" { (message) } }
}
