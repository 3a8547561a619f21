//! Comments on enterprise accounts' videos: NDJSON batches from the platform (`service` role)
//! ingested many rows per statement in one transaction each, the account's inbox (newest first,
//! by video, awaiting a reply, keyword), replies by the account's staff (a reply marks its parent
//! answered), hiding, one pinned comment per video, and the unanswered count and first-response
//! statistics in working hours. Team rights: `reply` answers, hides and pins; every member reads.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::DateTime;
use domain::auth::Role;
use domain::comments::{
    LineError, ResponseTimes, WORKING_HOURS_END_HOUR, WORKING_HOURS_START_HOUR, check_author_id,
    check_comment_id, check_comment_time, parse_comment_text, response_times, working_ms_between,
};
use domain::feed::EventType;
use domain::limits::{
    COMMENT_BATCH_BYTES_MAX, COMMENT_BATCH_LINES_MAX, COMMENT_KEYWORD_LENGTH_MAX,
    COMMENT_REJECTIONS_LISTED_MAX, COMMENT_STATS_DAYS_MAX, COMMENT_STATS_SAMPLE_MAX,
};
use domain::notifications::NoticeKind;
use domain::sentiment::features::Features;
use domain::sentiment::{Classifier, Sentiment};
use domain::team::TeamRight;
use rand::RngCore;
use serde::Deserialize;
use store::comments::{self as rows, CommentFilter, NewComment, NewReply};
pub use store::comments::{CommentCounts, CommentRow};

use crate::audit::{Page, page_size};
use crate::notifications::Notice;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// Who answers, hides and pins comments.
pub const REPLY_RIGHTS: &[TeamRight] = &[TeamRight::Reply];

const DAY_MS: i64 = 24 * 3600 * 1000;
/// The period the first-response statistics cover when the caller does not say, in days.
pub const COMMENT_STATS_DAYS_DEFAULT: i64 = 30;

/// One NDJSON line as sent; strings are borrowed from the body unless they hold escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    video_id: i64,
    #[serde(borrow)]
    comment_id: Cow<'a, str>,
    #[serde(borrow)]
    author_id: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    created_at: Cow<'a, str>,
    #[serde(default, borrow)]
    parent_id: Option<Cow<'a, str>>,
}

/// A line with every field valid, before its video is looked up.
struct ValidLine<'a> {
    line: usize,
    video_id: i64,
    comment_id: Cow<'a, str>,
    author_id: Cow<'a, str>,
    text: Cow<'a, str>,
    created_at_ms: i64,
    parent_id: Option<Cow<'a, str>>,
}

/// A refused line of a batch: its 1-based number and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectedLine {
    pub line: usize,
    pub code: LineError,
}

/// What a batch did. `accepted` counts every valid line, stored now or already stored
/// (`duplicates`, a repeated `comment_id`, never stored twice); `stored = accepted - duplicates`.
/// Blank lines are skipped and counted nowhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub lines: usize,
    pub accepted: usize,
    pub duplicates: usize,
    /// Public auto-replies posted by keyword rules, and leads found in the new comments.
    pub auto_replies: usize,
    pub leads: usize,
    pub rejected_count: usize,
    /// The first `COMMENT_REJECTIONS_LISTED_MAX` refused lines, by line number.
    pub rejected: Vec<RejectedLine>,
}

impl BatchOutcome {
    pub fn stored(&self) -> usize {
        self.accepted - self.duplicates
    }
}

/// What the inbox shows.
#[derive(Debug, Clone, Default)]
pub struct CommentQuery {
    pub video_id: Option<i64>,
    /// Only comments awaiting a reply.
    pub unanswered: bool,
    /// A keyword the text contains (case-insensitive for Latin letters).
    pub keyword: Option<String>,
    /// Only comments classified so: `positive`, `neutral` or `negative`.
    pub sentiment: Option<String>,
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An account's unanswered count and first-response times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentStats {
    pub account_id: i64,
    pub counts: CommentCounts,
    /// The period looked at: comments answered within the last `days` days.
    pub days: i64,
    /// Working time from a comment to the account's first reply, over at most
    /// `COMMENT_STATS_SAMPLE_MAX` comments answered most recently.
    pub first_response: ResponseTimes,
    pub working_hours: (i64, i64),
}

/// The shipped comment classifier, loaded once per process (`serve` loads it at start-up);
/// ingest uses `App::sentiment_classifier`, the newest adapted version.
pub fn classifier() -> &'static Classifier {
    crate::sentiment::builtin()
}

/// Classifies a batch's texts off the async runtime, split over the machine's cores.
async fn classify_all(classifier: Arc<Classifier>, texts: Vec<String>) -> AppResult<Vec<Sentiment>> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).min(8);
    let chunk = texts.len().div_ceil(threads).max(1);
    tokio::task::spawn_blocking(move || {
        let classifier = classifier.as_ref();
        std::thread::scope(|scope| {
            let parts: Vec<_> = texts
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        let mut features = Features::default();
                        part.iter()
                            .map(|text| classifier.classify_with(text, &mut features))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts.into_iter().flat_map(|part| part.join().unwrap_or_default()).collect()
        })
    })
    .await
    .map_err(|error| AppError::internal(&format!("sentiment classification: {error}")))
}

/// The non-blank lines of an NDJSON batch with their 1-based numbers (blank lines count in the
/// numbering; a trailing `\r` is dropped). More than `max` lines are refused with `too_many`.
pub(crate) fn ndjson_lines<'a>(
    body: &'a [u8],
    max: usize,
    too_many: Code,
    what: &str,
) -> AppResult<Vec<(usize, &'a [u8])>> {
    let mut lines = Vec::new();
    for (index, bytes) in body.split(|b| *b == b'\n').enumerate() {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if lines.len() == max {
            return Err(AppError::new(too_many, format!("{what} carries at most {max} lines")));
        }
        lines.push((index + 1, bytes));
    }
    Ok(lines)
}

/// Parses and checks one non-blank line.
fn parse_line(bytes: &[u8], line: usize, now_ms: i64) -> Result<ValidLine<'_>, LineError> {
    let parsed: Line<'_> = serde_json::from_slice(bytes).map_err(|_| LineError::Malformed)?;
    check_comment_id(&parsed.comment_id)?;
    check_author_id(&parsed.author_id)?;
    let text = match parse_comment_text(&parsed.text) {
        None => return Err(LineError::InvalidText),
        Some(trimmed) if trimmed.len() == parsed.text.len() => parsed.text,
        Some(trimmed) => Cow::Owned(trimmed.to_owned()),
    };
    let created_at_ms = DateTime::parse_from_rfc3339(&parsed.created_at)
        .map_err(|_| LineError::InvalidTime)?
        .timestamp_millis();
    check_comment_time(created_at_ms, now_ms)?;
    if let Some(parent) = &parsed.parent_id
        && (check_comment_id(parent).is_err() || *parent == parsed.comment_id)
    {
        return Err(LineError::InvalidParent);
    }
    Ok(ValidLine {
        line,
        video_id: parsed.video_id,
        comment_id: parsed.comment_id,
        author_id: parsed.author_id,
        text,
        created_at_ms,
        parent_id: parsed.parent_id,
    })
}

/// The inbox cursor: `CREATED_AT_MS.ID` of the last comment seen.
pub(crate) fn parse_cursor(text: &str) -> AppResult<(i64, i64)> {
    let [ms, id] = crate::audit::cursor_numbers::<2>(text)?;
    Ok((ms, id))
}

/// A keyword as a `LIKE` pattern over lower-cased text (`\`, `%` and `_` escaped).
pub(crate) fn keyword_pattern(keyword: &str) -> AppResult<Option<String>> {
    let keyword = keyword.trim();
    if keyword.is_empty() {
        return Ok(None);
    }
    if keyword.chars().count() > COMMENT_KEYWORD_LENGTH_MAX || keyword.chars().any(char::is_control) {
        return Err(AppError::invalid("q", "at most 50 characters, no control characters"));
    }
    let mut pattern = String::with_capacity(keyword.len() + 4);
    pattern.push('%');
    for c in keyword.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(Some(pattern))
}

fn changed(updated: bool, comment: &CommentRow) -> AppResult<()> {
    // The row is locked by this transaction, so the update cannot miss.
    if updated {
        Ok(())
    } else {
        Err(AppError::internal(&format!("comment {} changed under its lock", comment.id)))
    }
}

fn hidden_refused() -> AppError {
    AppError::new(Code::CommentHidden, "unhide the comment first")
}

impl App {
    /// Ingests an NDJSON batch of platform comments (`service` only). Each line is checked on its
    /// own: a refused line is reported by its 1-based number and stable code and the rest go on.
    /// Valid lines are written many rows per statement in one transaction with the accounts'
    /// counters and one audit row; a `comment_id` already stored is skipped (a duplicate). An
    /// account whose comments awaiting a reply reach `comments_unanswered_alert` is notified.
    pub async fn ingest_comments(&self, ctx: &Ctx, body: &[u8]) -> AppResult<BatchOutcome> {
        ctx.actor.require(&[Role::Service])?;
        if body.len() > COMMENT_BATCH_BYTES_MAX {
            return Err(AppError::new(
                Code::PayloadTooLarge,
                format!("a comment batch is at most {COMMENT_BATCH_BYTES_MAX} bytes"),
            ));
        }
        let now_ms = self.clock().now_ms();
        let lines =
            ndjson_lines(body, COMMENT_BATCH_LINES_MAX, Code::CommentBatchTooLarge, "a comment batch")?;
        let mut outcome = BatchOutcome { lines: lines.len(), ..BatchOutcome::default() };
        let mut rejected = Vec::new();
        let mut valid = Vec::new();
        for (number, bytes) in lines {
            match parse_line(bytes, number, now_ms) {
                Ok(line) => valid.push(line),
                Err(code) => rejected.push(RejectedLine { line: number, code }),
            }
        }
        let (version, classifier) = self.sentiment_classifier().await?;
        let sentiments =
            classify_all(classifier, valid.iter().map(|line| line.text.to_string()).collect()).await?;
        let mut video_ids: Vec<i64> = valid.iter().map(|line| line.video_id).collect();
        video_ids.sort_unstable();
        video_ids.dedup();

        let mut tx = self.db().begin().await?;
        let owners: HashMap<i64, rows::VideoOwner> = rows::video_owners(&mut tx, &video_ids)
            .await?
            .into_iter()
            .map(|owner| (owner.video_id, owner))
            .collect();
        let mut comments = Vec::with_capacity(valid.len());
        for (line, sentiment) in valid.iter().zip(&sentiments) {
            match owners.get(&line.video_id) {
                Some(owner) => comments.push(NewComment {
                    merchant_id: owner.merchant_id,
                    account_id: owner.account_id,
                    video_id: line.video_id,
                    external_id: &line.comment_id,
                    parent_external_id: line.parent_id.as_deref(),
                    author_id: &line.author_id,
                    text: &line.text,
                    created_at_ms: line.created_at_ms,
                    sentiment: sentiment.label.as_str(),
                    sentiment_score: f64::from(sentiment.score),
                    sentiment_version: version,
                }),
                None => rejected.push(RejectedLine { line: line.line, code: LineError::UnknownVideo }),
            }
        }
        // One run of rows per account, so each insert's row count is that account's new comments.
        comments.sort_by_key(|comment| comment.account_id);
        let mut stored = 0;
        for group in comments.chunk_by(|a, b| a.account_id == b.account_id) {
            let inserted = rows::bulk_insert_comments(&mut tx, group, now_ms).await?;
            let inserted = i64::try_from(inserted).map_err(|error| AppError::internal(&error))?;
            if inserted == 0 {
                continue;
            }
            stored += inserted;
            let (account_id, merchant_id) = (group[0].account_id, group[0].merchant_id);
            let unanswered =
                rows::add_to_counters(&mut tx, account_id, merchant_id, inserted, inserted, now_ms).await?;
            self.alert_unanswered(&mut tx, account_id, unanswered - inserted, unanswered).await?;
            self.watch_reputation(&mut tx, ctx, group, inserted, now_ms).await?;
            let answers = self.answer_new_comments(&mut tx, group, now_ms).await?;
            outcome.auto_replies += answers.auto_replies;
            outcome.leads += answers.leads;
        }
        outcome.accepted = comments.len();
        outcome.duplicates = comments.len() - usize::try_from(stored).unwrap_or(0);
        outcome.rejected_count = rejected.len();
        rejected.sort_by_key(|r| r.line);
        rejected.truncate(COMMENT_REJECTIONS_LISTED_MAX);
        outcome.rejected = rejected;
        if outcome.lines > 0 {
            let detail = format!(
                "lines={} accepted={} duplicates={} auto_replies={} leads={} rejected={}",
                outcome.lines,
                outcome.accepted,
                outcome.duplicates,
                outcome.auto_replies,
                outcome.leads,
                outcome.rejected_count
            );
            self.audit_for(&mut tx, ctx, "comments.ingest", "comments:batch", &detail, None).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Notifies the merchant when an account's comments awaiting a reply went from below the
    /// threshold to at or above it.
    async fn alert_unanswered(
        &self,
        tx: &mut store::Conn,
        account_id: i64,
        before: i64,
        after: i64,
    ) -> AppResult<()> {
        let threshold = self.config().comments_unanswered_alert;
        if threshold <= 0 || before >= threshold || after < threshold {
            return Ok(());
        }
        let account = store::verification::find_account(tx, account_id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("account {account_id} of a comment vanished")))?;
        let notice = Notice {
            merchant_id: account.merchant_id,
            kind: NoticeKind::CommentsUnanswered,
            text_zh: format!("企业号「{}」有 {after} 条评论待回复。", account.nickname),
            text_en: format!("Account \"{}\" has {after} comments awaiting a reply.", account.nickname),
            link: format!("/console/enterprise-accounts/{account_id}/comments"),
        };
        self.notify(tx, notice).await?;
        Ok(())
    }

    /// A comment the actor may see (its merchant's members, platform roles); anybody else hears
    /// "not found".
    pub async fn comment(&self, actor: &Actor, id: i64) -> AppResult<CommentRow> {
        let mut conn = self.db().read().await?;
        rows::find_comment(&mut conn, id)
            .await?
            .filter(|comment| match actor.role {
                Role::Merchant => actor.merchant_id == Some(comment.merchant_id),
                Role::Admin | Role::Reviewer | Role::Service => true,
            })
            .ok_or_else(|| AppError::not_found("comment"))
    }

    /// An account's comment inbox, newest first (by comment time), filtered by video, by awaiting a
    /// reply and by keyword. Hidden comments are listed (marked) except under `unanswered`.
    pub async fn comments(
        &self,
        actor: &Actor,
        account_id: i64,
        query: &CommentQuery,
    ) -> AppResult<Page<CommentRow>> {
        let pattern = match query.keyword.as_deref() {
            Some(keyword) => keyword_pattern(keyword)?,
            None => None,
        };
        let before = query.cursor.as_deref().filter(|c| !c.is_empty()).map(parse_cursor).transpose()?;
        let sentiment = match query.sentiment.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(
                domain::sentiment::Label::parse(text)
                    .ok_or_else(|| AppError::invalid("sentiment", "positive, neutral or negative"))?
                    .as_str(),
            ),
            None => None,
        };
        let account = self.enterprise_account(actor, account_id).await?;
        let limit = page_size(query.limit);
        let filter = CommentFilter {
            account_id: account.id,
            video_id: query.video_id,
            unanswered: query.unanswered,
            pattern: pattern.as_deref(),
            sentiment,
        };
        let mut conn = self.db().read().await?;
        let items = rows::list_comments(&mut conn, filter, before, i64::from(limit)).await?;
        let next_cursor = (items.len() == limit as usize)
            .then(|| items.last().map(|c| format!("{}.{}", c.created_at_ms, c.id)))
            .flatten();
        Ok(Page { items, next_cursor })
    }

    /// A comment of the caller's merchant, locked for a change, after checking the caller holds
    /// `reply` (a member without it hears `forbidden` before anything is looked up).
    pub(crate) async fn comment_to_change(
        &self,
        tx: &mut store::WriteTx,
        actor: &Actor,
        id: i64,
    ) -> AppResult<CommentRow> {
        let merchant_id = actor.require_team(REPLY_RIGHTS)?;
        rows::lock_comment(tx, self.db().backend(), id)
            .await?
            .filter(|comment| comment.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("comment"))
    }

    async fn audit_comment(
        &self,
        tx: &mut store::Conn,
        ctx: &Ctx,
        action: &str,
        comment: &CommentRow,
        detail: &str,
    ) -> AppResult<()> {
        let subject = format!("comment:{}", comment.id);
        self.audit_for(tx, ctx, action, &subject, detail, Some(comment.merchant_id)).await
    }

    async fn reload_comment(&self, tx: &mut store::Conn, id: i64) -> AppResult<CommentRow> {
        rows::find_comment(tx, id).await?.ok_or_else(|| AppError::internal(&format!("comment {id} vanished")))
    }

    /// The account replies to a comment (a reply to a reply too). The reply is itself a comment
    /// of the account; the first reply marks a platform comment answered. A hidden comment is not
    /// answered.
    pub async fn reply_to_comment(&self, ctx: &Ctx, id: i64, text: &str) -> AppResult<CommentRow> {
        ctx.actor.require_team(REPLY_RIGHTS)?;
        let text = parse_comment_text(text).ok_or_else(|| AppError::invalid("text", "1-1000 characters"))?;
        let mut tx = self.db().begin().await?;
        let parent = self.comment_to_change(&mut tx, &ctx.actor, id).await?;
        if parent.hidden_at_ms.is_some() {
            return Err(hidden_refused());
        }
        let now_ms = self.clock().now_ms();
        let external_id = format!("xd:{:016x}", rand::thread_rng().next_u64());
        let author_id = format!("account:{}", parent.account_id);
        let reply = NewReply {
            merchant_id: parent.merchant_id,
            account_id: parent.account_id,
            video_id: parent.video_id,
            external_id: &external_id,
            parent_external_id: &parent.external_id,
            author_id: &author_id,
            replied_by: &ctx.actor.username,
            text,
            now_ms,
        };
        let reply_id = rows::insert_reply(&mut tx, &reply).await?;
        self.link_reply(&mut tx, &parent, reply_id, now_ms).await?;
        let answered = parent.awaits_reply() && rows::mark_answered(&mut tx, parent.id, now_ms).await?;
        rows::add_to_counters(
            &mut tx,
            parent.account_id,
            parent.merchant_id,
            1,
            -i64::from(answered),
            now_ms,
        )
        .await?;
        let detail = format!("reply={reply_id} first={answered}");
        self.audit_comment(&mut tx, ctx, "comment.reply", &parent, &detail).await?;
        let reply = self.reload_comment(&mut tx, reply_id).await?;
        let data = serde_json::json!({
            "comment_id": reply.external_id,
            "parent_comment_id": parent.external_id,
            "video_id": reply.video_id,
            "account_id": reply.account_id,
            "text": reply.text,
        });
        self.emit(&mut tx, parent.merchant_id, EventType::CommentReplyCreated, data).await?;
        tx.commit().await?;
        Ok(reply)
    }

    /// Hides a comment from the account's videos (a pinned one is unpinned; hiding twice changes
    /// nothing). A hidden comment no longer awaits a reply.
    pub async fn hide_comment(&self, ctx: &Ctx, id: i64) -> AppResult<CommentRow> {
        self.set_comment_hidden(ctx, id, true).await
    }

    /// Shows a hidden comment again (it awaits a reply again when it was never answered).
    pub async fn unhide_comment(&self, ctx: &Ctx, id: i64) -> AppResult<CommentRow> {
        self.set_comment_hidden(ctx, id, false).await
    }

    async fn set_comment_hidden(&self, ctx: &Ctx, id: i64, hide: bool) -> AppResult<CommentRow> {
        let mut tx = self.db().begin().await?;
        let comment = self.comment_to_change(&mut tx, &ctx.actor, id).await?;
        if comment.hidden_at_ms.is_some() != hide {
            let now_ms = self.clock().now_ms();
            changed(rows::set_hidden(&mut tx, id, hide.then_some(now_ms)).await?, &comment)?;
            let after = self.reload_comment(&mut tx, id).await?;
            let delta = i64::from(after.awaits_reply()) - i64::from(comment.awaits_reply());
            if delta != 0 {
                rows::add_to_counters(&mut tx, comment.account_id, comment.merchant_id, 0, delta, now_ms)
                    .await?;
            }
            let action = if hide { "comment.hide" } else { "comment.unhide" };
            let detail = if hide && comment.pinned_at_ms.is_some() { "unpinned" } else { "" };
            self.audit_comment(&mut tx, ctx, action, &comment, detail).await?;
            let kind = if hide { EventType::CommentHidden } else { EventType::CommentUnhidden };
            self.emit(&mut tx, comment.merchant_id, kind, comment_data(&comment)).await?;
            if hide && comment.pinned_at_ms.is_some() {
                self.emit(&mut tx, comment.merchant_id, EventType::CommentUnpinned, comment_data(&comment))
                    .await?;
            }
        }
        let comment = self.reload_comment(&mut tx, id).await?;
        tx.commit().await?;
        Ok(comment)
    }

    /// Pins a comment on its video. A video has one pinned comment: pinning another replaces it
    /// (pinning the pinned one changes nothing). A hidden comment is not pinned.
    pub async fn pin_comment(&self, ctx: &Ctx, id: i64) -> AppResult<CommentRow> {
        let mut tx = self.db().begin().await?;
        let comment = self.comment_to_change(&mut tx, &ctx.actor, id).await?;
        // Pins of one video take turns on the video's row, so two at once cannot both stay.
        store::videos::lock_video(&mut tx, self.db().backend(), comment.video_id).await?;
        let comment = self.reload_comment(&mut tx, id).await?;
        if comment.hidden_at_ms.is_some() {
            return Err(hidden_refused());
        }
        if comment.pinned_at_ms.is_none() {
            let now_ms = self.clock().now_ms();
            let replaced = rows::pinned_of_video(&mut tx, comment.video_id).await?;
            if let Some(previous) = &replaced {
                changed(rows::set_pinned(&mut tx, previous.id, None).await?, previous)?;
            }
            changed(rows::set_pinned(&mut tx, id, Some(now_ms)).await?, &comment)?;
            let detail = replaced.as_ref().map(|p| format!("replaced={}", p.id)).unwrap_or_default();
            self.audit_comment(&mut tx, ctx, "comment.pin", &comment, &detail).await?;
            if let Some(previous) = &replaced {
                self.emit(&mut tx, previous.merchant_id, EventType::CommentUnpinned, comment_data(previous))
                    .await?;
            }
            self.emit(&mut tx, comment.merchant_id, EventType::CommentPinned, comment_data(&comment)).await?;
        }
        let comment = self.reload_comment(&mut tx, id).await?;
        tx.commit().await?;
        Ok(comment)
    }

    /// Unpins a comment (unpinning an unpinned comment changes nothing).
    pub async fn unpin_comment(&self, ctx: &Ctx, id: i64) -> AppResult<CommentRow> {
        let mut tx = self.db().begin().await?;
        let comment = self.comment_to_change(&mut tx, &ctx.actor, id).await?;
        if comment.pinned_at_ms.is_some() {
            changed(rows::set_pinned(&mut tx, id, None).await?, &comment)?;
            self.audit_comment(&mut tx, ctx, "comment.unpin", &comment, "").await?;
            self.emit(&mut tx, comment.merchant_id, EventType::CommentUnpinned, comment_data(&comment))
                .await?;
        }
        let comment = self.reload_comment(&mut tx, id).await?;
        tx.commit().await?;
        Ok(comment)
    }

    /// An account's comments awaiting a reply, and the median and p90 working time (09:00–18:00
    /// China time on working days of the live calendar) from a comment to the account's first
    /// reply, over comments answered within the last `days` days (30 when not given).
    pub async fn comment_stats(
        &self,
        actor: &Actor,
        account_id: i64,
        days: Option<i64>,
    ) -> AppResult<CommentStats> {
        let (days, since_ms) = self.stats_window(days)?;
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        let counts = rows::counters(&mut conn, account.id).await?;
        let pairs = rows::first_responses(&mut conn, account.id, since_ms, COMMENT_STATS_SAMPLE_MAX).await?;
        drop(conn);
        Ok(CommentStats {
            account_id: account.id,
            counts,
            days,
            first_response: response_times(self.working_times(&pairs)),
            working_hours: (WORKING_HOURS_START_HOUR, WORKING_HOURS_END_HOUR),
        })
    }
}

impl App {
    /// The days first-response statistics look back (30 when not given, 1 to 366) and the instant
    /// they start at.
    pub(crate) fn stats_window(&self, days: Option<i64>) -> AppResult<(i64, i64)> {
        let days = days.unwrap_or(COMMENT_STATS_DAYS_DEFAULT);
        if !(1..=COMMENT_STATS_DAYS_MAX).contains(&days) {
            return Err(AppError::invalid("days", "1 to 366"));
        }
        Ok((days, self.clock().now_ms() - days * DAY_MS))
    }

    /// The working time (live calendar) of each `(written, answered)` pair.
    pub(crate) fn working_times(&self, pairs: &[(i64, i64)]) -> Vec<i64> {
        let calendar = self.calendar();
        pairs.iter().map(|(from, to)| working_ms_between(&calendar, *from, *to)).collect()
    }
}

/// What the platform needs to find a comment it shows.
fn comment_data(comment: &CommentRow) -> serde_json::Value {
    serde_json::json!({
        "comment_id": comment.external_id,
        "video_id": comment.video_id,
        "account_id": comment.account_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_772_416_800_000; // 2026-03-02T10:00:00+08:00

    fn code_of(line: &str) -> Option<LineError> {
        parse_line(line.as_bytes(), 1, NOW_MS).err()
    }

    #[test]
    fn lines() {
        let good = r#"{"video_id":1,"comment_id":"c1","author_id":"u1","text":" 好看 ","created_at":"2026-03-02T09:00:00+08:00"}"#;
        let line = parse_line(good.as_bytes(), 3, NOW_MS).unwrap();
        assert_eq!((line.line, line.text.as_ref(), line.created_at_ms), (3, "好看", NOW_MS - 3_600_000));
        assert!(matches!(line.comment_id, Cow::Borrowed("c1")));
        let escaped = r#"{"video_id":1,"comment_id":"c1","author_id":"u1","text":"a\nb","created_at":"2026-03-02T09:00:00Z","parent_id":"c0"}"#;
        let line = parse_line(escaped.as_bytes(), 1, NOW_MS).unwrap();
        assert_eq!((line.text.as_ref(), line.parent_id.as_deref()), ("a\nb", Some("c0")));
        let check = |line: &str, expect: LineError| assert_eq!(code_of(line), Some(expect), "{line}");
        check("not json", LineError::Malformed);
        check(r#"{"video_id":1}"#, LineError::Malformed);
        check(
            r#"{"video_id":"1","comment_id":"c","author_id":"u","text":"t","created_at":"2026-03-02T09:00:00Z"}"#,
            LineError::Malformed,
        );
        check(
            r#"{"video_id":1,"comment_id":"c","author_id":"u","text":"t","created_at":"2026-03-02T09:00:00Z","x":1}"#,
            LineError::Malformed,
        );
        check(
            r#"{"video_id":1,"comment_id":"","author_id":"u","text":"t","created_at":"2026-03-02T09:00:00Z"}"#,
            LineError::InvalidCommentId,
        );
        check(
            r#"{"video_id":1,"comment_id":"c","author_id":"u v","text":"t","created_at":"2026-03-02T09:00:00Z"}"#,
            LineError::InvalidAuthorId,
        );
        check(
            r#"{"video_id":1,"comment_id":"c","author_id":"u","text":"  ","created_at":"2026-03-02T09:00:00Z"}"#,
            LineError::InvalidText,
        );
        check(
            r#"{"video_id":1,"comment_id":"c","author_id":"u","text":"t","created_at":"yesterday"}"#,
            LineError::InvalidTime,
        );
        check(
            r#"{"video_id":1,"comment_id":"c","author_id":"u","text":"t","created_at":"2027-03-02T09:00:00Z"}"#,
            LineError::InvalidTime,
        );
        check(
            r#"{"video_id":1,"comment_id":"c","author_id":"u","text":"t","created_at":"2026-03-02T09:00:00Z","parent_id":"c"}"#,
            LineError::InvalidParent,
        );
    }

    #[test]
    fn keywords_and_cursors() {
        assert_eq!(keyword_pattern("  ").unwrap(), None);
        assert_eq!(keyword_pattern("Price").unwrap().as_deref(), Some("%price%"));
        assert_eq!(keyword_pattern("50%_off\\").unwrap().as_deref(), Some("%50\\%\\_off\\\\%"));
        assert!(keyword_pattern(&"多".repeat(51)).is_err());
        assert_eq!(parse_cursor("1772416800000.42").unwrap(), (1_772_416_800_000, 42));
        for bad in ["", "12", "a.b", "1.2.3"] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
    }
}
