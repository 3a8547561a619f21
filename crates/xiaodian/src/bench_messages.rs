//! `xiaodian bench messages`: private messages ingested per second through
//! `App::ingest_messages` (NDJSON batches, one transaction each) with the auto-replies evaluated
//! (a welcome, an away message and keyword rules), checked afterwards: a replayed batch stores
//! nothing and sends nothing, and every stored message and auto-reply is counted once.

use std::process::ExitCode;

use app::Ctx;
use app::private_messages::RuleInput;

use crate::bench::{bench_users, ms, open, progress, quantile_of, send_in_flight, tempfile_dir};

/// The figure the issue sets.
const TARGET_MESSAGES_PER_SECOND: f64 = 50_000.0;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub count: u64,
    pub batch: u64,
    /// Platform users writing to the account.
    pub users: u64,
    pub pattern: Pattern,
    /// Batches in flight at once.
    pub senders: u64,
}

/// How the messages are spread over the users and the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pattern {
    /// As chats happen: each user writes their messages in one sitting (20 s to 2 min apart)
    /// starting at a random time of the day, and the platform sends them in time order, so a
    /// batch holds the conversations going on in its quarter of an hour.
    Sessions,
    /// The worst case for storage: message `n` comes from user `n mod users` at a time spread over
    /// the day, so every line of a batch is in a different conversation.
    RoundRobin,
}

/// One user message to send: when, from whom, and its number (it picks the text and the id).
#[derive(Debug, Clone, Copy)]
struct Planned {
    sent_at_ms: i64,
    user: u64,
    n: u64,
}

/// The messages in the order the platform sends them.
fn schedule(sizes: Sizes, now_ms: i64) -> Vec<Planned> {
    let users = sizes.users.max(1);
    match sizes.pattern {
        Pattern::RoundRobin => (0..sizes.count)
            .map(|n| Planned {
                sent_at_ms: now_ms - DAY_MS + (n as i64 * 7_919) % DAY_MS,
                user: n % users,
                n,
            })
            .collect(),
        Pattern::Sessions => {
            let mut rng = crate::bench::Rng(0x5eed_0019);
            let mut planned = Vec::with_capacity(sizes.count as usize);
            let (each, extra) = (sizes.count / users, sizes.count % users);
            let mut n = 0;
            for user in 0..users.min(sizes.count) {
                let mut at = now_ms - DAY_MS + rng.below(DAY_MS - 3_600_000);
                for _ in 0..each + u64::from(user < extra) {
                    planned.push(Planned { sent_at_ms: at, user, n });
                    at += 20_000 + rng.below(100_000);
                    n += 1;
                }
            }
            planned.sort_by_key(|p| (p.sent_at_ms, p.n));
            planned
        }
    }
}

const TEXTS: &[&str] = &[
    "你好，在吗",
    "这个多少钱？",
    "什么时候发货",
    "有没有优惠券",
    "尺码怎么选",
    "收到了，质量很好",
    "可以开发票吗",
    "我的电话 {phone}，方便时联系我",
    "包邮吗",
    "Is this in stock?",
];

const KEYWORD_RULES: &[(&str, &[&str], &str)] = &[
    ("价格", &["多少钱", "价格"], "价格请看橱窗，今天下单有优惠"),
    ("发货", &["发货", "快递"], "48 小时内发货，默认顺丰"),
    ("优惠", &["优惠券", "优惠"], "关注后领取 10 元优惠券"),
    ("发票", &["发票"], "可以开电子发票，下单时备注抬头"),
    ("包邮", &["包邮"], "全国包邮（偏远地区除外）"),
];

/// One NDJSON batch of the planned user messages: one text in ten leaves a phone number, most
/// ask something a keyword rule answers.
fn message_batch(account_id: i64, suffix: &str, planned: &[Planned]) -> Vec<u8> {
    let mut body = Vec::with_capacity(planned.len() * 190);
    for &Planned { sent_at_ms, user, n } in planned {
        let sent_at = chrono::DateTime::from_timestamp_millis(sent_at_ms)
            .unwrap_or_default()
            .with_timezone(&app::clock::china_offset())
            .to_rfc3339();
        let text = TEXTS[((n + user / 7) % TEXTS.len() as u64) as usize]
            .replace("{phone}", &format!("139{:08}", n % 100_000_000));
        let line = format!(
            "{{\"account_id\":{account_id},\"user_id\":\"u{user}\",\"message_id\":\"m{sent_at_ms:011x}-{suffix}-{n}\",\"sender\":\"user\",\"text\":\"{text}\",\"sent_at\":\"{sent_at}\"}}\n",
        );
        body.extend_from_slice(line.as_bytes());
    }
    body
}

fn rule(kind: &str, name: &str, keywords: &[&str], priority: i64, reply: &str) -> RuleInput {
    RuleInput {
        kind: kind.into(),
        name: name.into(),
        match_kind: Some("contains".into()),
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        channels: Some("message".into()),
        priority: Some(priority),
        reply: reply.into(),
        ..RuleInput::default()
    }
}

pub async fn run(db: Option<String>, sizes: Sizes) -> anyhow::Result<ExitCode> {
    let batch = sizes.batch.clamp(1, domain::limits::MESSAGE_BATCH_LINES_MAX as u64);
    let temp = tempfile_dir()?;
    let app = open(db, &temp).await?;
    let backend = app.db().backend().as_str();
    let suffix = format!("{}", std::process::id());
    let (merchant, service) = bench_users(&app, &suffix).await?;
    let merchant = Ctx { actor: merchant, request_id: "bench".into() };
    let service = Ctx { actor: service, request_id: "bench".into() };
    let account = app.create_enterprise_account(&merchant, &format!("私信压测{suffix}"), "").await?;
    app.create_auto_reply_rule(&merchant, account.id, &rule("welcome", "欢迎语", &[], 0, "您好，欢迎光临"))
        .await?;
    let away = domain::private_messages::AWAY_TEMPLATE_DEFAULT;
    app.create_auto_reply_rule(&merchant, account.id, &rule("away", "下班", &[], 0, away)).await?;
    for (priority, (name, keywords, reply)) in KEYWORD_RULES.iter().enumerate() {
        let priority = i64::try_from(priority)? * 10 + 10;
        app.create_auto_reply_rule(&merchant, account.id, &rule("keyword", name, keywords, priority, reply))
            .await?;
    }
    let now_ms = app.clock().now_ms();

    let planned = schedule(sizes, now_ms);
    // Every body is written before the clock starts, so the figure is the ingest's alone.
    let bodies: Vec<(u64, Vec<u8>)> = planned
        .chunks(batch as usize)
        .map(|chunk| (chunk.len() as u64, message_batch(account.id, &suffix, chunk)))
        .collect();
    let bar = progress(sizes.count);
    let mut latencies = Vec::new();
    let (mut stored, mut auto_replies, mut leads) = (0_u64, 0_u64, 0_u64);
    let senders = sizes.senders.clamp(1, 8) as usize;
    let bodies: Vec<(usize, u64, Vec<u8>)> =
        bodies.into_iter().enumerate().map(|(number, (lines, body))| (number, lines, body)).collect();
    let send = {
        let (app, service) = (app.clone(), service.clone());
        move |body: Vec<u8>| {
            let (app, service) = (app.clone(), service.clone());
            async move { app.ingest_messages(&service, &body).await }
        }
    };
    let ingest_time = send_in_flight(senders, bodies, send, |number, lines, elapsed, outcome| {
        latencies.push(elapsed);
        anyhow::ensure!(outcome.rejected_count == 0, "batch {number} refused lines: {:?}", outcome.rejected);
        stored += (outcome.accepted - outcome.duplicates) as u64;
        auto_replies += outcome.auto_replies as u64;
        leads += outcome.leads as u64;
        bar.inc(lines);
        Ok(())
    })
    .await?;
    bar.finish_and_clear();

    // The same first batch again: every line a duplicate, no auto-reply sent twice.
    let body = message_batch(account.id, &suffix, &planned[..batch.min(sizes.count) as usize]);
    let replay = app.ingest_messages(&service, &body).await?;
    anyhow::ensure!(
        replay.duplicates == replay.accepted && replay.auto_replies == 0,
        "a replayed batch stored {} messages and sent {} auto-replies",
        replay.accepted - replay.duplicates,
        replay.auto_replies
    );
    anyhow::ensure!(stored == sizes.count, "stored {stored} of {} messages", sizes.count);
    let mut conn = app.db().read().await?;
    let (conversations, _, _) = store::private_messages::conversation_counts(&mut conn, account.id).await?;
    drop(conn);
    let expected_conversations = sizes.users.min(sizes.count);
    anyhow::ensure!(
        u64::try_from(conversations)? == expected_conversations,
        "{conversations} conversations for {expected_conversations} users"
    );
    anyhow::ensure!(
        auto_replies >= expected_conversations,
        "{auto_replies} auto-replies: not every welcome went out"
    );

    latencies.sort_unstable();
    let quantile = |q: f64| quantile_of(&latencies, q);
    let rate = sizes.count as f64 / ingest_time.as_secs_f64();
    println!(
        "{backend}: ingested {} private messages in {:.1} s: {rate:.0} messages/s with auto-replies on \
         (batches of {batch} lines, {senders} in flight: p50 {:.1} ms, p99 {:.1} ms; target >= {TARGET_MESSAGES_PER_SECOND:.0}/s: {})",
        sizes.count,
        ingest_time.as_secs_f64(),
        ms(quantile(0.50)),
        ms(quantile(0.99)),
        if rate >= TARGET_MESSAGES_PER_SECOND { "pass" } else { "missed" }
    );
    println!(
        "{conversations} conversations, {auto_replies} auto-replies, {leads} leads; a replayed batch: {} duplicates, 0 stored, 0 sent",
        replay.duplicates
    );
    let _ = std::fs::remove_dir_all(&temp);
    Ok(ExitCode::SUCCESS)
}
