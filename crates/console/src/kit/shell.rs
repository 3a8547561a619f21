//! The page shell: head with the one embedded style sheet, the top bar (brand, menu button on
//! phones, notifications, language, account), the left sidebar grouped by task and filtered by
//! role and team rights, breadcrumbs, and the error and flash boxes every page uses.

use app::{Actor, AppError, Code};
use domain::access::{self, UseCase};
use domain::auth::Role;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::i18n::{Lang, t};
use crate::session::Viewer;

/// The design tokens and components, compiled into the binary.
const STYLE: &str = include_str!("style.css");

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    t(lang, &format!("role_{}", role.as_str()))
}

/// One sidebar link: where it goes, its text key, and the use case that page runs (so the link is
/// shown exactly to those who may open it).
pub(crate) struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub use_case: UseCase,
}

/// A sidebar group: its title key and links.
pub(crate) struct NavGroup {
    pub key: &'static str,
    pub items: Vec<NavItem>,
}

const fn item(href: &'static str, key: &'static str, use_case: UseCase) -> NavItem {
    NavItem { href, key, use_case }
}

/// The whole navigation before filtering, grouped by task as in Douyin's back offices.
fn all_groups(role: Role) -> Vec<NavGroup> {
    let merchant = role == Role::Merchant;
    let mut groups = vec![NavGroup {
        key: "nav_group_home",
        items: vec![item("/console/home", "home", UseCase::ViewHome)],
    }];
    if merchant {
        groups.push(NavGroup {
            key: "nav_group_shops",
            items: vec![
                item("/console/shops", "shops", UseCase::ListShops),
                item("/console/payouts", "payouts", UseCase::ListPayouts),
            ],
        });
        groups.push(NavGroup {
            key: "nav_group_content",
            items: vec![
                item("/console/enterprise-accounts", "enterprise_accounts", UseCase::ListEnterpriseAccounts),
                item("/console/videos", "videos", UseCase::ListVideos),
                item("/console/approvals", "approvals", UseCase::ApproveVideo),
            ],
        });
        groups.push(NavGroup {
            key: "nav_group_engagement",
            items: vec![
                item("/console/inbox", "inbox", UseCase::AnswerInbox),
                item("/console/auto-replies", "auto_replies", UseCase::AnswerInbox),
                item("/console/leads", "leads", UseCase::ViewLeads),
                item("/console/reputation", "reputation", UseCase::ViewReputation),
            ],
        });
        groups.push(NavGroup {
            key: "nav_group_settings",
            items: vec![
                item("/console/notifications", "notifications", UseCase::ListNotifications),
                item("/console/team", "team", UseCase::ManageTeam),
                item("/console/webhook", "webhook", UseCase::ManageWebhook),
                item("/console/calendar", "calendar", UseCase::ViewCalendar),
            ],
        });
    } else {
        groups.push(NavGroup {
            key: "nav_group_review",
            items: vec![
                item("/console/appeals", "appeal_queue", UseCase::DecideAppeal),
                item("/console/verifications", "verification_queue", UseCase::ReviewVerification),
                item("/console/refunds", "refund_queue", UseCase::DecideRefund),
                item("/console/payouts", "payouts", UseCase::ListPayouts),
                item("/console/complaints", "complaint_queue", UseCase::ResolveComplaint),
                item("/console/fees", "fee_confirmation", UseCase::ConfirmFee),
            ],
        });
        groups.push(NavGroup {
            key: "nav_group_platform",
            items: vec![
                item("/console/shops", "all_shops", UseCase::ListShops),
                item("/console/calendar", "calendar", UseCase::ViewCalendar),
            ],
        });
        groups.push(NavGroup {
            key: "nav_group_system",
            items: vec![
                item("/console/admin/audit", "audit", UseCase::ViewAudit),
                item("/console/admin/clock", "clock_jobs", UseCase::SetClock),
            ],
        });
    }
    groups
}

/// The navigation this actor may use: groups with at least one link, each link allowed by the
/// access table.
pub(crate) fn nav(actor: &Actor) -> Vec<NavGroup> {
    all_groups(actor.role)
        .into_iter()
        .map(|group| NavGroup {
            key: group.key,
            items: group.items.into_iter().filter(|item| may(actor, item.use_case)).collect(),
        })
        .filter(|group| !group.items.is_empty())
        .collect()
}

/// Whether `actor` may run `use_case`, by the one access table.
pub(crate) fn may(actor: &Actor, use_case: UseCase) -> bool {
    access::allows(use_case, actor.role, actor.team_role)
}

/// The sidebar link this page belongs to: the one whose path is the longest prefix of `here`.
fn current<'a>(groups: &'a [NavGroup], here: &str) -> Option<(&'a NavGroup, &'a NavItem)> {
    let path = here.split('?').next().unwrap_or(here);
    groups
        .iter()
        .flat_map(|group| group.items.iter().map(move |item| (group, item)))
        .filter(|(_, item)| path == item.href || path.starts_with(&format!("{}/", item.href)))
        .max_by_key(|(_, item)| item.href.len())
}

/// A whole page. `viewer` is None on the login and refusal pages.
pub fn page(lang: Lang, title: &str, viewer: Option<(&Viewer, &str)>, here: &str, body: Markup) -> Markup {
    let switch_href = format!("/console/lang?to={}&back={}", lang.other().code(), here);
    let groups = viewer.map(|(viewer, _)| nav(&viewer.ctx.actor)).unwrap_or_default();
    let here_item = current(&groups, here);
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t(lang, "app_name")) }
                style { (PreEscaped(STYLE)) }
                script src=(super::DRAFT_SCRIPT_PATH) defer {}
            }
            body {
                @if viewer.is_some() {
                    input #nav-toggle .nav-toggle type="checkbox" aria-controls="sidebar" aria-label=(t(lang, "menu"));
                }
                header.topbar {
                    @if viewer.is_some() {
                        label.menu-button for="nav-toggle" { "☰ " (t(lang, "menu")) }
                    }
                    a.brand href="/console/home" { (t(lang, "app_name")) }
                    span.spacer {}
                    @if let Some((viewer, csrf)) = viewer {
                        @let actor = &viewer.ctx.actor;
                        @if may(actor, UseCase::ListNotifications) {
                            a #topbar-notifications href="/console/notifications" {
                                (t(lang, "notifications"))
                                @if viewer.unread.unwrap_or(0) > 0 {
                                    " " span #unread-badge .count { (viewer.unread.unwrap_or(0)) }
                                }
                            }
                        }
                        a #lang-switch href=(switch_href) lang=(lang.other().html_lang()) { (t(lang, "switch_lang")) }
                        span #whoami { (actor.username) " · " (role_label(lang, actor)) }
                        form method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button #logout type="submit" { (t(lang, "logout")) }
                        }
                    } @else {
                        a #lang-switch href=(switch_href) lang=(lang.other().html_lang()) { (t(lang, "switch_lang")) }
                    }
                }
                div.layout {
                    @if viewer.is_some() {
                        nav #sidebar .sidebar aria-label=(t(lang, "main_navigation")) {
                            @for group in &groups {
                                div.nav-group {
                                    p.nav-group-title { (t(lang, group.key)) }
                                    ul {
                                        @for item in &group.items {
                                            @let selected = here_item.is_some_and(|(_, i)| std::ptr::eq(i, item));
                                            li {
                                                a href=(item.href) aria-current=[selected.then_some("page")] {
                                                    span { (t(lang, item.key)) }
                                                    @if item.key == "notifications" && viewer.and_then(|(v, _)| v.unread).unwrap_or(0) > 0 {
                                                        span.count { (viewer.and_then(|(v, _)| v.unread).unwrap_or(0)) }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    main {
                        @if viewer.is_some() && here != "/console/home" {
                            (breadcrumbs(lang, title, here, here_item))
                        }
                        (body)
                    }
                }
            }
        }
    }
}

/// A merchant user's team role (所有者, 运营, …), a platform user's role.
fn role_label(lang: Lang, actor: &Actor) -> String {
    match actor.team_role {
        Some(team_role) if actor.role == Role::Merchant => {
            t(lang, &format!("team_role_{}", team_role.as_str())).to_owned()
        }
        _ => role_name(lang, actor.role).to_owned(),
    }
}

fn breadcrumbs(lang: Lang, title: &str, here: &str, here_item: Option<(&NavGroup, &NavItem)>) -> Markup {
    let path = here.split('?').next().unwrap_or(here);
    html! {
        nav.breadcrumbs aria-label=(t(lang, "breadcrumbs")) {
            ol {
                li { a href="/console/home" { (t(lang, "home")) } }
                @if let Some((group, item)) = here_item {
                    li { (t(lang, group.key)) }
                    @if item.href != path {
                        li { a href=(item.href) { (t(lang, item.key)) } }
                    }
                }
                li aria-current="page" { (title) }
            }
        }
    }
}

/// What a person can do about an error: one sentence by the kind of error.
fn hint_key(code: Code) -> &'static str {
    let text = code.as_str();
    match code {
        Code::Forbidden => "hint_forbidden",
        Code::NotFound => "hint_not_found",
        Code::CsrfFailed | Code::Unauthorized => "hint_reload",
        Code::InvalidCredentials => "hint_credentials",
        Code::TooManyLoginAttempts | Code::ServerBusy => "hint_wait",
        Code::Internal => "hint_internal",
        _ if text.contains("conflict")
            || text.starts_with("already")
            || text.ends_with("claimed")
            || text.ends_with("in_progress")
            || text.ends_with("_decided") =>
        {
            "hint_conflict"
        }
        _ => "hint_fix",
    }
}

/// An error box: the error's title in the viewer's language and what to do about it. The stable
/// code and the developer detail are for support only, behind a closed details toggle; the code is
/// also on the box as `data-code`.
pub(crate) fn error_box(lang: Lang, error: &AppError) -> Markup {
    let title = if lang == Lang::Zh { error.code.title_zh() } else { error.code.title_en() };
    html! {
        div.error role="alert" data-code=(error.code.as_str()) {
            span.error-title { (title) }
            span.error-hint { (t(lang, hint_key(error.code))) }
            @if error.code != Code::Internal {
                details.error-detail {
                    summary { (t(lang, "error_detail")) }
                    span lang="en" { code { (error.code.as_str()) } @if !error.detail.is_empty() { " — " (error.detail) } }
                }
            }
        }
    }
}

/// An error box for a bare code (no detail).
pub(crate) fn error_code_box(lang: Lang, code: Code) -> Markup {
    error_box(lang, &AppError::new(code, ""))
}
