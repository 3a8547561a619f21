//! Reputation monitoring (舆情) of enterprise accounts: the hourly sentiment rollup kept at
//! ingest, spike detection against the learned baseline and the keyword watch list (both at
//! ingest, inside the batch's transaction), reputation incidents (one open per account, raised by
//! later spikes, flagged overdue by their deadline job), their assignment, resolution, the replies
//! linked to them, and turning one into a violation. Team rights: `reply` manages incidents,
//! settings and the watch list; every member reads; reviewers read all and record the violation.

use chrono::DateTime;
use domain::auth::Role;
use domain::limits::{INCIDENT_COMMENTS_MAX, INCIDENT_SUMMARY_LENGTH_MAX, REPUTATION_SERIES_HOURS_MAX};
use domain::notifications::NoticeKind;
use domain::reputation::{
    Baseline, HOUR_MS, HourCount, IncidentKind, IncidentLevel, IncidentStatus, ReputationSettings,
    count_by_hour, detect, escalate, hour_of, matching_keywords, parse_watch_list,
};
use domain::team::{TeamRight, TeamRole};
use domain::violation::bounded_text;
use store::comments::{CommentRow, NewComment};
use store::jobs::JobRow;
pub use store::reputation::IncidentRow;
use store::reputation::{self as rows, NewIncident};

use crate::audit::{Page, page_size};
use crate::jobs::JobKind;
use crate::ledger::{IdempotencyClaim, MoneyOutcome};
use crate::notifications::Notice;
use crate::violations::NewViolationInput;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// Who manages incidents, the settings and the watch list: the members who answer comments.
pub const REPUTATION_RIGHTS: &[TeamRight] =
    domain::access::rule(domain::access::UseCase::ViewReputation).team_rights;
/// How far back from now an ingested hour is still judged for a spike; older hours only feed
/// baselines (a late backfill of last month opens nothing).
pub const SPIKE_LOOKBACK_HOURS: i64 = 24;

/// Which incidents a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentFilter {
    Open,
    Resolved,
    All,
}

impl IncidentFilter {
    pub fn parse(text: &str) -> Option<IncidentFilter> {
        match text {
            "open" => Some(IncidentFilter::Open),
            "resolved" => Some(IncidentFilter::Resolved),
            "all" | "" => Some(IncidentFilter::All),
            _ => None,
        }
    }

    fn status(self) -> Option<&'static str> {
        match self {
            IncidentFilter::Open => Some(IncidentStatus::Open.as_str()),
            IncidentFilter::Resolved => Some(IncidentStatus::Resolved.as_str()),
            IncidentFilter::All => None,
        }
    }
}

/// One incident with the comments that raised it and the account's replies linked to it.
#[derive(Debug, Clone)]
pub struct IncidentView {
    pub incident: IncidentRow,
    pub comments: Vec<CommentRow>,
    pub replies: Vec<CommentRow>,
}

/// One hour of the negative-rate series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourPoint {
    pub hour: HourCount,
    pub rate: f64,
}

/// An account's hourly negative rate over a period, with today's baseline and spike threshold.
#[derive(Debug, Clone)]
pub struct ReputationSeries {
    pub account_id: i64,
    pub from_ms: i64,
    pub to_ms: i64,
    pub hours: Vec<HourPoint>,
    /// Learned from the `baseline_hours` before the current hour.
    pub baseline: Baseline,
    pub threshold: f64,
    pub settings: ReputationSettings,
}

fn resolved_refused() -> AppError {
    AppError::new(Code::IncidentResolved, "the incident is resolved")
}

fn level_of(incident: &IncidentRow) -> IncidentLevel {
    IncidentLevel::parse(&incident.level).unwrap_or(IncidentLevel::Blue)
}

fn visible(actor: &Actor, merchant_id: i64) -> bool {
    match actor.role {
        Role::Merchant => actor.merchant_id == Some(merchant_id),
        Role::Admin | Role::Reviewer | Role::Service => true,
    }
}

fn china_text(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&crate::clock::china_offset()).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// What one batch's hooks found for an account: the strongest spike among the hours judged.
struct Spike {
    level: IncidentLevel,
    hour: HourCount,
    baseline: Baseline,
}

impl App {
    /// The account's settings, or the defaults.
    async fn settings_of(&self, conn: &mut store::Conn, account_id: i64) -> AppResult<ReputationSettings> {
        Ok(rows::settings(conn, account_id).await?.unwrap_or_default())
    }

    /// Called by `ingest_comments` inside its transaction for each account's run of new comments
    /// (`inserted` of the `group` were stored; the rest were duplicates). Adds them to the hourly
    /// rollup, judges the recent hours they touched against the baseline and matches the watch
    /// list; a spike or a match opens the account's incident or raises and extends the open one.
    pub(crate) async fn watch_reputation(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        group: &[NewComment<'_>],
        inserted: i64,
        now_ms: i64,
    ) -> AppResult<()> {
        let Some(first) = group.first() else { return Ok(()) };
        let (account_id, merchant_id) = (first.account_id, first.merchant_id);
        let counted = count_by_hour(
            group
                .iter()
                .map(|c| (c.created_at_ms, c.sentiment_score < self.config().reputation_negative_below)),
        );
        if usize::try_from(inserted).ok() == Some(group.len()) {
            rows::add_to_hours(tx, account_id, merchant_id, &counted).await?;
        } else {
            // Some were duplicates: count the touched hours again. The account's counters row,
            // updated before this, orders concurrent batches of the account, so the recount sees
            // every committed comment.
            for hour in &counted {
                let recounted =
                    rows::recount_hour(tx, account_id, hour.hour_ms, self.config().reputation_negative_below)
                        .await?;
                rows::set_hour(tx, account_id, merchant_id, &recounted).await?;
            }
        }
        let settings = self.settings_of(tx, account_id).await?;
        let recent_from_ms = hour_of(now_ms) - SPIKE_LOOKBACK_HOURS * HOUR_MS;
        let mut spike: Option<Spike> = None;
        for hour in counted.iter().filter(|h| h.hour_ms >= recent_from_ms) {
            let from_ms = hour.hour_ms - settings.baseline_hours * HOUR_MS;
            let mut history = rows::hours_between(tx, account_id, from_ms, hour.hour_ms + HOUR_MS).await?;
            let Some(current) = history.pop().filter(|h| h.hour_ms == hour.hour_ms) else { continue };
            let baseline = Baseline::learn(&history);
            if let Some(level) = detect(&current, &baseline, &settings)
                && spike.as_ref().is_none_or(|s| level.rank() > s.level.rank())
            {
                spike = Some(Spike { level, hour: current, baseline });
            }
        }
        let keywords = rows::keywords(tx, account_id).await?;
        let mut matched: Vec<(&str, &str)> = Vec::new();
        for comment in group {
            if let Some(keyword) = matching_keywords(comment.text, &keywords).first().copied() {
                matched.push((comment.external_id, keyword));
            }
        }
        let matched_rows = if matched.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<&str> = matched.iter().map(|(id, _)| *id).collect();
            rows::unlinked_comments(tx, &ids).await?
        };
        if spike.is_none() && matched_rows.is_empty() {
            return Ok(());
        }
        let backend = self.db().backend();
        let open = rows::lock_open_incident(tx, backend, account_id).await?;
        if open.is_none()
            && let Some(found) = &spike
            && rows::latest_spike_hour(tx, account_id)
                .await?
                .is_some_and(|hour_ms| hour_ms >= found.hour.hour_ms)
        {
            // The hour already opened an incident that is resolved now: late comments of it do
            // not open another.
            spike = None;
            if matched_rows.is_empty() {
                return Ok(());
            }
        }
        let incident_id = match (open, &spike) {
            (Some(open), Some(spike)) => {
                self.raise_incident(tx, ctx, &open, spike, &settings, now_ms).await?;
                open.id
            }
            (Some(open), None) => open.id,
            (None, Some(spike)) => {
                let new = NewIncident {
                    merchant_id,
                    account_id,
                    kind: IncidentKind::Spike.as_str(),
                    level: spike.level.as_str(),
                    hour: spike.hour,
                    baseline_rate: spike.baseline.mean,
                    keyword: None,
                    deadline_at_ms: settings.deadline_ms(spike.level, now_ms),
                    now_ms,
                };
                self.open_incident(tx, ctx, &new).await?
            }
            (None, None) => {
                let (external_id, keyword) = matched
                    .iter()
                    .find(|(id, _)| matched_rows.iter().any(|(_, e)| e == id))
                    .copied()
                    .unwrap_or(matched[0]);
                let created_at_ms =
                    group.iter().find(|c| c.external_id == external_id).map_or(now_ms, |c| c.created_at_ms);
                let hour =
                    counted.iter().find(|h| h.hour_ms == hour_of(created_at_ms)).copied().unwrap_or_default();
                let new = NewIncident {
                    merchant_id,
                    account_id,
                    kind: IncidentKind::Keyword.as_str(),
                    level: IncidentLevel::Blue.as_str(),
                    hour,
                    baseline_rate: 0.0,
                    keyword: Some(keyword),
                    deadline_at_ms: settings.deadline_ms(IncidentLevel::Blue, now_ms),
                    now_ms,
                };
                self.open_incident(tx, ctx, &new).await?
            }
        };
        let mut room = INCIDENT_COMMENTS_MAX - rows::linked_count(tx, incident_id).await?;
        for (comment_id, _) in &matched_rows {
            if room <= 0 {
                break;
            }
            room -= i64::from(
                rows::link_comment(tx, incident_id, *comment_id, merchant_id, "comment", now_ms).await?,
            );
        }
        if let Some(spike) = &spike {
            let limit = room.min(spike.hour.negative);
            rows::link_negative_of_hour(
                tx,
                incident_id,
                account_id,
                spike.hour.hour_ms,
                limit,
                now_ms,
                self.config().reputation_negative_below,
            )
            .await?;
        }
        Ok(())
    }

    /// Stores a new incident, schedules its deadline, notifies the team and audits it.
    async fn open_incident(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        new: &NewIncident<'_>,
    ) -> AppResult<i64> {
        let id = rows::insert_incident(tx, new).await?;
        self.schedule_deadline(tx, id, new.merchant_id, new.deadline_at_ms).await?;
        let account = store::verification::find_account(tx, new.account_id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("account {} vanished", new.account_id)))?;
        let level = IncidentLevel::parse(new.level).unwrap_or(IncidentLevel::Blue);
        let why_zh = match new.keyword {
            Some(keyword) => format!("评论提到关键词「{keyword}」"),
            None => format!(
                "{} 时段负面评论 {} / {} 条",
                china_text(new.hour.hour_ms),
                new.hour.negative,
                new.hour.comments
            ),
        };
        let why_en = match new.keyword {
            Some(keyword) => format!("a comment mentions \"{keyword}\""),
            None => format!(
                "{} of {} comments negative in the hour from {}",
                new.hour.negative,
                new.hour.comments,
                china_text(new.hour.hour_ms)
            ),
        };
        let notice = Notice {
            merchant_id: new.merchant_id,
            kind: NoticeKind::ReputationIncident,
            text_zh: format!(
                "企业号「{}」出现{}舆情事件：{why_zh}，请于 {} 前响应。",
                account.nickname,
                level.name_zh(),
                china_text(new.deadline_at_ms)
            ),
            text_en: format!(
                "Account \"{}\" has a {} reputation incident: {why_en}; respond by {}.",
                account.nickname,
                level.as_str(),
                china_text(new.deadline_at_ms)
            ),
            link: format!("/console/incidents/{id}"),
        };
        self.notify(tx, notice).await?;
        let detail = format!(
            "account={} kind={} level={} hour_negative={} hour_comments={} baseline_rate={:.3}",
            new.account_id, new.kind, new.level, new.hour.negative, new.hour.comments, new.baseline_rate
        );
        self.audit_for(
            tx,
            ctx,
            "reputation.incident.open",
            &format!("incident:{id}"),
            &detail,
            Some(new.merchant_id),
        )
        .await?;
        Ok(id)
    }

    /// A new spike while the incident is open: a higher level raises it and brings its deadline
    /// forward; the same or a lower level only links the hour's comments.
    async fn raise_incident(
        &self,
        tx: &mut store::WriteTx,
        ctx: &Ctx,
        open: &IncidentRow,
        spike: &Spike,
        settings: &ReputationSettings,
        now_ms: i64,
    ) -> AppResult<()> {
        let Some((level, deadline_at_ms)) =
            escalate(level_of(open), open.deadline_at_ms, spike.level, settings, now_ms)
        else {
            return Ok(());
        };
        rows::raise_incident(
            tx,
            open.id,
            level.as_str(),
            &spike.hour,
            spike.baseline.mean,
            deadline_at_ms,
            now_ms,
        )
        .await?;
        if deadline_at_ms != open.deadline_at_ms {
            store::jobs::cancel_pending(
                tx,
                JobKind::ReputationDeadline.as_str(),
                &format!("incident:{}", open.id),
                now_ms,
            )
            .await?;
            // An incident already overdue stays flagged; a new deadline in the past is flagged at once by its job.
            self.schedule_deadline(tx, open.id, open.merchant_id, deadline_at_ms).await?;
        }
        let notice = Notice {
            merchant_id: open.merchant_id,
            kind: NoticeKind::ReputationIncident,
            text_zh: format!(
                "舆情事件 #{} 升级为{}：{} 时段负面评论 {} / {} 条，请于 {} 前响应。",
                open.id,
                level.name_zh(),
                china_text(spike.hour.hour_ms),
                spike.hour.negative,
                spike.hour.comments,
                china_text(deadline_at_ms)
            ),
            text_en: format!(
                "Reputation incident #{} rose to {}: {} of {} comments negative in the hour from {}; respond by {}.",
                open.id,
                level.as_str(),
                spike.hour.negative,
                spike.hour.comments,
                china_text(spike.hour.hour_ms),
                china_text(deadline_at_ms)
            ),
            link: format!("/console/incidents/{}", open.id),
        };
        self.notify(tx, notice).await?;
        let detail =
            format!("from={} to={} hour_negative={}", open.level, level.as_str(), spike.hour.negative);
        self.audit_for(
            tx,
            ctx,
            "reputation.incident.raise",
            &format!("incident:{}", open.id),
            &detail,
            Some(open.merchant_id),
        )
        .await
    }

    async fn schedule_deadline(
        &self,
        tx: &mut store::WriteTx,
        id: i64,
        merchant_id: i64,
        deadline_at_ms: i64,
    ) -> AppResult<()> {
        let due = DateTime::from_timestamp_millis(deadline_at_ms)
            .ok_or_else(|| AppError::internal(&format!("deadline {deadline_at_ms} out of range")))?;
        let subject = format!("incident:{id}");
        self.enqueue_job(
            tx,
            JobKind::ReputationDeadline,
            &subject,
            &deadline_at_ms.to_string(),
            due,
            Some(merchant_id),
        )
        .await?;
        Ok(())
    }

    /// Called by `reply_to_comment` inside its transaction: a reply to a comment linked to an open
    /// incident is linked to it too.
    pub(crate) async fn link_reply(
        &self,
        tx: &mut store::WriteTx,
        parent: &CommentRow,
        reply_id: i64,
        now_ms: i64,
    ) -> AppResult<()> {
        if let Some(incident_id) = rows::open_incident_of_comment(tx, parent.id).await?
            && rows::linked_count(tx, incident_id).await? < INCIDENT_COMMENTS_MAX
        {
            rows::link_comment(tx, incident_id, reply_id, parent.merchant_id, "reply", now_ms).await?;
        }
        Ok(())
    }

    /// The deadline job: an incident still open at the deadline it was scheduled for is flagged
    /// overdue and the team is notified (a raised incident's earlier job was cancelled).
    pub(crate) async fn run_reputation_deadline(
        &self,
        tx: &mut store::WriteTx,
        job: &JobRow,
    ) -> AppResult<String> {
        let id: i64 = job
            .subject
            .strip_prefix("incident:")
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| AppError::internal(&format!("job {} has a bad subject", job.id)))?;
        let deadline_at_ms: i64 = job
            .payload
            .parse()
            .map_err(|_| AppError::internal(&format!("job {} has a bad payload", job.id)))?;
        let now_ms = self.clock().now_ms();
        let Some(incident) = rows::lock_incident(tx, self.db().backend(), id).await? else {
            return Ok("incident gone".into());
        };
        if !rows::mark_overdue(tx, id, deadline_at_ms, now_ms).await? {
            return Ok(format!("incident is {}", incident.status));
        }
        let account = store::verification::find_account(tx, incident.account_id).await?;
        let nickname = account.map(|a| a.nickname).unwrap_or_default();
        let notice = Notice {
            merchant_id: incident.merchant_id,
            kind: NoticeKind::ReputationOverdue,
            text_zh: format!(
                "企业号「{nickname}」的{}舆情事件 #{id} 已超过响应时限（{}）仍未解决。",
                level_of(&incident).name_zh(),
                china_text(deadline_at_ms)
            ),
            text_en: format!(
                "The {} reputation incident #{id} of account \"{nickname}\" passed its deadline ({}) unresolved.",
                incident.level,
                china_text(deadline_at_ms)
            ),
            link: format!("/console/incidents/{id}"),
        };
        self.notify(tx, notice).await?;
        Ok(format!("incident={id} overdue"))
    }

    /// An incident the actor may see (its merchant's members, platform roles); anybody else hears
    /// "not found".
    pub async fn incident(&self, actor: &Actor, id: i64) -> AppResult<IncidentRow> {
        let mut conn = self.db().read().await?;
        rows::find_incident(&mut conn, id)
            .await?
            .filter(|incident| visible(actor, incident.merchant_id))
            .ok_or_else(|| AppError::not_found("incident"))
    }

    /// One incident with its linked comments and replies.
    pub async fn incident_view(&self, actor: &Actor, id: i64) -> AppResult<IncidentView> {
        let incident = self.incident(actor, id).await?;
        let mut conn = self.db().read().await?;
        let linked = rows::linked_comments(&mut conn, id).await?;
        let (replies, comments): (Vec<_>, Vec<_>) = linked.into_iter().partition(|(role, _)| role == "reply");
        Ok(IncidentView {
            incident,
            comments: comments.into_iter().map(|(_, c)| c).collect(),
            replies: replies.into_iter().map(|(_, c)| c).collect(),
        })
    }

    /// An account's incidents, newest first; the cursor is the last id seen.
    pub async fn incidents(
        &self,
        actor: &Actor,
        account_id: i64,
        filter: IncidentFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> AppResult<Page<IncidentRow>> {
        let before = match cursor.filter(|c| !c.is_empty()) {
            Some(text) => Some(
                text.parse::<i64>()
                    .map_err(|_| AppError::invalid("cursor", "a next_cursor of the previous page"))?,
            ),
            None => None,
        };
        let account = self.enterprise_account(actor, account_id).await?;
        let limit = page_size(limit);
        let mut conn = self.db().read().await?;
        let items =
            rows::list_incidents(&mut conn, account.id, filter.status(), before, i64::from(limit)).await?;
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|i| i.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    /// An open incident of the caller's merchant, locked for a change, after checking the caller
    /// holds `reply`.
    async fn incident_to_change(
        &self,
        tx: &mut store::WriteTx,
        actor: &Actor,
        id: i64,
    ) -> AppResult<IncidentRow> {
        let merchant_id = actor.require_team(REPUTATION_RIGHTS)?;
        let incident = rows::lock_incident(tx, self.db().backend(), id)
            .await?
            .filter(|incident| incident.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("incident"))?;
        if incident.status != IncidentStatus::Open {
            return Err(resolved_refused());
        }
        Ok(incident)
    }

    async fn reload_incident(&self, tx: &mut store::Conn, id: i64) -> AppResult<IncidentRow> {
        rows::find_incident(tx, id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("incident {id} vanished")))
    }

    /// Assigns an open incident to a member of the merchant's team who may reply; assigning it to
    /// the member who has it already changes nothing (requests racing to assign one member make
    /// one assignment and one audit row).
    pub async fn assign_incident(&self, ctx: &Ctx, id: i64, assignee: &str) -> AppResult<IncidentRow> {
        ctx.actor.require_team(REPUTATION_RIGHTS)?;
        let assignee = assignee.trim();
        let mut tx = self.db().begin().await?;
        let incident = self.incident_to_change(&mut tx, &ctx.actor, id).await?;
        let member = store::users::find_user_by_username(&mut tx, assignee).await?.filter(|user| {
            user.merchant_id == Some(incident.merchant_id)
                && user.disabled_at_ms.is_none()
                && user
                    .team_role
                    .as_deref()
                    .and_then(TeamRole::parse)
                    .is_some_and(|r| r.holds(TeamRight::Reply))
        });
        let Some(member) = member else {
            return Err(AppError::new(
                Code::AssigneeNotMember,
                "assignee: an active member of the merchant who may reply to comments",
            ));
        };
        if incident.assignee.as_deref() == Some(member.username.as_str()) {
            // Assigned to this member already (a repeated request): nothing changes.
            drop(tx);
            return Ok(incident);
        }
        let now_ms = self.clock().now_ms();
        if !rows::set_assignee(&mut tx, id, &member.username, now_ms).await? {
            return Err(resolved_refused());
        }
        let detail = format!("assignee={}", member.username);
        self.audit_for(
            &mut tx,
            ctx,
            "reputation.incident.assign",
            &format!("incident:{id}"),
            &detail,
            Some(incident.merchant_id),
        )
        .await?;
        let incident = self.reload_incident(&mut tx, id).await?;
        tx.commit().await?;
        Ok(incident)
    }

    /// Resolves an open incident with a summary of what was done; its deadline job is cancelled.
    pub async fn resolve_incident(&self, ctx: &Ctx, id: i64, summary: &str) -> AppResult<IncidentRow> {
        ctx.actor.require_team(REPUTATION_RIGHTS)?;
        let summary = bounded_text(summary, INCIDENT_SUMMARY_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("summary", "1-2000 characters, no control characters"))?;
        let mut tx = self.db().begin().await?;
        let incident = self.incident_to_change(&mut tx, &ctx.actor, id).await?;
        let now_ms = self.clock().now_ms();
        if !rows::resolve(&mut tx, id, &summary, &ctx.actor.username, now_ms).await? {
            return Err(resolved_refused());
        }
        store::jobs::cancel_pending(
            &mut tx,
            JobKind::ReputationDeadline.as_str(),
            &format!("incident:{id}"),
            now_ms,
        )
        .await?;
        let detail = format!("level={} overdue={}", incident.level, incident.overdue_at_ms.is_some());
        self.audit_for(
            &mut tx,
            ctx,
            "reputation.incident.resolve",
            &format!("incident:{id}"),
            &detail,
            Some(incident.merchant_id),
        )
        .await?;
        let incident = self.reload_incident(&mut tx, id).await?;
        tx.commit().await?;
        Ok(incident)
    }

    /// A reviewer turns an incident into a violation of a shop of the account's merchant: the
    /// violation is recorded (and its penalty deducted) by `record_violation_from` under the
    /// request's idempotency key, with the incident named in its evidence and linked to it in the
    /// same transaction; an incident already turned answers `incident_violation_exists`.
    pub async fn incident_violation(
        &self,
        ctx: &Ctx,
        id: i64,
        shop_id: i64,
        input: &NewViolationInput,
        claim: IdempotencyClaim,
    ) -> AppResult<(IncidentRow, MoneyOutcome)> {
        ctx.actor.require(crate::violations::RECORD_VIOLATION_ROLES)?;
        let incident = self.incident(&ctx.actor, id).await?;
        let shop = self.shop(&ctx.actor, shop_id).await?;
        if shop.merchant_id != incident.merchant_id {
            return Err(AppError::invalid("shop_id", "a shop of the incident's merchant"));
        }
        let input = NewViolationInput {
            evidence: format!("舆情事件 #{id} / reputation incident #{id}: {}", input.evidence.trim()),
            ..input.clone()
        };
        let outcome = self.record_violation_from(ctx, shop.id, &input, claim, Some(id)).await?;
        let mut conn = self.db().read().await?;
        let incident = self.reload_incident(&mut conn, id).await?;
        Ok((incident, outcome))
    }

    /// The account's reputation settings (the defaults until its team changes them).
    pub async fn reputation_settings(&self, actor: &Actor, account_id: i64) -> AppResult<ReputationSettings> {
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        self.settings_of(&mut conn, account.id).await
    }

    /// Changes the account's reputation settings; they apply to the next batch.
    pub async fn set_reputation_settings(
        &self,
        ctx: &Ctx,
        account_id: i64,
        settings: &ReputationSettings,
    ) -> AppResult<ReputationSettings> {
        let merchant_id = ctx.actor.require_team(REPUTATION_RIGHTS)?;
        settings.check().map_err(|rule| AppError::new(Code::InvalidReputationSettings, rule))?;
        let account = self.enterprise_account(&ctx.actor, account_id).await?;
        if account.merchant_id != merchant_id {
            return Err(AppError::not_found("enterprise account"));
        }
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        rows::save_settings(&mut tx, account.id, account.merchant_id, settings, &ctx.actor.username, now_ms)
            .await?;
        let detail = format!("{settings:?}");
        self.audit_for(
            &mut tx,
            ctx,
            "reputation.settings",
            &format!("enterprise_account:{}", account.id),
            &detail,
            Some(merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(*settings)
    }

    /// The account's keyword watch list.
    pub async fn watch_keywords(&self, actor: &Actor, account_id: i64) -> AppResult<Vec<String>> {
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        Ok(rows::keywords(&mut conn, account.id).await?)
    }

    /// Replaces the account's keyword watch list (repeats ignoring case dropped).
    pub async fn set_watch_keywords(
        &self,
        ctx: &Ctx,
        account_id: i64,
        keywords: &[String],
    ) -> AppResult<Vec<String>> {
        let merchant_id = ctx.actor.require_team(REPUTATION_RIGHTS)?;
        let list = parse_watch_list(keywords)
            .map_err(|error| AppError::new(Code::InvalidKeyword, error.to_string()))?;
        let account = self.enterprise_account(&ctx.actor, account_id).await?;
        if account.merchant_id != merchant_id {
            return Err(AppError::not_found("enterprise account"));
        }
        let mut tx = self.db().begin().await?;
        rows::replace_keywords(&mut tx, account.id, merchant_id, &list).await?;
        let detail = format!("keywords={}", list.len());
        self.audit_for(
            &mut tx,
            ctx,
            "reputation.keywords",
            &format!("enterprise_account:{}", account.id),
            &detail,
            Some(merchant_id),
        )
        .await?;
        tx.commit().await?;
        Ok(list)
    }

    /// The account's hourly negative rate from `from_ms` to `to_ms` (whole hours, at most 31
    /// days; hours without comments are zeros), with the baseline learned before the current hour.
    pub async fn reputation_series(
        &self,
        actor: &Actor,
        account_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> AppResult<ReputationSeries> {
        let (from_ms, to_ms) = (hour_of(from_ms), hour_of(to_ms + HOUR_MS - 1));
        if to_ms <= from_ms || (to_ms - from_ms) / HOUR_MS > REPUTATION_SERIES_HOURS_MAX {
            return Err(AppError::invalid("from/to", "from before to, at most 31 days apart"));
        }
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        let settings = self.settings_of(&mut conn, account.id).await?;
        let stored = rows::hours_between(&mut conn, account.id, from_ms, to_ms).await?;
        let now_hour = hour_of(self.clock().now_ms());
        let history = rows::hours_between(
            &mut conn,
            account.id,
            now_hour - settings.baseline_hours * HOUR_MS,
            now_hour,
        )
        .await?;
        let baseline = Baseline::learn(&history);
        let mut stored = stored.into_iter().peekable();
        let mut hours = Vec::new();
        for hour_ms in (from_ms..to_ms).step_by(HOUR_MS as usize) {
            let hour = match stored.peek() {
                Some(h) if h.hour_ms == hour_ms => stored.next().unwrap_or_default(),
                _ => HourCount { hour_ms, comments: 0, negative: 0 },
            };
            hours.push(HourPoint { hour, rate: hour.rate() });
        }
        Ok(ReputationSeries {
            account_id: account.id,
            from_ms,
            to_ms,
            hours,
            baseline,
            threshold: baseline.threshold(&settings),
            settings,
        })
    }
}
