//! The auto-reply rules of an enterprise account: the welcome, the away message (its `{time}` is
//! the next opening from the working-day calendar) and keyword rules by priority, each turned on
//! or off or deleted (confirmed first); a form for a new rule; and the test mode, which shows the
//! rule that would answer a text now without sending anything.

use app::AppResult;
use app::private_messages::{RuleInput, RuleRow};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use domain::limits::{AUTO_REPLY_LENGTH_MAX, RULE_NAME_LENGTH_MAX};
use domain::private_messages::{Channel, MatchKind, RuleKind};
use domain::team::TeamRight;
use maud::{Markup, html};
use serde::Deserialize;

use crate::ConsoleState;
use crate::i18n::{Lang, t};
use crate::kit::{
    at, empty, error_page, failed_note, failed_redirect, is_refusal, name, notice_of, parse_id, refusal,
    render,
};
use crate::pages::{form_viewer, not_found_page};
use crate::private_messages::{account_switcher, chosen_account, no_account};
use crate::session::{lang, viewer};

const NOTICES: [&str; 4] = ["rule_created", "rule_enabled", "rule_disabled", "rule_deleted"];
const HERE: &str = "/console/auto-replies";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RulesParams {
    account: Option<String>,
    test_channel: Option<String>,
    test_text: Option<String>,
    notice: Option<String>,
    failed: Option<String>,
    field: Option<String>,
}

pub async fn rules_page(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(params): Query<RulesParams>,
) -> Response {
    let viewer = match viewer(&state, &jar, &headers).await {
        Ok(viewer) => viewer,
        Err(redirect) => return redirect,
    };
    let actor = &viewer.ctx.actor;
    let test_text = params.test_text.clone().filter(|t| !t.trim().is_empty());
    let loaded: AppResult<_> = async {
        let Some((account, accounts)) = chosen_account(&state, actor, params.account.as_deref()).await?
        else {
            return Ok(None);
        };
        let rules = state.app.auto_reply_rules(actor, account.id).await?;
        let tested = match &test_text {
            Some(text) => {
                let channel = params.test_channel.as_deref().unwrap_or("message");
                Some(state.app.test_auto_reply(actor, account.id, channel, text).await?)
            }
            None => None,
        };
        Ok(Some((account, accounts, rules, tested)))
    }
    .await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) if is_refusal(&error) => return refusal(jar, &error),
        Err(error) => return error_page(jar, &viewer, "auto_replies", HERE, &error),
    };
    let lang_now = lang(&jar);
    let note = notice_of(lang_now, params.notice.as_deref(), &NOTICES)
        .or_else(|| failed_note(lang_now, params.failed.as_deref(), params.field.as_deref()));
    let may_edit = actor.may(TeamRight::Reply);
    render(jar, &viewer, t(lang_now, "auto_replies"), HERE, |lang, csrf| {
        let Some((account, accounts, rules, tested)) = &loaded else { return no_account(lang) };
        html! {
            @if let Some(note) = &note { (note) }
            div.card {
                h1 { (t(lang, "auto_replies")) " · " span data-user { (account.nickname) } }
                (account_switcher(lang, HERE, account, accounts))
                p.muted { (t(lang, "auto_replies_intro")) }
                @if rules.is_empty() {
                    (empty(t(lang, "no_rules")))
                } @else {
                    div.table-wrap {
                        table #rules {
                            thead { tr {
                                th { (t(lang, "rule_kind")) } th { (t(lang, "rule_name")) } th { (t(lang, "keywords")) }
                                th { (t(lang, "channel")) } th { (t(lang, "priority")) } th { (t(lang, "reply_text")) }
                                th { (t(lang, "rule_state")) }
                                @if may_edit { th { (t(lang, "actions")) } }
                            } }
                            tbody {
                                @for rule in rules { (rule_row(lang, csrf, rule, may_edit)) }
                            }
                        }
                    }
                }
            }
            div.card #rule-test {
                h2 { (t(lang, "rule_test")) }
                form #rule-test-form method="get" action=(HERE) {
                    input type="hidden" name="account" value=(account.id);
                    label for="test-channel" { (t(lang, "channel")) }
                    select #test-channel name="test_channel" {
                        @for channel in Channel::ALL {
                            option value=(channel.as_str()) selected[params.test_channel.as_deref().unwrap_or("message") == channel.as_str()] { (name(lang, "channel", channel.as_str())) }
                        }
                    }
                    label for="test-text" { (t(lang, "rule_test_text")) }
                    input #test-text type="text" name="test_text" maxlength="1000" value=(test_text.clone().unwrap_or_default());
                    div { button.secondary type="submit" { (t(lang, "rule_test_run")) } }
                }
                @if let Some(tested) = tested {
                    @match tested {
                        Some(rule) => p #rule-test-result .notice {
                            (t(lang, "rule_test_fires")) " " strong data-user { (rule.name) } " · " span data-user { (rule.reply) }
                        },
                        None => p #rule-test-result .notice { (t(lang, "rule_test_none")) },
                    }
                }
            }
            @if may_edit { (new_rule_form(lang, csrf, account.id)) }
        }
    })
}

fn period(lang: Lang, rule: &RuleRow) -> String {
    match (rule.active_from_ms, rule.active_until_ms) {
        (None, None) => t(lang, "always").to_owned(),
        (from, until) => {
            format!("{} – {}", from.map(at).unwrap_or_default(), until.map(at).unwrap_or_default())
        }
    }
}

fn channels(lang: Lang, text: &str) -> String {
    let words: Vec<String> =
        text.split(',').filter(|c| !c.is_empty()).map(|c| name(lang, "channel", c)).collect();
    words.join(lang_separator(lang))
}

fn lang_separator(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "、" } else { ", " }
}

fn rule_row(lang: Lang, csrf: &str, rule: &RuleRow, may_edit: bool) -> Markup {
    let keywords: Vec<&str> = rule.keywords.lines().collect();
    let enabled = rule.enabled == 1;
    html! {
        tr data-rule=(rule.id) data-kind=(rule.kind) {
            td { (name(lang, "rule_kind", &rule.kind)) }
            td data-user { (rule.name) }
            td {
                @if keywords.is_empty() { "–" } @else {
                    span data-user { (keywords.join(" / ")) }
                    br; span.muted { (name(lang, "match_kind", &rule.match_kind)) }
                }
            }
            td { (channels(lang, &rule.channels)) }
            td { (rule.priority) }
            td data-user { (rule.reply) br; span.muted { (period(lang, rule)) } }
            td {
                @if enabled { span.badge.tag-success { (t(lang, "rule_on")) } } @else { span.badge { (t(lang, "rule_off")) } }
            }
            @if may_edit {
                td {
                    div.actions {
                        form.inline method="post" action={ "/console/auto-replies/" (rule.id) "/enabled" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="enabled" value=(if enabled { "0" } else { "1" });
                            button.small type="submit" { (t(lang, if enabled { "turn_off" } else { "turn_on" })) }
                        }
                        details.confirm {
                            summary.button.small { (t(lang, "delete")) }
                            div.confirm-body {
                                p { (t(lang, "delete_rule_confirm")) }
                                form method="post" action={ "/console/auto-replies/" (rule.id) "/delete" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.danger type="submit" { (t(lang, "delete_rule")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn new_rule_form(lang: Lang, csrf: &str, account_id: i64) -> Markup {
    html! {
        div.card #new-rule {
            h2 { (t(lang, "new_rule")) }
            form #new-rule-form method="post" action=(HERE) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="account" value=(account_id);
                label for="rule-kind" { (t(lang, "rule_kind")) }
                select #rule-kind name="kind" {
                    @for kind in RuleKind::ALL {
                        option value=(kind.as_str()) selected[*kind == RuleKind::Keyword] { (name(lang, "rule_kind", kind.as_str())) }
                    }
                }
                label for="rule-name" { (t(lang, "rule_name")) }
                input #rule-name type="text" name="name" required maxlength=(RULE_NAME_LENGTH_MAX);
                label for="rule-keywords" { (t(lang, "keywords")) }
                textarea #rule-keywords name="keywords" rows="2" placeholder=(t(lang, "keywords_hint")) {}
                label for="rule-match" { (t(lang, "match_kind")) }
                select #rule-match name="match_kind" {
                    @for kind in MatchKind::ALL {
                        option value=(kind.as_str()) selected[*kind == MatchKind::Contains] { (name(lang, "match_kind", kind.as_str())) }
                    }
                }
                fieldset {
                    legend { (t(lang, "channel")) }
                    @for channel in Channel::ALL {
                        label.radio {
                            input type="checkbox" name="channel" value=(channel.as_str()) checked[*channel == Channel::Message];
                            " " (name(lang, "channel", channel.as_str()))
                        }
                    }
                }
                label for="rule-priority" { (t(lang, "priority")) }
                input #rule-priority type="number" name="priority" min="0" max="10000" value="100";
                span.muted { (t(lang, "priority_hint")) }
                label for="rule-reply" { (t(lang, "reply_text")) }
                textarea #rule-reply name="reply" required maxlength=(AUTO_REPLY_LENGTH_MAX) rows="3" {}
                span.muted { (t(lang, "away_time_hint")) }
                label for="rule-from" { (t(lang, "active_from")) }
                input #rule-from type="datetime-local" name="active_from";
                label for="rule-until" { (t(lang, "active_until")) }
                input #rule-until type="datetime-local" name="active_until";
                div { button.primary #create-rule type="submit" { (t(lang, "create_rule")) } }
            }
        }
    }
}

/// A `datetime-local` value (China time) as milliseconds; empty is none, anything else refused.
fn local_time(field: &str, text: &str) -> Result<Option<i64>, app::AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map(|local| Some(local.and_utc().timestamp_millis() - 8 * 3_600_000))
        .map_err(|_| app::AppError::invalid(field, "a date and time"))
}

/// Splits the keywords box: one a line, or separated by commas (Chinese or Latin).
fn keywords(text: &str) -> Vec<String> {
    text.split(['\n', ',', '，', '、']).map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect()
}

/// The new-rule form as posted: `channel` repeats for each ticked box.
fn rule_form(body: &str) -> Result<(String, String, RuleInput), app::AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let channels: Vec<&str> = pairs.iter().filter(|(k, _)| k == "channel").map(|(_, v)| v.as_str()).collect();
    let priority = get("priority");
    let priority = match priority.trim() {
        "" => None,
        text => Some(text.parse().map_err(|_| app::AppError::invalid("priority", "0 to 10000"))?),
    };
    let input = RuleInput {
        kind: get("kind"),
        name: get("name"),
        match_kind: Some(get("match_kind")),
        keywords: keywords(&get("keywords")),
        channels: Some(channels.join(",")).filter(|c| !c.is_empty()),
        priority,
        reply: get("reply"),
        active_from_ms: local_time("active_from", &get("active_from"))?,
        active_until_ms: local_time("active_until", &get("active_until"))?,
        enabled: Some(true),
    };
    Ok((get("csrf"), get("account"), input))
}

pub async fn create_rule(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    body: String,
) -> Response {
    let (csrf, account, parsed) = match rule_form(&body) {
        Ok((csrf, account, input)) => (csrf, account, Ok(input)),
        Err(error) => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
            let get =
                |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
            (get("csrf"), get("account"), Err(error))
        }
    };
    let viewer = match form_viewer(&state, &jar, &headers, &csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(account_id) = parse_id(&account) else { return not_found_page(jar) };
    let page = format!("{HERE}?account={account_id}");
    let done = match parsed {
        Ok(input) => state.app.create_auto_reply_rule(&viewer.ctx, account_id, &input).await,
        Err(error) => Err(error),
    };
    match done {
        Ok(_) => Redirect::to(&format!("{page}&notice=rule_created")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&page, &error),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RuleActionForm {
    csrf: String,
    enabled: String,
}

pub async fn set_enabled(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<RuleActionForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let enabled = form.enabled == "1";
    match state.app.set_auto_reply_rule_enabled(&viewer.ctx, id, enabled).await {
        Ok(rule) => {
            let notice = if enabled { "rule_enabled" } else { "rule_disabled" };
            Redirect::to(&format!("{HERE}?account={}&notice={notice}", rule.account_id)).into_response()
        }
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(HERE, &error),
    }
}

pub async fn delete_rule(
    State(state): State<ConsoleState>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<RuleActionForm>,
) -> Response {
    let viewer = match form_viewer(&state, &jar, &headers, &form.csrf).await {
        Ok(viewer) => viewer,
        Err(refusal) => return refusal,
    };
    let Some(id) = parse_id(&id) else { return not_found_page(jar) };
    let account = match state.app.auto_reply_rule(&viewer.ctx.actor, id).await {
        Ok(rule) => rule.account_id,
        Err(error) => return refusal(jar, &error),
    };
    let page = format!("{HERE}?account={account}");
    match state.app.delete_auto_reply_rule(&viewer.ctx, id).await {
        Ok(()) => Redirect::to(&format!("{page}&notice=rule_deleted")).into_response(),
        Err(error) if is_refusal(&error) => refusal(jar, &error),
        Err(error) => failed_redirect(&page, &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_parses_into_a_rule() {
        let body = "csrf=x&account=3&kind=keyword&name=%E4%BB%B7%E6%A0%BC&keywords=%E5%A4%9A%E5%B0%91%E9%92%B1%EF%BC%8C%E4%BB%B7%E6%A0%BC%0A%E8%BF%90%E8%B4%B9&match_kind=contains&channel=comment&channel=message&priority=10&reply=ok&active_from=2026-04-03T20%3A00&active_until=";
        let (csrf, account, input) = rule_form(body).unwrap();
        assert_eq!((csrf.as_str(), account.as_str()), ("x", "3"));
        assert_eq!(input.keywords, ["多少钱", "价格", "运费"]);
        assert_eq!(input.channels.as_deref(), Some("comment,message"));
        assert_eq!(input.priority, Some(10));
        assert_eq!(input.active_from_ms, Some(1_775_217_600_000));
        assert_eq!(input.active_until_ms, None);
        assert!(rule_form("priority=ten").is_err());
        assert!(rule_form("active_from=tomorrow").is_err());
    }
}
