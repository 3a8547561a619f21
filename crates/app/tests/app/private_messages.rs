//! Private messages (私信) through the use cases, on SQLite and PostgreSQL: a batch with a repeated
//! message id stores it once; a new conversation gets the welcome once; keyword rules fire by
//! priority and never for an automatic message; at 20:00 on the Friday before 清明 the away
//! message names Tuesday 09:00; a phone in a message becomes a lead, sealed, masked for the
//! operator and clear for the owner; every reply and auto-reply is on the platform feed once.

use std::sync::Arc;

use crate::support::{PASSWORD, at, ctx_of, user};
use app::private_messages::{LeadQuery, RuleInput};
use app::{App, AppConfig, ManualClock};
use test_support::{Backend, TestDb, both_backends};

fn line(account: i64, user: &str, id: &str, sender: &str, text: &str, automatic: bool) -> String {
    serde_json::json!({
        "account_id": account, "user_id": user, "message_id": id, "sender": sender, "text": text,
        "sent_at": "2026-04-03T19:59:00+08:00", "automatic": automatic,
    })
    .to_string()
}

fn rule(kind: &str, name: &str, keywords: &[&str], priority: i64, reply: &str) -> RuleInput {
    RuleInput {
        kind: kind.into(),
        name: name.into(),
        match_kind: Some("contains".into()),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        channels: Some("message".into()),
        priority: Some(priority),
        reply: reply.into(),
        ..RuleInput::default()
    }
}

both_backends!(messages_auto_replies_and_leads);

async fn messages_auto_replies_and_leads(backend: Backend) {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    // Friday 20:00; 2026-04-04..06 are the 清明 holidays.
    let start = at("2026-04-03T20:00:00+08:00");
    let clock = Arc::new(ManualClock::new(start));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let app =
        App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(start)), config).await.unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    let service = user(&app, "svc", "service", None).await;
    app.add_team_member(&owner, "m1-operator", PASSWORD, "operator").await.unwrap();
    let operator = ctx_of(&app, "m1-operator").await;
    let account = app.create_enterprise_account(&owner, "一号企业号", "").await.unwrap();

    app.create_auto_reply_rule(&owner, account.id, &rule("welcome", "欢迎", &[], 0, "欢迎光临一号企业号"))
        .await
        .unwrap();
    let away = "您好，现在是非工作时间，我们将在 {time} 后回复您。";
    app.create_auto_reply_rule(&owner, account.id, &rule("away", "下班", &[], 0, away)).await.unwrap();
    let price = app
        .create_auto_reply_rule(&owner, account.id, &rule("keyword", "价格", &["多少钱"], 20, "价格见橱窗"))
        .await
        .unwrap();
    let ship = app
        .create_auto_reply_rule(
            &owner,
            account.id,
            &rule("keyword", "发货", &["发货", "多少钱"], 10, "48 小时内发货"),
        )
        .await
        .unwrap();
    assert!(
        app.create_auto_reply_rule(&owner, account.id, &rule("welcome", "又一个", &[], 0, "x"))
            .await
            .is_err()
    );
    let tested = app.test_auto_reply(&owner.actor, account.id, "message", "运费多少钱？").await.unwrap();
    assert_eq!(tested.map(|r| r.id), Some(ship.id), "the smaller priority wins");
    let _ = price;

    let batch = [
        line(account.id, "u1", "m1", "user", "这个多少钱？", false),
        line(account.id, "u1", "m1", "user", "这个多少钱？", false),
        line(account.id, "u2", "m2", "user", "你好", false),
        line(account.id, "u3", "m3", "user", "多少钱", true),
        line(account.id + 99, "u4", "m4", "user", "你好", false),
    ]
    .join("\n");
    let outcome = app.ingest_messages(&service, batch.as_bytes()).await.unwrap();
    assert_eq!((outcome.lines, outcome.accepted, outcome.duplicates, outcome.rejected_count), (5, 4, 1, 1));
    // u1: welcome + keyword (发货 by priority); u2: welcome + away; u3 automatic: nothing.
    assert_eq!(outcome.auto_replies, 4);
    let again = app.ingest_messages(&service, batch.as_bytes()).await.unwrap();
    assert_eq!((again.duplicates, again.auto_replies), (4, 0), "a repeated batch changes nothing");

    let conversations = app.dm_conversations(&owner.actor, account.id, false, false).await.unwrap();
    let u2 = conversations.iter().find(|c| c.user_id == "u2").unwrap();
    let (_, messages) = app.dm_conversation(&owner.actor, u2.id).await.unwrap();
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        ["你好", "欢迎光临一号企业号", "您好，现在是非工作时间，我们将在 4月7日 09:00 后回复您。"]
    );
    assert!(messages[1..].iter().all(|m| m.automatic == 1 && m.rule_id.is_some()));
    let u1 = conversations.iter().find(|c| c.user_id == "u1").unwrap();
    let (_, messages) = app.dm_conversation(&owner.actor, u1.id).await.unwrap();
    assert_eq!(messages.last().map(|m| (m.text.as_str(), m.rule_id)), Some(("48 小时内发货", Some(ship.id))));

    // A second message of u1 later that night: no second welcome, no second away message.
    let more = line(account.id, "u1", "m5", "user", "我的电话 138 1234 5678，明天联系我", false);
    let outcome = app.ingest_messages(&service, more.as_bytes()).await.unwrap();
    assert_eq!((outcome.auto_replies, outcome.leads), (1, 1), "the away message once, one lead");
    let outcome = app
        .ingest_messages(&service, line(account.id, "u1", "m6", "user", "在吗", false).as_bytes())
        .await
        .unwrap();
    assert_eq!(outcome.auto_replies, 0, "the away message once per off-hours stretch");

    let masked = app.leads(&operator.actor, account.id, &LeadQuery::default()).await.unwrap();
    assert_eq!((masked[0].contact.as_str(), masked[0].masked), ("138****5678", true));
    let clear = app
        .leads(
            &owner.actor,
            account.id,
            &LeadQuery { status: Some("new".into()), source: Some("message".into()), owner: None },
        )
        .await
        .unwrap();
    assert_eq!((clear[0].contact.as_str(), clear[0].masked), ("13812345678", false));
    assert!(
        clear[0].lead.contact_sealed.starts_with("sealed")
            || !clear[0].lead.contact_sealed.contains("13812345678")
    );
    let lead = app
        .update_lead(&operator, clear[0].lead.id, Some("contacted"), Some("m1-operator"), None)
        .await
        .unwrap();
    assert_eq!(lead.status.as_str(), "contacted");
    assert!(app.update_lead(&operator, lead.id, Some("new"), None, None).await.is_err());

    // A member's reply answers and goes on the feed.
    clock.set(at("2026-04-07T09:30:00+08:00"));
    let reply = app.reply_to_conversation(&operator, u1.id, "您好，已为您登记").await.unwrap();
    assert_eq!(reply.sent_by.as_deref(), Some("m1-operator"));
    let (conversation, _) = app.dm_conversation(&owner.actor, u1.id).await.unwrap();
    assert_eq!((conversation.awaiting_since_ms, conversation.unread), (None, 0));

    let mut conn = app.db().read().await.unwrap();
    let events = store::feed::events_of_type(&mut conn, "message.reply_created").await.unwrap();
    assert_eq!(events.len(), 6, "five auto-replies and one reply, each once");
    let mut ids: Vec<String> = events
        .iter()
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.data).unwrap()["message_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
}

both_backends!(inbox_statistics_match_the_hand_count);

/// A fixture counted by hand (2026-03-02 is a Monday; working hours 09:00–18:00).
///
/// Comments, first answered by a member:
/// - c1 Mon 10:00 → Mon 10:02: 2 min
/// - c2 Mon 10:00 → Mon 10:05: 5 min
/// - c3 Mon 17:00 → Tue 10:00: 1 h + 1 h = 120 min
/// - c4 Mon 10:00 → Wed 10:00: 18 h = 1,080 min
///
/// Private messages (the welcome auto-reply is no answer):
/// - u1 Mon 11:00 → Mon 11:01: 1 min
/// - u2 Fri 03-06 17:30 → Mon 03-09 09:03: 30 min + 3 min = 33 min
/// - u3 Mon 03-09 09:00 → 09:03: 3 min (at the limit: within 3 minutes)
///
/// Comments sorted [2, 5, 120, 1080]: median (rank 2) 5 min, p90 (rank 4) 1,080 min, within 3 min
/// 1, within 12 h 3. Messages [1, 3, 33]: median 3, p90 33, within 3 min 2, within 12 h 3. Both
/// [1, 2, 3, 5, 33, 120, 1080]: median (rank 4) 5, p90 (rank 7) 1,080, within 3 min 3, within 12 h 6.
async fn inbox_statistics_match_the_hand_count(backend: Backend) {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-03-02T09:00:00+08:00")));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let app = App::new(
        db.open().await,
        clock.clone(),
        Arc::new(ManualClock::new(at("2026-03-02T09:00:00+08:00"))),
        config,
    )
    .await
    .unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    let service = user(&app, "svc", "service", None).await;
    let account = app.create_enterprise_account(&owner, "一号企业号", "").await.unwrap();
    let input = app::videos::VideoInput {
        title: "春季上新".into(),
        description: String::new(),
        tags: Vec::new(),
        external_url: Some("https://v.example.com/clip/1".into()),
    };
    let video = app.create_video(&owner, account.id, &input).await.unwrap();
    app.create_auto_reply_rule(&owner, account.id, &rule("welcome", "欢迎", &[], 0, "欢迎光临"))
        .await
        .unwrap();

    let comment = |id: &str, created: &str| {
        serde_json::json!({"video_id": video.id, "comment_id": id, "author_id": format!("fan-{id}"),
                           "text": "请问有货吗", "created_at": created})
        .to_string()
    };
    let comments = [
        comment("c1", "2026-03-02T10:00:00+08:00"),
        comment("c2", "2026-03-02T10:00:00+08:00"),
        comment("c3", "2026-03-02T17:00:00+08:00"),
        comment("c4", "2026-03-02T10:00:00+08:00"),
    ]
    .join("\n");
    clock.set(at("2026-03-02T17:00:00+08:00"));
    assert_eq!(app.ingest_comments(&service, comments.as_bytes()).await.unwrap().stored(), 4);
    let message = |user: &str, id: &str, sent: &str| {
        serde_json::json!({"account_id": account.id, "user_id": user, "message_id": id, "sender": "user",
                           "text": "在吗", "sent_at": sent})
        .to_string()
    };
    clock.set(at("2026-03-02T11:00:00+08:00"));
    app.ingest_messages(&service, message("u1", "m1", "2026-03-02T11:00:00+08:00").as_bytes()).await.unwrap();

    let stored =
        app.comments(&owner.actor, account.id, &app::comments::CommentQuery::default()).await.unwrap();
    let comment_id = |id: &str| stored.items.iter().find(|c| c.external_id == id).unwrap().id;
    let conversation_id = |user: &'static str| {
        let app = &app;
        let owner = &owner;
        async move {
            let list = app.dm_conversations(&owner.actor, account.id, false, false).await.unwrap();
            list.iter().find(|c| c.user_id == user).unwrap().id
        }
    };
    let reply_comment = |id: i64, when: &'static str| {
        let (app, owner, clock) = (&app, &owner, &clock);
        async move {
            clock.set(at(when));
            app.reply_to_comment(owner, id, "有的").await.unwrap();
        }
    };
    reply_comment(comment_id("c1"), "2026-03-02T10:02:00+08:00").await;
    reply_comment(comment_id("c2"), "2026-03-02T10:05:00+08:00").await;
    clock.set(at("2026-03-02T11:01:00+08:00"));
    app.reply_to_conversation(&owner, conversation_id("u1").await, "在的").await.unwrap();
    reply_comment(comment_id("c3"), "2026-03-03T10:00:00+08:00").await;
    reply_comment(comment_id("c4"), "2026-03-04T10:00:00+08:00").await;

    clock.set(at("2026-03-06T17:30:00+08:00"));
    app.ingest_messages(&service, message("u2", "m2", "2026-03-06T17:30:00+08:00").as_bytes()).await.unwrap();
    clock.set(at("2026-03-09T09:00:00+08:00"));
    let outcome = app
        .ingest_messages(&service, message("u3", "m3", "2026-03-09T09:00:00+08:00").as_bytes())
        .await
        .unwrap();
    assert_eq!(outcome.auto_replies, 1, "the welcome, which answers nothing");
    clock.set(at("2026-03-09T09:03:00+08:00"));
    app.reply_to_conversation(&owner, conversation_id("u2").await, "您好").await.unwrap();
    app.reply_to_conversation(&owner, conversation_id("u3").await, "您好").await.unwrap();

    let stats = app.inbox_stats(&owner.actor, account.id, None).await.unwrap();
    let minute = 60_000;
    let figures = |t: domain::comments::ResponseTimes| {
        (
            t.count,
            t.median_ms.map(|m| m / minute),
            t.p90_ms.map(|m| m / minute),
            t.within_fast,
            t.within_half_day,
        )
    };
    assert_eq!(figures(stats.comments), (4, Some(5), Some(1080), 1, 3));
    assert_eq!(figures(stats.messages), (3, Some(3), Some(33), 2, 3));
    assert_eq!(figures(stats.all), (7, Some(5), Some(1080), 3, 6));
    assert_eq!(stats.all.fast_share_permille(), Some(428));
    assert_eq!((stats.comments_awaiting, stats.conversations_awaiting), (0, 0));
    assert!(app.inbox_stats(&owner.actor, account.id, Some(0)).await.is_err());
}

both_backends!(racing_batches_store_and_answer_once);

/// The platform retries a batch while the first try is still running: eight copies at once store
/// each message once and send each auto-reply once.
async fn racing_batches_store_and_answer_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let start = at("2026-04-03T20:00:00+08:00");
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..AppConfig::default() };
    let app = App::new(
        db.open().await,
        Arc::new(ManualClock::new(start)),
        Arc::new(ManualClock::new(start)),
        config,
    )
    .await
    .unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    let service = user(&app, "svc", "service", None).await;
    let account = app.create_enterprise_account(&owner, "一号企业号", "").await.unwrap();
    app.create_auto_reply_rule(&owner, account.id, &rule("welcome", "欢迎", &[], 0, "欢迎光临"))
        .await
        .unwrap();
    app.create_auto_reply_rule(&owner, account.id, &rule("keyword", "价格", &["多少钱"], 10, "价格见橱窗"))
        .await
        .unwrap();
    let batch: String = (0..20)
        .map(|n| line(account.id, &format!("u{}", n % 5), &format!("m{n}"), "user", "这个多少钱？", false))
        .collect::<Vec<_>>()
        .join("\n");
    let runs = (0..8).map(|_| {
        let (app, service, batch) = (app.clone(), service.clone(), batch.clone());
        tokio::spawn(async move { app.ingest_messages(&service, batch.as_bytes()).await.unwrap() })
    });
    let outcomes: Vec<_> = futures_join(runs).await;
    let stored: usize = outcomes.iter().map(|o| o.accepted - o.duplicates).sum();
    let replies: usize = outcomes.iter().map(|o| o.auto_replies).sum();
    // 20 messages from 5 users: 5 welcomes and 20 keyword replies, whoever got there first.
    assert_eq!((stored, replies), (20, 25));
    let mut conn = app.db().read().await.unwrap();
    let events = store::feed::events_of_type(&mut conn, "message.reply_created").await.unwrap();
    assert_eq!(events.len(), 25);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}
