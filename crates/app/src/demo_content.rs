//! Demo data for the work of a verified enterprise account, played day by day inside the demo's
//! history walk: the account verified four months ago, its team (an operator and an approver), a
//! weekly cadence, videos on Mondays, Wednesdays and Fridays (drafted by the operator, approved by the
//! approver, published at once or by the publish job in the evening), two pins, and at the end one
//! video in the approval queue, one draft and one scheduled ahead, with the last days left behind the
//! cadence so its warning shows. Every day the platform sends comments on the newest videos (as an
//! NDJSON batch, some negative, some replies to others); the operator answers most of them at 10:00,
//! apologising to the unhappy ones, and leaves the last days' comments waiting in the inbox. Two
//! campaigns: a past one with the videos of its window, and one planned after trending topics came in.
//! Twenty days back a morning's burst of complaints opens a reputation incident, which the owner
//! assigns to the operator, who answers the complaints and resolves it with a summary.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::campaigns::CampaignInput;
use crate::clock::china_midnight;
use crate::comments::CommentQuery;
use crate::videos::VideoInput;
use crate::{App, AppResult, Ctx};

/// Days before now the account's story starts.
pub(crate) const CONTENT_DAYS: i64 = 120;
/// The weekly target the account sets.
const VIDEOS_PER_WEEK: i64 = 3;

/// The demo merchant's team members besides the owner (public passwords, for trying roles out).
pub const DEMO_MEMBERS: [(&str, &str, &str); 3] = [
    ("yunying", "yunying-demo-2026", "operator"),
    ("shenpi", "shenpi-demo-2026", "approver"),
    ("caiwu", "caiwu-demo-2026", "finance"),
];

const TITLES: [&str; 12] = [
    "秋冬新款卫衣上身实测",
    "三分钟教你挑选羽绒服",
    "办公室通勤穿搭一周不重样",
    "直播预告：周五晚八点福利专场",
    "工厂探访：一件衬衫的诞生",
    "粉丝问答：尺码怎么选",
    "年货节囤货清单",
    "开箱：新到的手工围巾",
    "门店日常 vlog",
    "客服小姐姐教你洗护羊毛衫",
    "设计师聊聊今年的流行色",
    "老顾客回访：穿了三年的外套",
];

/// Comments the platform sends: (text, whether a reply by the account apologises).
const COMMENTS: [(&str, bool); 16] = [
    ("这件卫衣好看，已下单！", false),
    ("什么时候发货？", false),
    ("有没有大码的？", false),
    ("质量太差了，洗一次就起球，退货", true),
    ("面料很舒服，回购第三次了", false),
    ("客服半天不回消息，差评", true),
    ("颜色和视频里不一样，有点失望", true),
    ("主播讲得很清楚，支持", false),
    ("价格能再便宜点吗", false),
    ("快递太慢了，等了一周", true),
    ("穿上很显瘦，推荐", false),
    ("尺码偏小，建议拍大一码", false),
    ("包装破了，衣服也脏了，什么质量", true),
    ("已关注，期待直播", false),
    ("这个颜色还有货吗？", false),
    ("假货吧，和专柜差太多", true),
];

/// Days before now of the demo's reputation incident: one morning's burst of complaints about a
/// batch of sweaters opens it; the owner assigns it to the operator, who answers the complaints at
/// 10:00 and resolves it with a summary.
const REPUTATION_DAY: i64 = 20;
/// The burst's complaints, sent round in turn.
const BURST: [&str; 5] = [
    "这批卫衣质量太差了，洗一次就起球，退货",
    "客服半天不回消息，差评",
    "包装破了，衣服也脏了，什么质量",
    "假货吧，和专柜差太多",
    "颜色和视频里不一样，有点失望",
];
/// Complaints in the burst.
const BURST_COMMENTS: usize = 36;

const TAGS: [&[&str]; 6] = [
    &["秋冬穿搭", "好物推荐"],
    &["直播预告"],
    &["穿搭", "通勤"],
    &["开箱", "好物推荐"],
    &["年货节"],
    &["品牌故事"],
];

/// The story's state between days.
#[derive(Default)]
pub(crate) struct ContentStory {
    cast: Option<Cast>,
    published: Vec<i64>,
    made: usize,
    comments_sent: usize,
    service: Option<Ctx>,
    past_campaign: Option<i64>,
    messages: crate::demo_messages::MessagesStory,
}

struct Cast {
    account_id: i64,
    owner: Ctx,
    operator: Ctx,
    approver: Ctx,
}

impl ContentStory {
    /// The story's work of the day `days_ago` days before now (the app is on the demo clock).
    pub(crate) async fn day(&mut self, app: &App, days_ago: i64, day: NaiveDate) -> AppResult<()> {
        if days_ago > CONTENT_DAYS {
            return Ok(());
        }
        if self.cast.is_none() {
            self.cast = Some(begin(app).await?);
        }
        let Some(owned) = self.cast.take() else { return Ok(()) };
        let cast = &owned;
        let made = &mut self.made;
        let video_day = matches!(day.weekday(), Weekday::Mon | Weekday::Wed | Weekday::Fri);
        match days_ago {
            // Behind the cadence at the end: nothing published in the last days.
            8.. if video_day => {
                let evening = day.weekday() == Weekday::Fri;
                let id = make(app, cast, made, evening.then_some(day)).await?;
                if !evening {
                    self.published.push(id);
                    if self.published.len() == 2 || self.published.len() == 5 {
                        app.pin_video(&cast.owner, id).await?;
                    }
                }
            }
            3 => {
                // Waiting in the approver's queue.
                let id = draft(app, cast, made).await?;
                app.submit_video(&cast.operator, id).await?;
            }
            2 => {
                // Approved and scheduled for the evening two days from now.
                let id = draft(app, cast, made).await?;
                app.submit_video(&cast.operator, id).await?;
                app.approve_video(&cast.approver, id, "").await?;
                let at = china_midnight(day + Duration::days(4)) + Duration::hours(19);
                app.schedule_video(&cast.operator, id, at).await?;
            }
            1 => {
                draft(app, cast, made).await?;
            }
            _ => {}
        }
        self.campaigns(app, cast, days_ago, day).await?;
        let service = self.service(app).await?;
        crate::demo_analytics::engagement_day(app, &service, &self.published, day).await?;
        let sent = self.comments(app, cast, days_ago, day).await;
        let talked = match sent {
            Ok(()) => {
                let people = crate::demo_messages::Cast {
                    account_id: cast.account_id,
                    owner: &cast.owner,
                    operator: &cast.operator,
                    service: &service,
                };
                self.messages.day(app, &people, days_ago, day).await
            }
            Err(error) => Err(error),
        };
        self.cast = Some(owned);
        talked
    }

    /// The day's comments on the three newest published videos, sent as one NDJSON batch: one from the
    /// evening before and one from this morning each, and now and then a buyer answering another.
    /// The operator replies at 10:00, except in the last three days.
    async fn comments(&mut self, app: &App, cast: &Cast, days_ago: i64, day: NaiveDate) -> AppResult<()> {
        let videos: Vec<i64> = self.published.iter().rev().take(3).copied().collect();
        // Today's walk step may be before 10:00 (the demo ends at the app's now): no comment from later.
        if videos.is_empty() || days_ago < 1 {
            return Ok(());
        }
        let evening = china_midnight(day) - Duration::hours(3);
        let morning = china_midnight(day) + Duration::hours(9);
        let mut lines = String::new();
        for (slot, video) in videos.iter().enumerate() {
            for (half, at) in [evening, morning].into_iter().enumerate() {
                let n = self.comments_sent;
                self.comments_sent += 1;
                let at = at + Duration::minutes(i64::try_from(7 * slot + 13 * half).unwrap_or(0));
                let (text, _) = COMMENTS[(n * 7 + slot) % COMMENTS.len()];
                let parent = (n % 9 == 8).then(|| format!("demo-{}", n - 1));
                let line = serde_json::json!({
                    "video_id": video,
                    "comment_id": format!("demo-{n}"),
                    "author_id": format!("fan-{}", 1000 + (n * 37) % 500),
                    "text": text,
                    "created_at": at.to_rfc3339(),
                    "parent_id": parent,
                });
                lines.push_str(&line.to_string());
                lines.push('\n');
            }
        }
        app.ingest_comments(&self.service(app).await?, lines.as_bytes()).await?;
        let incident =
            if days_ago == REPUTATION_DAY { self.burst(app, cast, videos[0], day).await? } else { None };
        if days_ago <= 3 {
            return Ok(());
        }
        let query = CommentQuery { unanswered: true, limit: Some(50), ..CommentQuery::default() };
        for comment in app.comments(&cast.owner.actor, cast.account_id, &query).await?.items {
            let sorry = COMMENTS.iter().any(|(text, sorry)| *sorry && *text == comment.text);
            let reply = if sorry {
                "非常抱歉给您带来不好的体验，已私信您处理退换，请留意消息。"
            } else {
                "感谢支持！有任何问题欢迎私信小店客服～"
            };
            app.reply_to_comment(&cast.operator, comment.id, reply).await?;
        }
        if let Some(id) = incident {
            let summary =
                "起球问题集中在 10 月第二批卫衣：已逐条回复并私信退换，该批次下架质检，客服排班增加一人。";
            app.resolve_incident(&cast.operator, id, summary).await?;
        }
        Ok(())
    }

    /// The reputation day's burst: complaints from 09:00 to 09:45 on the newest video, sent as
    /// one batch; the spike opens an incident, which the owner assigns to the operator.
    async fn burst(&mut self, app: &App, cast: &Cast, video: i64, day: NaiveDate) -> AppResult<Option<i64>> {
        let start = china_midnight(day) + Duration::hours(9);
        let mut lines = String::new();
        for n in 0..BURST_COMMENTS {
            let line = serde_json::json!({
                "video_id": video,
                "comment_id": format!("demo-burst-{n}"),
                "author_id": format!("buyer-{}", 2000 + n),
                "text": BURST[n % BURST.len()],
                "created_at": (start + Duration::seconds(i64::try_from(75 * n).unwrap_or(0))).to_rfc3339(),
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
        app.ingest_comments(&self.service(app).await?, lines.as_bytes()).await?;
        let open = app
            .incidents(
                &cast.owner.actor,
                cast.account_id,
                crate::reputation::IncidentFilter::Open,
                None,
                None,
            )
            .await?;
        let Some(incident) = open.items.first() else { return Ok(None) };
        app.assign_incident(&cast.owner, incident.id, &cast.operator.actor.username).await?;
        Ok(Some(incident.id))
    }

    /// Two campaigns: a past one (created 50 days ago for days 45 to 31, linked to the videos of its
    /// window as they come out) and one planned after the platform pushed two trending topics.
    async fn campaigns(&mut self, app: &App, cast: &Cast, days_ago: i64, day: NaiveDate) -> AppResult<()> {
        let input =
            |name: &str, goal: &str, starts: NaiveDate, ends: NaiveDate, budget_fen, tags: &[&str]| {
                CampaignInput {
                    name: name.to_owned(),
                    goal: goal.to_owned(),
                    starts_on: starts.to_string(),
                    ends_on: ends.to_string(),
                    budget_fen,
                    tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                }
            };
        match days_ago {
            50 => {
                let new = input(
                    "秋冬上新周",
                    "sales",
                    day + Duration::days(5),
                    day + Duration::days(19),
                    2_000_000,
                    &["秋冬穿搭", "好物推荐"],
                );
                self.past_campaign =
                    Some(app.create_campaign(&cast.owner, cast.account_id, &new).await?.campaign.id);
            }
            31..=45 => {
                if let (Some(campaign), Some(video)) = (self.past_campaign, self.published.last())
                    && !app.campaign(&cast.owner.actor, campaign).await?.video_ids.contains(video)
                {
                    app.link_campaign_video(&cast.operator, campaign, *video).await?;
                }
            }
            6 => {
                let service = self.service(app).await?;
                let at = (china_midnight(day) + Duration::hours(8)).to_rfc3339();
                app.push_trending_topic(&service, "冬季穿搭", 980_000, &at).await?;
                app.push_trending_topic(&service, "围巾怎么系", 450_000, &at).await?;
            }
            5 => {
                let new = input(
                    "年终好物节",
                    "followers",
                    day + Duration::days(10),
                    day + Duration::days(21),
                    3_000_000,
                    &["冬季穿搭", "年终好物"],
                );
                app.create_campaign(&cast.operator, cast.account_id, &new).await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn service(&mut self, app: &App) -> AppResult<Ctx> {
        if self.service.is_none() {
            self.service = Some(app.demo_ctx("service").await?);
        }
        self.service.clone().ok_or_else(|| crate::AppError::internal(&"the demo service user is missing"))
    }
}

async fn draft(app: &App, cast: &Cast, made: &mut usize) -> AppResult<i64> {
    let n = *made;
    *made += 1;
    let input = VideoInput {
        title: TITLES[n % TITLES.len()].to_owned(),
        description: format!("小店科技第 {} 期：新品、穿搭与门店故事。", n + 1),
        tags: TAGS[n % TAGS.len()].iter().map(|t| (*t).to_owned()).collect(),
        external_url: Some(format!("https://v.xiaodian.example/clip/{}", 1000 + n)),
    };
    Ok(app.create_video(&cast.operator, cast.account_id, &input).await?.id)
}

/// A video drafted, approved and published now, or scheduled for 19:00 of `evening_of`.
async fn make(app: &App, cast: &Cast, made: &mut usize, evening_of: Option<NaiveDate>) -> AppResult<i64> {
    let id = draft(app, cast, made).await?;
    app.submit_video(&cast.operator, id).await?;
    app.approve_video(&cast.approver, id, "画面清晰，文案合规。").await?;
    match evening_of {
        Some(day) => {
            app.schedule_video(&cast.operator, id, china_midnight(day) + Duration::hours(19)).await?
        }
        None => app.publish_video(&cast.operator, id).await?,
    };
    Ok(id)
}

/// The account verified through the real flow, the team, and the cadence.
async fn begin(app: &App) -> AppResult<Cast> {
    let owner = app.demo_ctx("merchant").await?;
    let account_id = app.seed_demo_verified_account().await?;
    for (username, password, role) in DEMO_MEMBERS {
        app.add_team_member(&owner, username, password, role).await?;
    }
    let operator = app.demo_ctx("yunying").await?;
    let approver = app.demo_ctx("shenpi").await?;
    app.set_cadence(&owner, account_id, VIDEOS_PER_WEEK).await?;
    Ok(Cast { account_id, owner, operator, approver })
}
