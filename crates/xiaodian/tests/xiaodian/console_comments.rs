//! The comment inbox, the notification badge and the webhook page in headless Chromium: the platform
//! sends comments as NDJSON; the owner sees the count awaiting a reply, filters, replies, hides and pins
//! in the inbox; a member without the reply right sees no reply box; the navigation's badge counts the
//! owner's unread notifications; the owner sets a webhook and sees its secret once, then the log.

use serde_json::json;
use test_support::browser::{Browser, Locator};
use test_support::{Server, TestDb};

use crate::console::{click, count, log_in, text, wait_for_notice, wait_for_path};
use crate::{add_users, binary, password};

/// Waits until the page's address has `part` in its query and the page under it has loaded.
async fn wait_for_query(browser: &Browser, part: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let url = browser.page.current_url().await.unwrap();
        let ready = browser.page.execute("return document.readyState;", vec![]).await.unwrap();
        if url.query().is_some_and(|q| q.contains(part)) && ready == json!("complete") {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "still on {url}, expected {part}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_inbox_badge_and_webhook_in_chromium() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap().to_owned();
    let server = Server::start(
        binary(),
        &[
            "--db",
            &db.url,
            "--data-dir",
            &data,
            "--clock",
            "manual=2026-06-02T10:00:00+08:00",
            "--webhook-allow-private",
        ],
    );
    let base = server.base.as_str();
    let owner = server.client().login("m1", &password("m1")).await;
    let service = server.client().login("svc", &password("svc")).await;
    let body = json!({"username": "m1-finance", "password": password("m1-finance"), "team_role": "finance"});
    assert_eq!(owner.post("/api/v1/team/members", &body).await.status, 201);
    let account =
        owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号精选"})).await.json["id"]
            .as_i64()
            .unwrap();
    let draft = json!({"title": "夏季新品", "description": "", "tags": [], "external_url": "https://v.example.com/1"});
    let video = owner.post(&format!("/api/v1/enterprise-accounts/{account}/videos"), &draft).await.json["id"]
        .as_i64()
        .unwrap();
    let lines = [
        json!({"video_id": video, "comment_id": "c1", "author_id": "u1", "text": "什么时候发货？", "created_at": "2026-06-01T09:00:00+08:00"}),
        json!({"video_id": video, "comment_id": "c2", "author_id": "u2", "text": "质量太差了，退货", "created_at": "2026-06-01T11:00:00+08:00"}),
        json!({"video_id": video, "comment_id": "c3", "author_id": "u3", "text": "好看！", "created_at": "2026-06-01T12:00:00+08:00"}),
    ];
    let ndjson: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let batch = service.post_raw("/api/v1/comments:batch", "application/x-ndjson", ndjson.into_bytes()).await;
    assert_eq!((batch.status, batch.json["accepted"].as_i64()), (200, Some(3)), "{}", batch.text);
    // A video submitted for approval: the owner has one unread notification.
    assert_eq!(owner.post(&format!("/api/v1/videos/{video}/submit"), &json!({})).await.status, 200);

    let browser = Browser::start().await;
    let page = &browser.page;
    log_in(&browser, base, "m1").await;
    assert_eq!(text(&browser, "#unread-badge").await, "1", "the badge counts unread notifications");

    // The inbox from the account page: three awaiting a reply, newest first.
    page.goto(&format!("{base}/console/enterprise-accounts/{account}")).await.unwrap();
    click(&browser, "#account-comments").await;
    wait_for_path(&browser, &format!("/console/enterprise-accounts/{account}/comments")).await;
    assert_eq!(text(&browser, "#unanswered-count").await, "3");
    let first = text(&browser, "#comments li.comment .text").await;
    assert_eq!(first, "好看！");

    // Keyword filter, then a reply from the filtered inbox comes back to it.
    let q = page.find(Locator::Css("#comment-filter input[name=q]")).await.unwrap();
    q.send_keys("退货").await.unwrap();
    click(&browser, "#comment-filter button").await;
    wait_for_query(&browser, "q=").await;
    assert_eq!(count(&browser, "#comments li.comment").await, 1);
    let reply_box = page.find(Locator::Css("li.comment form.reply textarea")).await.unwrap();
    reply_box.send_keys("非常抱歉，已为您安排退换货。").await.unwrap();
    click(&browser, "li.comment form.reply button").await;
    assert_eq!(wait_for_notice(&browser, "comment_replied").await, "回复已发布。");
    assert!(
        page.current_url().await.unwrap().query().unwrap().contains("q=%E9%80%80%E8%B4%A7"),
        "filters kept"
    );
    assert_eq!(text(&browser, "#unanswered-count").await, "2");

    // Awaiting a reply only; hide one, pin the other.
    page.goto(&format!("{base}/console/enterprise-accounts/{account}/comments?unanswered=1")).await.unwrap();
    assert_eq!(count(&browser, "#comments li.comment").await, 2);
    click(&browser, "li.comment[data-id] form.inline:not(.sentiment) button").await;
    assert_eq!(wait_for_notice(&browser, "comment_hidden").await, "评论已隐藏。");
    assert_eq!(text(&browser, "#unanswered-count").await, "1", "a hidden comment awaits nothing");
    page.goto(&format!("{base}/console/enterprise-accounts/{account}/comments?unanswered=1")).await.unwrap();
    let pin = page.find_all(Locator::Css("li.comment form.inline:not(.sentiment) button")).await.unwrap();
    pin[1].click().await.unwrap();
    assert_eq!(wait_for_notice(&browser, "comment_pinned").await, "评论已置顶（同一视频原置顶评论已取消）。");

    // The webhook page: the secret shows once; a ping is logged as pending.
    page.goto(&format!("{base}/console/notifications")).await.unwrap();
    click(&browser, "#webhook-link").await;
    wait_for_path(&browser, "/console/webhook").await;
    assert!(text(&browser, "#webhook-none").await.contains("尚未设置"));
    page.find(Locator::Id("url")).await.unwrap().send_keys("http://127.0.0.1:9/hook").await.unwrap();
    click(&browser, "#webhook-form button").await;
    let secret =
        browser.page.wait().for_element(Locator::Css("#secret")).await.unwrap().text().await.unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() == 54, "{secret}");
    assert_eq!(
        page.current_url().await.unwrap().path(),
        "/console/webhook",
        "set, then redirected to the page"
    );
    page.refresh().await.unwrap();
    assert_eq!(
        count(&browser, "#secret").await,
        0,
        "a refresh neither sets it again nor shows the secret again"
    );
    click(&browser, "#ping").await;
    assert_eq!(wait_for_notice(&browser, "webhook_pinged").await, "测试事件已排队，稍后发送。");
    assert_eq!(count(&browser, "#deliveries tr.delivery").await, 1);
    assert_eq!(count(&browser, "#secret").await, 0, "the secret is shown only once");

    // Finance reads the inbox without reply boxes and has no webhook page.
    click(&browser, "#logout").await;
    wait_for_path(&browser, "/console/login").await;
    log_in(&browser, base, "m1-finance").await;
    assert_eq!(count(&browser, "#unread-badge").await, 0, "a video to approve is not finance's");
    page.goto(&format!("{base}/console/enterprise-accounts/{account}/comments")).await.unwrap();
    assert_eq!(count(&browser, "#comments li.comment").await, 4, "three comments and the reply");
    assert_eq!(count(&browser, "form.reply").await, 0);
    page.goto(&format!("{base}/console/webhook")).await.unwrap();
    assert!(text(&browser, "main").await.contains("无权"), "finance may not manage the webhook");
}
