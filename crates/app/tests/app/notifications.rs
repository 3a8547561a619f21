//! Story tests of the notification centre and outbound webhooks, on SQLite and PostgreSQL: each team
//! member sees the kinds its role acts on and keeps its own read marks; a webhook event is written with
//! the notification and sent later (never inside the request), signed, retried with backoff on the app
//! clock until a 2xx answer or the last attempt, and every attempt is logged.

use std::sync::{Arc, Mutex};

use crate::support::{PASSWORD, ctx_of, user};
use app::videos::VideoInput;
use app::{App, AppConfig, AppError, Clock, Code, Ctx, ManualClock};
use chrono::{DateTime, Utc};
use test_support::{Backend, TestDb, both_backends};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    owner: Ctx,
    operator: Ctx,
    approver: Ctx,
    finance: Ctx,
    other: Ctx,
    admin: Ctx,
    _data: tempfile::TempDir,
    _db: TestDb,
}

async fn member(app: &App, owner: &Ctx, username: &str, team_role: &str) -> Ctx {
    app.add_team_member(owner, username, PASSWORD, team_role).await.unwrap();
    ctx_of(app, username).await
}

async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-05-11T10:00:00+08:00").unwrap().to_utc();
    let clock = Arc::new(ManualClock::new(start));
    // The test's receivers listen on loopback, which only an intranet install allows.
    let config = AppConfig {
        data_dir: data.path().to_path_buf(),
        webhook_allow_private: true,
        ..AppConfig::default()
    };
    let app =
        App::new(db.open().await, clock.clone(), Arc::new(ManualClock::new(start)), config).await.unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    Fixture {
        operator: member(&app, &owner, "m1-operator", "operator").await,
        approver: member(&app, &owner, "m1-approver", "approver").await,
        finance: member(&app, &owner, "m1-finance", "finance").await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        admin: user(&app, "boss", "admin", None).await,
        owner,
        app,
        clock,
        _data: data,
        _db: db,
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> Code {
    result.unwrap_err().code
}

/// The operator drafts and submits a video (a `video.submitted` notice); the approver sends it back
/// (a `video.sent_back` notice).
async fn submit_and_send_back(f: &Fixture) -> i64 {
    let account = f.app.create_enterprise_account(&f.owner, "一号旗舰店", "").await.unwrap();
    let input = VideoInput {
        title: "上新".into(),
        description: "春季新品".into(),
        tags: vec!["上新".into()],
        external_url: Some("https://v.example.com/1".into()),
    };
    let video = f.app.create_video(&f.operator, account.id, &input).await.unwrap();
    f.app.submit_video(&f.operator, video.id).await.unwrap();
    f.app.send_back_video(&f.approver, video.id, "封面模糊，请重新上传").await.unwrap();
    video.id
}

async fn kinds(f: &Fixture, ctx: &Ctx, unread: bool) -> Vec<String> {
    let page = f.app.notifications(&ctx.actor, unread, None, None).await.unwrap();
    page.items.into_iter().map(|n| n.kind).collect()
}

both_backends!(each_member_sees_its_own_centre, webhooks_are_signed_retried_and_logged);
both_backends!(a_dead_endpoint_fails_after_the_last_attempt);
both_backends!(mark_all_read_stops_at_the_newest_seen_and_is_each_members_own);

/// The owner marks all read up to the older of two notices: the newer one, arrived since, stays
/// unread; then all of them; a second time marks nothing; the operator's marks are untouched.
async fn mark_all_read_stops_at_the_newest_seen_and_is_each_members_own(backend: Backend) {
    let f = fixture(backend).await;
    submit_and_send_back(&f).await;
    let page = f.app.notifications(&f.owner.actor, false, None, None).await.unwrap();
    let (newer, older) = (page.items[0].id, page.items[1].id);
    assert!(newer > older);
    assert_eq!(f.app.mark_all_notifications_read(&f.owner, Some(older)).await.unwrap(), 1);
    assert_eq!(kinds(&f, &f.owner, true).await, ["video.sent_back"], "the newer one stays unread");
    assert_eq!(f.app.mark_all_notifications_read(&f.owner, None).await.unwrap(), 1);
    assert_eq!(f.app.unread_notifications(&f.owner.actor).await.unwrap(), 0);
    assert_eq!(f.app.mark_all_notifications_read(&f.owner, None).await.unwrap(), 0, "nothing twice");
    assert_eq!(f.app.unread_notifications(&f.operator.actor).await.unwrap(), 1, "the operator's own marks");
    assert_eq!(code(f.app.mark_all_notifications_read(&f.owner, Some(0)).await), Code::InvalidField);
    assert_eq!(code(f.app.mark_all_notifications_read(&f.admin, None).await), Code::Forbidden);
    // Sixteen at once mark each notice once.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (app, ctx) = (f.app.clone(), f.operator.clone());
        tasks.spawn(async move { app.mark_all_notifications_read(&ctx, None).await.unwrap() });
    }
    let marked: u64 = tasks.join_all().await.into_iter().sum();
    assert_eq!(marked, 1);
    assert_eq!(f.app.unread_notifications(&f.operator.actor).await.unwrap(), 0);
}

async fn each_member_sees_its_own_centre(backend: Backend) {
    let f = fixture(backend).await;
    submit_and_send_back(&f).await;
    assert_eq!(kinds(&f, &f.owner, false).await, ["video.sent_back", "video.submitted"]);
    assert_eq!(kinds(&f, &f.approver, false).await, ["video.submitted"]);
    assert_eq!(kinds(&f, &f.operator, false).await, ["video.sent_back"]);
    assert!(kinds(&f, &f.finance, false).await.is_empty(), "nothing about money happened");
    assert!(kinds(&f, &f.other, false).await.is_empty(), "another merchant sees nothing");
    assert_eq!(f.app.unread_notifications(&f.owner.actor).await.unwrap(), 2);
    assert_eq!(f.app.unread_notifications(&f.approver.actor).await.unwrap(), 1);

    let submitted = f.app.notifications(&f.approver.actor, true, None, None).await.unwrap().items[0].clone();
    assert_eq!(submitted.link, format!("/console/videos/{}", submitted.link.rsplit('/').next().unwrap()));
    let read = f.app.mark_notification_read(&f.approver, submitted.id).await.unwrap();
    assert!(read.read_at_ms.is_some());
    f.app.mark_notification_read(&f.approver, submitted.id).await.unwrap();
    assert_eq!(f.app.unread_notifications(&f.approver.actor).await.unwrap(), 0);
    assert!(kinds(&f, &f.approver, true).await.is_empty());
    assert_eq!(
        f.app.unread_notifications(&f.owner.actor).await.unwrap(),
        2,
        "read marks are each member's own"
    );

    let sent_back = f.app.notifications(&f.operator.actor, false, None, None).await.unwrap().items[0].id;
    assert_eq!(code(f.app.mark_notification_read(&f.approver, sent_back).await), Code::NotFound);
    assert_eq!(code(f.app.mark_notification_read(&f.other, sent_back).await), Code::NotFound);
    assert_eq!(code(f.app.mark_notification_read(&f.admin, sent_back).await), Code::Forbidden);
    assert_eq!(code(f.app.notifications(&f.admin.actor, false, None, None).await), Code::Forbidden);
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
}

/// A webhook endpoint on a free port answering the scripted statuses in turn (then 200).
async fn receiver(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/xiaodian", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut statuses = statuses.into_iter();
        while let Ok((mut socket, _)) = listener.accept().await {
            let received = read_request(&mut socket).await;
            log.lock().unwrap().push(received);
            let status = statuses.next().unwrap_or(200);
            let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            socket.write_all(answer.as_bytes()).await.unwrap();
        }
    });
    (url, seen)
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Received {
    let mut bytes = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        let n = socket.read(&mut buffer).await.unwrap();
        bytes.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let headers: Vec<(String, String)> = text[..end]
                .lines()
                .skip(1)
                .filter_map(|line| line.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length: usize =
                headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
            if bytes.len() >= end + 4 + length || n == 0 {
                let body = String::from_utf8_lossy(&bytes[end + 4..]).into_owned();
                return Received { headers, body };
            }
        }
        assert!(n > 0, "the sender closed the connection early");
    }
}

async fn webhooks_are_signed_retried_and_logged(backend: Backend) {
    let f = fixture(backend).await;
    let (url, seen) = receiver(vec![500]).await;

    assert_eq!(code(f.app.set_webhook(&f.operator, &url).await), Code::Forbidden);
    assert_eq!(code(f.app.set_webhook(&f.owner, "ftp://example.com/hook").await), Code::InvalidField);
    assert_eq!(code(f.app.ping_webhook(&f.owner).await), Code::NotFound, "no endpoint yet");
    assert!(f.app.webhook(&f.owner.actor).await.unwrap().is_none());
    let set = f.app.set_webhook(&f.owner, &url).await.unwrap();
    assert!(set.secret.starts_with("whsec_") && set.secret.len() == 54);
    assert_eq!(f.app.webhook(&f.owner.actor).await.unwrap().unwrap().url, url);

    submit_and_send_back(&f).await;
    let page = f.app.webhook_deliveries(&f.owner.actor, None, None).await.unwrap();
    assert_eq!(page.items.len(), 2, "one event per notification");
    assert!(page.items.iter().all(|d| d.status.as_str() == "pending" && d.attempts == 0));
    assert!(seen.lock().unwrap().is_empty(), "the requests that caused them never called the endpoint");

    // The first attempt of each: the endpoint answers 500 to the first request, 200 to the second.
    assert_eq!(f.app.send_due_webhooks().await.unwrap(), 2);
    let first = page.items[1].id;
    let log = f.app.webhook_delivery(&f.owner.actor, first).await.unwrap();
    assert_eq!((log.delivery.status.as_str(), log.delivery.attempts), ("pending", 1));
    assert_eq!(log.delivery.last_status_code, Some(500));
    assert_eq!(log.delivery.next_attempt_at_ms, f.clock.now_ms() + 30_000, "retried after 30 s");
    let second = f.app.webhook_delivery(&f.owner.actor, page.items[0].id).await.unwrap();
    assert_eq!((second.delivery.status.as_str(), second.delivery.attempts), ("delivered", 1));

    for request in seen.lock().unwrap().iter() {
        let signed = request.header("x-xiaodian-signature");
        let t: i64 = signed.strip_prefix("t=").and_then(|s| s.split(',').next()).unwrap().parse().unwrap();
        assert_eq!(t, f.clock.now().timestamp());
        assert_eq!(signed, app::webhooks::signature(&set.secret, t, &request.body));
        assert_ne!(signed, app::webhooks::signature("whsec_wrong", t, &request.body));
        let event: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(event["event"], "notification.created");
        assert_eq!(request.header("content-type"), "application/json");
    }
    let first_body: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0].body).unwrap();
    assert_eq!(first_body["notification"]["kind"], "video.submitted");

    assert_eq!(f.app.send_due_webhooks().await.unwrap(), 0, "not before the backoff");
    f.clock.advance_ms(29_999);
    assert_eq!(f.app.send_due_webhooks().await.unwrap(), 0);
    f.clock.advance_ms(1);
    assert_eq!(f.app.send_due_webhooks().await.unwrap(), 1);
    let log = f.app.webhook_delivery(&f.owner.actor, first).await.unwrap();
    assert_eq!((log.delivery.status.as_str(), log.delivery.attempts), ("delivered", 2));
    let answers: Vec<Option<i64>> = log.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(answers, [Some(500), Some(200)]);
    assert_eq!(log.attempts[0].error.as_deref(), Some("HTTP 500"));
    assert_eq!(seen.lock().unwrap().len(), 3);

    // Each merchant sees its own log only; a ping goes out like any event.
    assert_eq!(code(f.app.webhook_delivery(&f.other.actor, first).await), Code::NotFound);
    assert_eq!(code(f.app.webhook_deliveries(&f.finance.actor, None, None).await), Code::Forbidden);
    let ping = f.app.ping_webhook(&f.owner).await.unwrap();
    assert_eq!(f.app.send_due_webhooks().await.unwrap(), 1);
    assert_eq!(
        f.app.webhook_delivery(&f.owner.actor, ping.id).await.unwrap().delivery.status.as_str(),
        "delivered"
    );
    assert_eq!(seen.lock().unwrap()[3].header("x-xiaodian-event"), "ping");
}

async fn a_dead_endpoint_fails_after_the_last_attempt(backend: Backend) {
    let f = fixture(backend).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/gone", closed.local_addr().unwrap());
    drop(closed);
    f.app.set_webhook(&f.owner, &url).await.unwrap();
    let ping = f.app.ping_webhook(&f.owner).await.unwrap();
    let mut waits = Vec::new();
    for _ in 0..domain::limits::WEBHOOK_ATTEMPTS_MAX {
        assert_eq!(f.app.send_due_webhooks().await.unwrap(), 1);
        let log = f.app.webhook_delivery(&f.owner.actor, ping.id).await.unwrap();
        if log.delivery.status.as_str() == "pending" {
            let wait = log.delivery.next_attempt_at_ms - f.clock.now_ms();
            waits.push(wait / 1000);
            f.clock.advance_ms(wait);
        }
    }
    assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920]);
    let log = f.app.webhook_delivery(&f.owner.actor, ping.id).await.unwrap();
    assert_eq!((log.delivery.status.as_str(), log.delivery.attempts), ("failed", 8));
    assert!(log.attempts.iter().all(|a| a.status_code.is_none() && a.error.is_some()));
    f.clock.advance_ms(86_400_000);
    assert_eq!(f.app.send_due_webhooks().await.unwrap(), 0, "a failed event is not sent again");
    assert_eq!(kinds(&f, &f.owner, false).await, ["webhook.failing"]);
    let deliveries = f.app.webhook_deliveries(&f.owner.actor, None, None).await.unwrap();
    assert_eq!(deliveries.items.len(), 1, "the notice of the failure is not sent to the failing endpoint");

    f.app.delete_webhook(&f.owner).await.unwrap();
    assert_eq!(code(f.app.delete_webhook(&f.owner).await), Code::NotFound);
}
