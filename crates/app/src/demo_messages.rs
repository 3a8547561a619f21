//! The demo's private messages (私信), played during the content story's last days: the rules
//! (a welcome, the away message, keyword replies on messages and comments), a product question a
//! keyword rule answers, a weekend message the away message answers and the operator picks up on
//! the next working day, a complaint the owner assigns to the operator with a note, and two
//! leads, one of them converted.

use chrono::NaiveDate;

use crate::private_messages::{ConversationChange, LeadQuery, RuleInput};
use crate::{App, AppResult, Ctx};

/// Days before now the rules are set up.
const RULES_DAY: i64 = 12;
/// The users of the demo's conversations.
const ASKS_PRICE: &str = "fan-2001";
const ON_WEEKEND: &str = "fan-2002";
const COMPLAINS: &str = "fan-2003";
const WHOLESALE: &str = "fan-2004";
const CUSTOM: &str = "fan-2005";

/// What the story has done so far.
#[derive(Default)]
pub(crate) struct MessagesStory {
    rules: bool,
    weekend_sent: bool,
    weekend_answered: bool,
}

fn rule(kind: &str, name: &str, keywords: &[&str], priority: i64, channels: &str, reply: &str) -> RuleInput {
    RuleInput {
        kind: kind.into(),
        name: name.into(),
        match_kind: Some("contains".into()),
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        channels: Some(channels.into()),
        priority: Some(priority),
        reply: reply.into(),
        ..RuleInput::default()
    }
}

/// The people of the story: the account, its owner and operator, and the platform.
pub(crate) struct Cast<'a> {
    pub account_id: i64,
    pub owner: &'a Ctx,
    pub operator: &'a Ctx,
    pub service: &'a Ctx,
}

impl MessagesStory {
    /// The day's messages `days_ago` days before now (the demo clock is at 10:00 of `day`).
    pub(crate) async fn day(
        &mut self,
        app: &App,
        cast: &Cast<'_>,
        days_ago: i64,
        day: NaiveDate,
    ) -> AppResult<()> {
        if !(1..=RULES_DAY).contains(&days_ago) {
            return Ok(());
        }
        if !self.rules {
            self.rules = true;
            return set_up_rules(app, cast).await;
        }
        let workday = app.calendar().is_workday(day);
        let ask = |user: &str, id: &str, text: &str| message(cast.account_id, user, id, day, text);
        match days_ago {
            10 => {
                let batch = ask(ASKS_PRICE, "demo-dm-1", "你好，想问下这件卫衣多少钱？");
                app.ingest_messages(cast.service, batch.as_bytes()).await?;
            }
            7 => {
                let batch = [
                    ask(WHOLESALE, "demo-dm-4", "我们公司想批发 50 件做团服，电话 139 1234 5678，麻烦报个价"),
                    ask(CUSTOM, "demo-dm-5", "可以定制刺绣吗？加我微信 xiaodianfan88 聊"),
                ]
                .join("\n");
                app.ingest_messages(cast.service, batch.as_bytes()).await?;
                self.follow_up_leads(app, cast).await?;
            }
            4 => {
                let batch = ask(COMPLAINS, "demo-dm-3", "衣服收到就有一个破洞，你们怎么处理？");
                app.ingest_messages(cast.service, batch.as_bytes()).await?;
                let id = conversation_of(app, cast, COMPLAINS).await?;
                let assign = ConversationChange::Assign(Some(cast.operator.actor.username.clone()));
                app.change_conversation(cast.owner, id, assign).await?;
                let note = ConversationChange::Note("老客户，优先处理：先补发再退差价。".into());
                app.change_conversation(cast.owner, id, note).await?;
            }
            _ => {}
        }
        if !workday && !self.weekend_sent {
            self.weekend_sent = true;
            let batch = ask(ON_WEEKEND, "demo-dm-2", "周末有人在吗？我想换一个尺码");
            app.ingest_messages(cast.service, batch.as_bytes()).await?;
        } else if workday && self.weekend_sent && !self.weekend_answered {
            self.weekend_answered = true;
            let id = conversation_of(app, cast, ON_WEEKEND).await?;
            app.reply_to_conversation(
                cast.operator,
                id,
                "您好，可以换的，请在订单里申请换货，选择 L 码即可。",
            )
            .await?;
        }
        if days_ago == 9 {
            let id = conversation_of(app, cast, ASKS_PRICE).await?;
            app.reply_to_conversation(cast.operator, id, "这款今天有活动，领券后 199 元，链接已发您。")
                .await?;
        }
        Ok(())
    }

    /// The operator calls the wholesale buyer (converted) and leaves the WeChat lead new.
    async fn follow_up_leads(&self, app: &App, cast: &Cast<'_>) -> AppResult<()> {
        let leads = app.leads(&cast.owner.actor, cast.account_id, &LeadQuery::default()).await?;
        let operator = cast.operator.actor.username.as_str();
        if let Some(wholesale) = leads.iter().find(|l| l.lead.user_id == WHOLESALE) {
            let id = wholesale.lead.id;
            app.update_lead(
                cast.operator,
                id,
                Some("contacted"),
                Some(operator),
                Some("已电话联系，发了报价单"),
            )
            .await?;
            app.update_lead(cast.operator, id, Some("converted"), None, Some("已下单 50 件团服")).await?;
        }
        let id = conversation_of(app, cast, WHOLESALE).await?;
        app.reply_to_conversation(cast.operator, id, "您好，已电话联系您，报价单请查收。").await?;
        Ok(())
    }
}

async fn set_up_rules(app: &App, cast: &Cast<'_>) -> AppResult<()> {
    let rules = [
        rule(
            "welcome",
            "欢迎语",
            &[],
            0,
            "message",
            "您好，欢迎来到小店科技！发送“价格”“发货”可以快速了解。",
        ),
        rule("away", "非工作时间", &[], 0, "message", domain::private_messages::AWAY_TEMPLATE_DEFAULT),
        rule(
            "keyword",
            "价格咨询",
            &["多少钱", "价格", "便宜"],
            10,
            "comment,message",
            "价格以橱窗为准，关注企业号可领 10 元优惠券～",
        ),
        rule("keyword", "发货时间", &["发货", "快递"], 20, "message", "下单后 48 小时内发货，默认顺丰。"),
    ];
    for input in &rules {
        app.create_auto_reply_rule(cast.owner, cast.account_id, input).await?;
    }
    Ok(())
}

/// One user message as a batch line, written at 09:40 of `day`.
fn message(account_id: i64, user: &str, id: &str, day: NaiveDate, text: &str) -> String {
    let at = crate::clock::china_midnight(day) + chrono::Duration::minutes(9 * 60 + 40);
    serde_json::json!({
        "account_id": account_id, "user_id": user, "message_id": id, "sender": "user",
        "text": text, "sent_at": at.to_rfc3339(),
    })
    .to_string()
}

async fn conversation_of(app: &App, cast: &Cast<'_>, user: &str) -> AppResult<i64> {
    let conversations = app.dm_conversations(&cast.owner.actor, cast.account_id, false, false).await?;
    conversations
        .iter()
        .find(|c| c.user_id == user)
        .map(|c| c.id)
        .ok_or_else(|| crate::AppError::internal(&format!("the demo conversation of {user} is missing")))
}
