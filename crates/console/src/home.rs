//! The home page as a work list: for a merchant's team member the to-dos their role works on
//! (orders to ship, buyer messages, after-sales, complaints, videos to approve, verification steps,
//! unread notifications) with counts and links; for a reviewer the queues with due and overdue
//! counts by working-day deadline; for an admin also the overdue refunds, jobs and health; for the
//! platform service the fee confirmations. Counts come from the same use cases the API answers.

use app::{Actor, AppResult};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use domain::access::UseCase;
use domain::auth::Role;
use domain::closure::CheckCode;
use maud::{Markup, html};

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{Tone, empty, error_box, may, number, render, role_name, stat, tag};
use crate::session::{Viewer, viewer};

/// Items a count looks at; past it the tile says "200+".
const COUNT_LIMIT: u32 = 200;

/// One line of the work list.
pub(crate) struct Todo {
    /// Text key of what is to do.
    pub key: &'static str,
    /// Where it is shown (a shop's name), if the to-do belongs to one.
    pub place: Option<String>,
    pub count: i64,
    /// A second count that needs attention first (overdue), shown as a red tag.
    pub overdue: Option<i64>,
    /// Of `count`, how many are due today (reviewer queues).
    pub due_today: Option<i64>,
    pub href: Option<String>,
}

/// The closure checks that are daily work, with the shop page that clears them.
const SHOP_TODOS: [(CheckCode, &str, &str); 4] = [
    (CheckCode::UnshippedOrders, "todo_unshipped_orders", "orders"),
    (CheckCode::UnansweredMessages, "todo_unanswered_messages", "conversations"),
    (CheckCode::AfterSalesOpen, "todo_after_sales_open", "after-sales"),
    (CheckCode::ComplaintsOpen, "todo_complaints_open", "complaints"),
];

/// The to-dos of a merchant's team member.
pub(crate) async fn merchant_todos(state: &ConsoleState, actor: &Actor) -> AppResult<Vec<Todo>> {
    let mut todos = Vec::new();
    let operate = may(actor, UseCase::OperateShop);
    let shops = state.app.list_shops(actor, Some(COUNT_LIMIT), None).await?;
    for shop in shops.items.iter().filter(|shop| shop.status != domain::operations::ShopStatus::Closed) {
        let report = state.app.closure_checks(actor, shop.id).await?;
        for (code, key, section) in SHOP_TODOS {
            let count = report.checks.iter().find(|c| c.code == code).map_or(0, |c| c.count);
            if count > 0 {
                todos.push(Todo {
                    key,
                    place: Some(shop.name.clone()),
                    count,
                    overdue: None,
                    due_today: None,
                    href: operate.then(|| format!("/console/shops/{}/{section}", shop.id)),
                });
            }
        }
    }
    if may(actor, UseCase::ApproveVideo) {
        let waiting = state.app.videos(actor, None, Some("in_review"), Some(COUNT_LIMIT), None).await?;
        let count = waiting.items.len() as i64;
        if count > 0 {
            todos.push(Todo {
                key: "todo_videos_to_approve",
                place: None,
                count,
                overdue: None,
                due_today: None,
                href: Some("/console/approvals".into()),
            });
        }
    }
    if may(actor, UseCase::ManageEnterpriseAccount) {
        let applications = state.app.list_verifications(actor, None, Some(COUNT_LIMIT)).await?;
        for view in
            applications.iter().filter(|v| matches!(v.row.status.as_str(), "draft" | "changes_requested"))
        {
            todos.push(Todo {
                key: if view.row.status == domain::verification::VerificationStatus::Draft {
                    "todo_verification_draft"
                } else {
                    "todo_verification_changes"
                },
                place: Some(view.row.company_name.clone()),
                count: view.missing.len().max(1) as i64,
                overdue: None,
                due_today: None,
                href: Some(format!("/console/verifications/{}", view.row.id)),
            });
        }
    }
    Ok(todos)
}

/// The review queues: items waiting, how many are due today, and how many are overdue.
pub(crate) async fn reviewer_todos(state: &ConsoleState, actor: &Actor) -> AppResult<Vec<Todo>> {
    let today = app::clock::china_date(state.app.clock().now()).to_string();
    let mut todos = Vec::new();
    let verifications = crate::verification::awaiting_queue(state, actor).await?;
    let due_today = verifications.iter().filter(|v| v.row.due_on.as_deref() == Some(today.as_str())).count();
    todos.push(Todo {
        key: "todo_verification_queue",
        place: None,
        due_today: Some(due_today as i64),
        count: verifications.len() as i64,
        overdue: Some(verifications.iter().filter(|v| v.overdue).count() as i64),
        href: Some("/console/verifications".into()),
    });
    let refunds = state.app.refund_review_counts(actor).await?;
    todos.push(Todo {
        key: "todo_refund_queue",
        place: None,
        due_today: Some(refunds.due_today),
        count: refunds.waiting,
        overdue: Some(refunds.overdue),
        href: Some("/console/refunds?status=in_review".into()),
    });
    let appeals = state.app.appeal_queue(actor).await?;
    todos.push(Todo {
        key: "todo_appeal_queue",
        place: None,
        count: appeals.len() as i64,
        overdue: None,
        due_today: None,
        href: Some("/console/appeals".into()),
    });
    let complaints = state.app.open_complaint_count(actor).await?;
    todos.push(Todo {
        key: "todo_complaint_queue",
        place: None,
        count: complaints,
        overdue: None,
        due_today: None,
        href: Some("/console/complaints".into()),
    });
    Ok(todos)
}

fn todo_list(lang: Lang, todos: &[Todo]) -> Markup {
    html! {
        @if todos.is_empty() {
            div #no-todos { (empty(t(lang, "todo_none"))) }
        } @else {
            ul.todo-list #todos {
                @for todo in todos {
                    li.todo data-key=(todo.key) data-count=(todo.count) {
                        span {
                            @if let Some(place) = &todo.place {
                                span.key { (place) } " · "
                            }
                            (t(lang, todo.key))
                        }
                        span.actions {
                            strong.todo-count { (number(todo.count)) }
                            @if let Some(due) = todo.due_today.filter(|n| *n > 0) {
                                span data-due-today=(due) { (tag(Tone::Warning, &format!("{} {}", t(lang, "todo_due_today"), number(due)))) }
                            }
                            @if let Some(overdue) = todo.overdue.filter(|n| *n > 0) {
                                span data-overdue=(overdue) { (tag(Tone::Danger, &format!("{} {}", t(lang, "overdue"), number(overdue)))) }
                            }
                            @if let Some(href) = &todo.href {
                                a.button.secondary href=(href) { (t(lang, "todo_go")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub async fn home(State(state): State<ConsoleState>, jar: CookieJar, headers: HeaderMap) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let actor = &viewer.ctx.actor;
    let todos = match actor.role {
        Role::Merchant => merchant_todos(&state, actor).await,
        Role::Reviewer | Role::Admin => reviewer_todos(&state, actor).await,
        Role::Service => Ok(Vec::new()),
    };
    let overdue_refunds =
        if actor.role == Role::Admin { state.app.overdue_refunds().await.ok() } else { None };
    let ready = if actor.role == Role::Admin {
        Some(matches!(state.app.readiness().await, app::health::Readiness::Ready { .. }))
    } else {
        None
    };
    let title = t(crate::session::lang(&jar), "home");
    render(jar, &viewer, title, "/console/home", |lang, _| body(lang, &viewer, todos, overdue_refunds, ready))
}

fn body(
    lang: Lang,
    viewer: &Viewer,
    todos: AppResult<Vec<Todo>>,
    overdue_refunds: Option<i64>,
    ready: Option<bool>,
) -> Markup {
    let actor = &viewer.ctx.actor;
    let unread = viewer.unread.unwrap_or(0);
    html! {
        div.card {
            h1 #welcome { (t(lang, "welcome")) "，" (actor.username) }
            p.muted { span #role { (role_name(lang, actor.role)) } @if let Some(team_role) = actor.team_role { " · " (t(lang, &format!("team_role_{}", team_role.as_str()))) } }
        }
        div.stats #key-figures {
            @if let Ok(todos) = &todos {
                (stat(t(lang, "todo_total"), &number(todos.iter().map(|t| t.count).sum()), None, false))
                @if todos.iter().any(|t| t.overdue.is_some()) {
                    @let overdue: i64 = todos.iter().filter_map(|t| t.overdue).sum();
                    (stat(t(lang, "todo_overdue_total"), &number(overdue), None, overdue > 0))
                }
            }
            @if may(actor, UseCase::ListNotifications) {
                (stat(t(lang, "unread_notifications"), &number(unread), Some("/console/notifications"), false))
            }
            @if let Some(overdue) = overdue_refunds {
                (stat(t(lang, "overdue_refunds"), &number(overdue), Some("/console/refunds?status=in_review"), overdue > 0))
            }
        }
        @if let Some(ready) = ready {
            div.card #system-health {
                div.card-head {
                    h2 { (t(lang, "system_health")) }
                    (tag(if ready { Tone::Success } else { Tone::Danger }, t(lang, if ready { "health_ready" } else { "health_not_ready" })))
                }
                p { a href="/console/admin/clock" { (t(lang, "clock_jobs")) } }
            }
        }
        div.card {
            div.card-head { h2 { (t(lang, "todo_title")) } }
            @match &todos {
                Ok(todos) => (todo_list(lang, todos)),
                Err(error) => (error_box(lang, error)),
            }
            @if actor.role == Role::Service {
                p { a.button.primary href="/console/fees" { (t(lang, "fee_confirmation")) } }
            }
        }
    }
}
