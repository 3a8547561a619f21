//! Campaigns (营销活动) of enterprise accounts: create, update while not ended, link the
//! account's videos, cancel; the trending topics the platform's services push; the planner's
//! proposed dates (statutory holidays of the live calendar, the configured shopping festivals and
//! recent trending topics); and a campaign's results against the same-length window before it,
//! read from the daily engagement rollups and the merchant's orders. Team rights: `edit_content`
//! writes, every member reads.

use chrono::{DateTime, Duration, NaiveDate};
use domain::auth::Role;
use domain::campaigns::{
    CampaignGoal, CampaignStatus, RangeError, Suggestion, TopicHeat, check_campaign_dates,
    check_planner_range, propose, uplift_bp, window_before,
};
use domain::limits::{
    CAMPAIGN_BUDGET_FEN_MAX, CAMPAIGN_NAME_LENGTH_MAX, CAMPAIGN_VIDEOS_MAX, CAMPAIGNS_PER_ACCOUNT_MAX,
    TOPIC_HEAT_MAX, TOPIC_LENGTH_MAX, TOPICS_LISTED_MAX,
};
use domain::team::TeamRight;
use domain::videos::{TagError, parse_tags};
use domain::violation::bounded_text;
use store::campaigns::{self as rows, CampaignContent};
pub use store::campaigns::{CampaignRow, Engagement, TopicRow};

use crate::clock::{china_date, china_midnight};
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// Who writes campaigns (create, update, link videos, cancel).
pub const CAMPAIGN_EDIT_RIGHTS: &[TeamRight] = &[TeamRight::EditContent];
/// How far back the planner looks for trending topics, in days.
pub const PLANNER_TOPIC_DAYS: i64 = 7;
/// Trending topics the planner proposes at most.
pub const PLANNER_TOPICS_MAX: i64 = 5;

/// What a member writes of a campaign.
#[derive(Debug, Clone, Default)]
pub struct CampaignInput {
    pub name: String,
    /// `awareness`, `engagement`, `followers` or `sales`.
    pub goal: String,
    /// `YYYY-MM-DD` (China dates, both included).
    pub starts_on: String,
    pub ends_on: String,
    pub budget_fen: i64,
    /// Topic tags, with or without their `#`.
    pub tags: Vec<String>,
}

/// A partial update: the fields given replace the campaign's.
#[derive(Debug, Clone, Default)]
pub struct CampaignPatch {
    pub name: Option<String>,
    pub goal: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub budget_fen: Option<i64>,
    pub tags: Option<Vec<String>>,
}

/// A campaign with its status today and its linked videos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignView {
    pub campaign: CampaignRow,
    pub goal: CampaignGoal,
    pub status: CampaignStatus,
    pub video_ids: Vec<i64>,
}

impl CampaignView {
    pub fn tags(&self) -> Vec<&str> {
        self.campaign.tags.split(' ').filter(|tag| !tag.is_empty()).collect()
    }
}

/// One metric in the campaign window and the window before, with the change in basis points
/// (`None` when the window before is zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub current: i64,
    pub before: i64,
    pub uplift_bp: Option<i64>,
}

impl Metric {
    pub(crate) fn of(current: i64, before: i64) -> Metric {
        Metric { current, before, uplift_bp: uplift_bp(current, before) }
    }
}

/// A campaign's results: the account's engagement and the merchant's sales in the campaign
/// window against the same-length window just before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignResults {
    pub campaign_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub before_starts_on: NaiveDate,
    pub before_ends_on: NaiveDate,
    pub views: Metric,
    /// Likes, comments and shares.
    pub engagement: Metric,
    pub followers: Metric,
    /// Orders not cancelled, created in the window (China dates), in every shop of the merchant.
    pub orders: Metric,
    pub gmv_fen: Metric,
    pub watch_ms: Metric,
}

/// The planner's answer.
#[derive(Debug, Clone)]
pub struct Plan {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub suggestions: Vec<Suggestion>,
}

/// A `YYYY-MM-DD` date, or `invalid_date` naming the field.
pub fn parse_day(field: &str, text: &str) -> AppResult<NaiveDate> {
    let text = text.trim();
    Some(text)
        .filter(|t| t.len() == 10)
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            AppError::new(Code::InvalidDate, format!("{field}: {text:?} is not a date YYYY-MM-DD"))
        })
}

pub(crate) fn range_error(error: RangeError, what: &str) -> AppError {
    let detail = match error {
        RangeError::Reversed => format!("{what}: the last day is before the first"),
        RangeError::TooLong => format!("{what}: at most 366 days"),
        RangeError::OutOfYears => format!("{what}: dates from 2000 to 2100"),
    };
    AppError::new(Code::InvalidDate, detail)
}

pub(crate) fn day_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A campaign input with every field valid.
struct ParsedCampaign {
    name: String,
    goal: CampaignGoal,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    budget_fen: i64,
    tags: String,
}

impl ParsedCampaign {
    fn content(&self) -> (String, String, String) {
        (self.name.clone(), day_text(self.starts_on), day_text(self.ends_on))
    }
}

fn parse_input(input: &CampaignInput) -> AppResult<ParsedCampaign> {
    let name = bounded_text(&input.name, CAMPAIGN_NAME_LENGTH_MAX)
        .ok_or_else(|| AppError::invalid("name", "1-50 characters, no control characters"))?;
    let goal = CampaignGoal::parse(input.goal.trim())
        .ok_or_else(|| AppError::invalid("goal", "awareness, engagement, followers or sales"))?;
    let starts_on = parse_day("starts_on", &input.starts_on)?;
    let ends_on = parse_day("ends_on", &input.ends_on)?;
    check_campaign_dates(starts_on, ends_on).map_err(|error| range_error(error, "ends_on"))?;
    if !(0..=CAMPAIGN_BUDGET_FEN_MAX).contains(&input.budget_fen) {
        return Err(AppError::invalid("budget_fen", "0 to 10000000000 fen"));
    }
    let tags = parse_tags(&input.tags).map_err(|error| match error {
        TagError::Invalid { index } => AppError::invalid(
            &format!("tags[{index}]"),
            "1-20 characters after an optional #, no spaces, # or commas",
        ),
        TagError::TooMany => AppError::invalid("tags", "at most 10 tags"),
    })?;
    let tags = tags.iter().map(|tag| tag.as_str()).collect::<Vec<_>>().join(" ");
    Ok(ParsedCampaign { name, goal, starts_on, ends_on, budget_fen: input.budget_fen, tags })
}

fn input_of(row: &CampaignRow) -> CampaignInput {
    CampaignInput {
        name: row.name.clone(),
        goal: row.goal.clone(),
        starts_on: row.starts_on.clone(),
        ends_on: row.ends_on.clone(),
        budget_fen: row.budget_fen,
        tags: row.tags.split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
    }
}

/// Who may see a merchant's campaigns: its members, and platform roles.
fn can_see(actor: &Actor, merchant_id: i64) -> bool {
    match actor.role {
        Role::Merchant => actor.merchant_id == Some(merchant_id),
        Role::Admin | Role::Reviewer | Role::Service => true,
    }
}

impl App {
    fn campaign_today(&self) -> NaiveDate {
        china_date(self.clock().now())
    }

    fn campaign_view(&self, campaign: CampaignRow, video_ids: Vec<i64>) -> AppResult<CampaignView> {
        let goal = CampaignGoal::parse(&campaign.goal).ok_or_else(|| {
            AppError::internal(&format!("campaign {} has goal {}", campaign.id, campaign.goal))
        })?;
        let starts_on =
            parse_day("starts_on", &campaign.starts_on).map_err(|e| AppError::internal(&e.detail))?;
        let ends_on = parse_day("ends_on", &campaign.ends_on).map_err(|e| AppError::internal(&e.detail))?;
        let status =
            CampaignStatus::on(starts_on, ends_on, campaign.cancelled_at_ms.is_some(), self.campaign_today());
        Ok(CampaignView { campaign, goal, status, video_ids })
    }

    async fn load_view(&self, conn: &mut store::Conn, id: i64) -> AppResult<CampaignView> {
        let campaign = rows::find_campaign(conn, id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("campaign {id} vanished")))?;
        let video_ids = rows::linked_videos(conn, id).await?;
        self.campaign_view(campaign, video_ids)
    }

    /// A campaign of the caller's merchant, locked for a change and still open (planned or
    /// running), after checking the caller holds `edit_content`.
    async fn campaign_to_change(
        &self,
        tx: &mut store::WriteTx,
        actor: &Actor,
        id: i64,
    ) -> AppResult<CampaignView> {
        let merchant_id = actor.require_team(CAMPAIGN_EDIT_RIGHTS)?;
        let campaign = rows::lock_campaign(tx, self.db().backend(), id)
            .await?
            .filter(|campaign| campaign.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("campaign"))?;
        let video_ids = rows::linked_videos(tx, id).await?;
        let view = self.campaign_view(campaign, video_ids)?;
        if !view.status.open() {
            return Err(AppError::new(
                Code::StatusConflict,
                format!("the campaign is {}; only planned or running campaigns change", view.status.as_str()),
            ));
        }
        Ok(view)
    }

    async fn audit_campaign(
        &self,
        tx: &mut store::Conn,
        ctx: &Ctx,
        action: &str,
        campaign: &CampaignRow,
        detail: &str,
    ) -> AppResult<()> {
        let subject = format!("campaign:{}", campaign.id);
        self.audit_for(tx, ctx, action, &subject, detail, Some(campaign.merchant_id)).await
    }

    // ----- campaigns -----

    /// Starts a campaign on one of the merchant's enterprise accounts. It may not end before today.
    pub async fn create_campaign(
        &self,
        ctx: &Ctx,
        account_id: i64,
        input: &CampaignInput,
    ) -> AppResult<CampaignView> {
        let merchant_id = ctx.actor.require_team(CAMPAIGN_EDIT_RIGHTS)?;
        let parsed = parse_input(input)?;
        if parsed.ends_on < self.campaign_today() {
            return Err(AppError::new(Code::InvalidDate, "ends_on: a new campaign may not end before today"));
        }
        let mut tx = self.db().begin().await?;
        let account = store::verification::find_account(&mut tx, account_id)
            .await?
            .filter(|account| account.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("enterprise account"))?;
        if rows::count_campaigns(&mut tx, account.id).await? >= CAMPAIGNS_PER_ACCOUNT_MAX {
            return Err(AppError::invalid("account", "an account holds at most 10000 campaigns"));
        }
        let (name, starts_on, ends_on) = parsed.content();
        let content = CampaignContent {
            name: &name,
            goal: parsed.goal.as_str(),
            starts_on: &starts_on,
            ends_on: &ends_on,
            budget_fen: parsed.budget_fen,
            tags: &parsed.tags,
        };
        let now_ms = self.clock().now_ms();
        let id =
            rows::insert_campaign(&mut tx, merchant_id, account.id, &content, &ctx.actor.username, now_ms)
                .await?;
        let view = self.load_view(&mut tx, id).await?;
        let detail = format!(
            "account={} goal={} {starts_on}..{ends_on} budget_fen={}",
            account.id,
            parsed.goal.as_str(),
            parsed.budget_fen
        );
        self.audit_campaign(&mut tx, ctx, "campaign.create", &view.campaign, &detail).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Rewrites a planned or running campaign (the fields given). A running campaign keeps its
    /// first day; no campaign is moved to end before today.
    pub async fn update_campaign(
        &self,
        ctx: &Ctx,
        id: i64,
        patch: &CampaignPatch,
    ) -> AppResult<CampaignView> {
        ctx.actor.require_team(CAMPAIGN_EDIT_RIGHTS)?;
        let mut tx = self.db().begin().await?;
        let view = self.campaign_to_change(&mut tx, &ctx.actor, id).await?;
        let old = input_of(&view.campaign);
        let input = CampaignInput {
            name: patch.name.clone().unwrap_or(old.name),
            goal: patch.goal.clone().unwrap_or(old.goal),
            starts_on: patch.starts_on.clone().unwrap_or(old.starts_on),
            ends_on: patch.ends_on.clone().unwrap_or(old.ends_on),
            budget_fen: patch.budget_fen.unwrap_or(old.budget_fen),
            tags: patch.tags.clone().unwrap_or(old.tags),
        };
        let parsed = parse_input(&input)?;
        if parsed.ends_on < self.campaign_today() {
            return Err(AppError::new(
                Code::InvalidDate,
                "ends_on: a campaign may not be moved to end before today",
            ));
        }
        let (name, starts_on, ends_on) = parsed.content();
        if view.status == CampaignStatus::Running && starts_on != view.campaign.starts_on {
            return Err(AppError::new(Code::StatusConflict, "a running campaign keeps its first day"));
        }
        let content = CampaignContent {
            name: &name,
            goal: parsed.goal.as_str(),
            starts_on: &starts_on,
            ends_on: &ends_on,
            budget_fen: parsed.budget_fen,
            tags: &parsed.tags,
        };
        if !rows::update_campaign(&mut tx, id, &content, self.clock().now_ms()).await? {
            return Err(AppError::internal(&format!("campaign {id} changed under its lock")));
        }
        let detail =
            format!("goal={} {starts_on}..{ends_on} budget_fen={}", parsed.goal.as_str(), parsed.budget_fen);
        self.audit_campaign(&mut tx, ctx, "campaign.update", &view.campaign, &detail).await?;
        let view = self.load_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Cancels a planned or running campaign for good.
    pub async fn cancel_campaign(&self, ctx: &Ctx, id: i64) -> AppResult<CampaignView> {
        ctx.actor.require_team(CAMPAIGN_EDIT_RIGHTS)?;
        let mut tx = self.db().begin().await?;
        let view = self.campaign_to_change(&mut tx, &ctx.actor, id).await?;
        if !rows::cancel_campaign(&mut tx, id, &ctx.actor.username, self.clock().now_ms()).await? {
            return Err(AppError::internal(&format!("campaign {id} changed under its lock")));
        }
        self.audit_campaign(&mut tx, ctx, "campaign.cancel", &view.campaign, "").await?;
        let view = self.load_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Links a video of the campaign's own account (linking it again changes nothing).
    pub async fn link_campaign_video(&self, ctx: &Ctx, id: i64, video_id: i64) -> AppResult<CampaignView> {
        ctx.actor.require_team(CAMPAIGN_EDIT_RIGHTS)?;
        let mut tx = self.db().begin().await?;
        let view = self.campaign_to_change(&mut tx, &ctx.actor, id).await?;
        store::videos::find_video(&mut tx, video_id)
            .await?
            .filter(|video| video.merchant_id == view.campaign.merchant_id)
            .ok_or_else(|| AppError::not_found("video"))
            .and_then(|video| {
                if video.account_id == view.campaign.account_id {
                    Ok(video)
                } else {
                    Err(AppError::invalid("video_id", "a video of the campaign's own enterprise account"))
                }
            })?;
        if view.video_ids.contains(&video_id) {
            return Ok(view);
        }
        if view.video_ids.len() as i64 >= CAMPAIGN_VIDEOS_MAX {
            return Err(AppError::invalid("video_id", "a campaign links at most 200 videos"));
        }
        rows::link_video(
            &mut tx,
            view.campaign.merchant_id,
            id,
            video_id,
            &ctx.actor.username,
            self.clock().now_ms(),
        )
        .await?;
        self.audit_campaign(
            &mut tx,
            ctx,
            "campaign.link_video",
            &view.campaign,
            &format!("video={video_id}"),
        )
        .await?;
        let view = self.load_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Unlinks a video; a video that is not linked is "not found".
    pub async fn unlink_campaign_video(&self, ctx: &Ctx, id: i64, video_id: i64) -> AppResult<CampaignView> {
        ctx.actor.require_team(CAMPAIGN_EDIT_RIGHTS)?;
        let mut tx = self.db().begin().await?;
        let view = self.campaign_to_change(&mut tx, &ctx.actor, id).await?;
        if !rows::unlink_video(&mut tx, id, video_id).await? {
            return Err(AppError::not_found("linked video"));
        }
        self.audit_campaign(
            &mut tx,
            ctx,
            "campaign.unlink_video",
            &view.campaign,
            &format!("video={video_id}"),
        )
        .await?;
        let view = self.load_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A campaign the actor may see: its merchant's members and platform roles; anybody else
    /// hears "not found".
    pub async fn campaign(&self, actor: &Actor, id: i64) -> AppResult<CampaignView> {
        let mut conn = self.db().read().await?;
        let campaign = rows::find_campaign(&mut conn, id)
            .await?
            .filter(|campaign| can_see(actor, campaign.merchant_id))
            .ok_or_else(|| AppError::not_found("campaign"))?;
        let video_ids = rows::linked_videos(&mut conn, id).await?;
        self.campaign_view(campaign, video_ids)
    }

    /// An account's campaigns, latest first day first.
    pub async fn campaigns(&self, actor: &Actor, account_id: i64) -> AppResult<Vec<CampaignView>> {
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        let found = rows::list_campaigns(&mut conn, account.id, CAMPAIGNS_PER_ACCOUNT_MAX).await?;
        let mut views = Vec::with_capacity(found.len());
        for campaign in found {
            let video_ids = rows::linked_videos(&mut conn, campaign.id).await?;
            views.push(self.campaign_view(campaign, video_ids)?);
        }
        Ok(views)
    }

    // ----- trending topics and the planner -----

    /// Records a trending topic pushed by a platform service.
    pub async fn push_trending_topic(
        &self,
        ctx: &Ctx,
        topic: &str,
        heat: i64,
        observed_at: &str,
    ) -> AppResult<TopicRow> {
        if ctx.actor.role != Role::Service {
            return Err(AppError::forbidden());
        }
        let topic = bounded_text(topic, TOPIC_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("topic", "1-50 characters, no control characters"))?;
        if !(0..=TOPIC_HEAT_MAX).contains(&heat) {
            return Err(AppError::invalid("heat", "an integer from 0 to 10^12"));
        }
        let observed_at = DateTime::parse_from_rfc3339(observed_at.trim())
            .map_err(|_| AppError::invalid("observed_at", "an RFC 3339 time"))?
            .to_utc();
        let observed_at_ms = observed_at.timestamp_millis();
        let now_ms = self.clock().now_ms();
        if observed_at_ms > now_ms + 24 * 3600 * 1000 {
            return Err(AppError::invalid("observed_at", "not more than a day ahead of now"));
        }
        let mut tx = self.db().begin().await?;
        let id =
            rows::insert_topic(&mut tx, &topic, heat, observed_at_ms, &ctx.actor.username, now_ms).await?;
        let detail = format!("heat={heat} observed_at_ms={observed_at_ms}");
        self.audit(&mut tx, ctx, "trending_topic.push", &format!("trending_topic:{id}"), &detail).await?;
        tx.commit().await?;
        Ok(TopicRow { topic, heat, observed_at_ms })
    }

    /// Trending topics observed on the China dates `from..=to` (the last 7 days by default),
    /// each once at its highest heat, hottest first.
    pub async fn trending_topics(
        &self,
        actor: &Actor,
        from: Option<&str>,
        to: Option<&str>,
    ) -> AppResult<Vec<TopicRow>> {
        if actor.role == Role::Merchant && actor.merchant_id.is_none() {
            return Err(AppError::forbidden());
        }
        let today = self.campaign_today();
        let to = match to.filter(|t| !t.trim().is_empty()) {
            Some(text) => parse_day("to", text)?,
            None => today,
        };
        let from = match from.filter(|t| !t.trim().is_empty()) {
            Some(text) => parse_day("from", text)?,
            None => to - Duration::days(PLANNER_TOPIC_DAYS - 1),
        };
        check_planner_range(from, to).map_err(|error| range_error(error, "to"))?;
        let mut conn = self.db().read().await?;
        let from_ms = china_midnight(from).timestamp_millis();
        let to_ms = china_midnight(to + Duration::days(1)).timestamp_millis();
        Ok(rows::top_topics(&mut conn, from_ms, to_ms, TOPICS_LISTED_MAX).await?)
    }

    /// The planner: proposed campaign dates on `from..=to` for an account, from the statutory
    /// holidays of the live calendar, the configured shopping festivals, and the hottest topics of
    /// the last 7 days.
    pub async fn campaign_suggestions(
        &self,
        actor: &Actor,
        account_id: i64,
        from: &str,
        to: &str,
    ) -> AppResult<Plan> {
        let from = parse_day("from", from)?;
        let to = parse_day("to", to)?;
        check_planner_range(from, to).map_err(|error| range_error(error, "to"))?;
        self.enterprise_account(actor, account_id).await?;
        let today = self.campaign_today();
        let now_ms = self.clock().now_ms();
        let since_ms = china_midnight(today - Duration::days(PLANNER_TOPIC_DAYS - 1)).timestamp_millis();
        let mut conn = self.db().read().await?;
        let topics = rows::top_topics(&mut conn, since_ms, now_ms + 1, PLANNER_TOPICS_MAX).await?;
        drop(conn);
        let topics: Vec<TopicHeat> =
            topics.into_iter().map(|row| TopicHeat { topic: row.topic, heat: row.heat }).collect();
        let suggestions = propose(&self.calendar(), &self.config().festivals, &topics, from, to, today);
        Ok(Plan { from, to, suggestions })
    }

    // ----- results -----

    /// A campaign's results: the account's views, engagement (likes, comments, shares), followers
    /// gained and watch time from the daily rollups, and the merchant's orders and GMV, in the
    /// campaign window against the same-length window just before it.
    pub async fn campaign_results(&self, actor: &Actor, id: i64) -> AppResult<CampaignResults> {
        let view = self.campaign(actor, id).await?;
        let campaign = &view.campaign;
        let starts_on = parse_day("starts_on", &campaign.starts_on)?;
        let ends_on = parse_day("ends_on", &campaign.ends_on)?;
        let (before_starts_on, before_ends_on) = window_before(starts_on, ends_on);
        let mut conn = self.db().read().await?;
        let now = rows::account_engagement(
            &mut conn,
            campaign.account_id,
            &day_text(starts_on),
            &day_text(ends_on),
        )
        .await?;
        let before = rows::account_engagement(
            &mut conn,
            campaign.account_id,
            &day_text(before_starts_on),
            &day_text(before_ends_on),
        )
        .await?;
        let ms = |date: NaiveDate| china_midnight(date).timestamp_millis();
        let one = Duration::days(1);
        let (orders, gmv_fen) =
            rows::merchant_sales(&mut conn, campaign.merchant_id, ms(starts_on), ms(ends_on + one)).await?;
        let (orders_before, gmv_before) = rows::merchant_sales(
            &mut conn,
            campaign.merchant_id,
            ms(before_starts_on),
            ms(before_ends_on + one),
        )
        .await?;
        let engagement = |e: &Engagement| e.likes + e.comments + e.shares;
        Ok(CampaignResults {
            campaign_id: campaign.id,
            starts_on,
            ends_on,
            before_starts_on,
            before_ends_on,
            views: Metric::of(now.views, before.views),
            engagement: Metric::of(engagement(&now), engagement(&before)),
            followers: Metric::of(now.follows, before.follows),
            orders: Metric::of(orders, orders_before),
            gmv_fen: Metric::of(gmv_fen, gmv_before),
            watch_ms: Metric::of(now.watch_ms, before.watch_ms),
        })
    }
}
