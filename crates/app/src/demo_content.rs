//! Demo data for the work of a verified enterprise account, played day by day inside the demo's
//! history walk: the account verified four months ago, its team (an operator and an approver), a
//! weekly cadence, videos on Mondays, Wednesdays and Fridays (drafted by the operator, approved by the
//! approver, published at once or by the publish job in the evening), two pins, and at the end one
//! video in the approval queue, one draft and one scheduled ahead, with the last days left behind the
//! cadence so its warning shows.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::clock::china_midnight;
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
        let Some(cast) = &self.cast else { return Ok(()) };
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
        Ok(())
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
