//! Videos in headless Chromium on the manual clock: the owner adds an approver on the team page,
//! writes a draft, uploads its file with the progress bar and submits it; an operator sees no
//! approval forms and is refused the approval; the approver approves in the queue; the owner
//! schedules it in China time; the content calendar shows it on its day, a statutory holiday, in
//! the month and the week view, and the cadence is set; another merchant hears "not found".

use serde_json::json;
use test_support::browser::{Browser, Locator};
use test_support::{Client, Server, TestDb};

use crate::console::{
    click, count, error_code, error_detail, fetch, log_in, text, wait_for_notice, wait_for_path,
};
use crate::{add_users, binary, password};

async fn login(server: &Server, username: &str) -> Client {
    server.client().login(username, &password(username)).await
}

async fn attr(browser: &Browser, css: &str, name: &str) -> String {
    let element = browser.page.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css} on the page"));
    element.attr(name).await.unwrap().unwrap_or_default()
}

async fn type_into(browser: &Browser, css: &str, keys: &str) {
    let field = browser.page.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css} on the page"));
    field.clear().await.unwrap();
    field.send_keys(keys).await.unwrap();
}

/// Polls a JavaScript condition on the page until it holds.
async fn wait_for_js(browser: &Browser, condition: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let holds = browser.page.execute(&format!("return !!({condition});"), vec![]).await.unwrap();
        if holds == json!(true) {
            return;
        }
        if std::time::Instant::now() > deadline {
            let body =
                browser.page.find(Locator::Css("main")).await.unwrap().text().await.unwrap_or_default();
            panic!("{condition} never held; the page shows: {body}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A few KiB of MP4: an `ftyp` box of the `isom` brand, then filler.
fn mp4_bytes(total: usize) -> Vec<u8> {
    let head = b"\0\0\0\x18ftypisom\0\0\x02\0isomavc1\0\0\0\x08free";
    let mut bytes: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    bytes[..head.len()].copy_from_slice(head);
    bytes
}

/// Sends one of the editor's upload forms (`file` or `cover`) from a script: a file of `size` bytes
/// starting with `head`, with or without the CSRF token, asking for JSON or not (a plain form).
/// Answers the status, final URL and text.
async fn send_upload(
    browser: &Browser,
    what: &str,
    head: &[u8],
    size: usize,
    with_csrf: bool,
    json: bool,
) -> serde_json::Value {
    let script = r#"
        const [what, head, size, withCsrf, json] = arguments;
        const done = arguments[arguments.length - 1];
        const form = document.getElementById(what + '-upload-form');
        const bytes = new Uint8Array(size);
        bytes.set(head);
        const body = new FormData();
        body.append('csrf', withCsrf ? form.querySelector('input[name=csrf]').value : 'forged');
        body.append('file', new File([bytes], 'upload.bin'));
        const headers = json ? { 'Accept': 'application/json' } : {};
        fetch(form.action, { method: 'POST', body, headers })
            .then(r => r.text().then(text => done({ status: r.status, url: r.url, text })))
            .catch(e => done({ status: 0, error: String(e) }));
    "#;
    let args = vec![json!(what), json!(head), json!(size), json!(with_csrf), json!(json)];
    browser.page.execute_async(script, args).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_story_in_chromium() {
    let db = TestDb::sqlite();
    add_users(&db.url);
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap().to_owned();
    // Tuesday 28 April 2026, three days before the Labour Day holiday.
    let server = Server::start(
        binary(),
        &[
            "--db",
            &db.url,
            "--data-dir",
            &data,
            "--clock",
            "manual=2026-04-28T10:00:00+08:00",
            "--video-bytes-max",
            "65536",
        ],
    );
    let base = server.base.as_str();
    let owner = login(&server, "m1").await;
    let body =
        json!({"username": "m1-operator", "password": password("m1-operator"), "team_role": "operator"});
    let added = owner.post("/api/v1/team/members", &body).await;
    assert_eq!(added.status, 201, "{}", added.text);
    let account = owner.post("/api/v1/enterprise-accounts", &json!({"nickname": "一号精选"})).await;
    assert_eq!(account.status, 201, "{}", account.text);
    let account = account.json["id"].as_i64().unwrap();
    let video_file = data_dir.path().join("labour-day.mp4");
    std::fs::write(&video_file, mp4_bytes(6_000)).unwrap();

    let browser = Browser::start().await;
    let page = &browser.page;

    // The owner adds an approver on the team page.
    log_in(&browser, base, "m1").await;
    let header = text(&browser, "#sidebar").await;
    assert!(
        header.contains("团队成员") && header.contains("视频审批") && header.contains("视频"),
        "{header}"
    );
    click(&browser, "#sidebar a[href='/console/team']").await;
    wait_for_path(&browser, "/console/team").await;
    assert_eq!(text(&browser, "tr.member[data-username='m1-operator'] .role").await, "运营");
    type_into(&browser, "#member-username", "m1-approver").await;
    type_into(&browser, "#member-password", &password("m1-approver")).await;
    page.find(Locator::Id("member-role")).await.unwrap().select_by_value("approver").await.unwrap();
    click(&browser, "#add-member").await;
    assert_eq!(wait_for_notice(&browser, "member_added").await, "成员已添加。");
    assert_eq!(text(&browser, "tr.member[data-username='m1-approver'] .role").await, "审批人");

    // A draft from the account's video page; a bad tag is refused and the form keeps the text.
    page.goto(&format!("{base}/console/enterprise-accounts/{account}")).await.unwrap();
    click(&browser, "#account-videos").await;
    wait_for_path(&browser, &format!("/console/enterprise-accounts/{account}/videos")).await;
    assert_eq!(text(&browser, "#no-videos").await, "还没有视频。");
    type_into(&browser, "#video-title", "五一好物清单").await;
    type_into(&browser, "#video-description", "假期出游必备").await;
    type_into(&browser, "#video-tags", &format!("#劳动节 {}", "长".repeat(21))).await;
    click(&browser, "#save-video").await;
    assert_eq!(error_code(&browser).await, "invalid_field");
    let refused = text(&browser, ".error").await;
    assert!(refused.contains("字段缺失或格式错误") && !refused.contains("invalid_field"), "{refused}");
    assert!(error_detail(&browser).await.contains("tags[1]"), "the detail names the field for support");
    let kept = page.find(Locator::Id("video-title")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("五一好物清单"));
    type_into(&browser, "#video-tags", "#劳动节 出游").await;
    click(&browser, "#save-video").await;
    assert_eq!(wait_for_notice(&browser, "video_created").await, "视频草稿已创建。");
    let video_path = page.current_url().await.unwrap().path().to_owned();
    let video: i64 = video_path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(text(&browser, "#video-status").await, "草稿");
    assert_eq!(text(&browser, "#video-tags-text").await, "#劳动节 #出游");

    // The file goes up with a progress bar; the summary is refreshed in place.
    page.find(Locator::Id("file-input"))
        .await
        .unwrap()
        .send_keys(video_file.to_str().unwrap())
        .await
        .unwrap();
    click(&browser, "#file-upload-submit").await;
    wait_for_js(&browser, "document.querySelector('#file-status.ok') !== null").await;
    let progress =
        page.execute("return document.getElementById('file-progress').value;", vec![]).await.unwrap();
    assert_eq!(progress, json!(100));
    assert_eq!(text(&browser, "#file-percent").await, "100%");
    assert_eq!(text(&browser, "#file-status").await, "视频文件已上传。");
    wait_for_js(&browser, "document.getElementById('video-file-bytes') !== null").await;
    assert_eq!(attr(&browser, "#video-file-bytes", "data-bytes").await, "6000");
    assert_eq!(text(&browser, "#video-file-bytes").await, "5.8 KB");
    let stored = owner.get(&format!("/api/v1/videos/{video}")).await;
    assert_eq!(stored.json["file"]["bytes"], 6000, "{}", stored.text);

    // Without the script a plain form redirects; files are judged by content and size, and the
    // form needs its CSRF token. Only what was accepted is kept.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    let plain = send_upload(&browser, "cover", PNG, 3_000, true, false).await;
    assert_eq!(plain["status"], 200, "{plain}");
    assert!(plain["url"].as_str().unwrap().contains("notice=cover_uploaded"), "{plain}");
    let pdf = send_upload(&browser, "file", b"%PDF-1.7", 3_000, true, true).await;
    assert_eq!(pdf["status"], 415, "{pdf}");
    assert!(pdf["text"].as_str().unwrap().contains("unsupported_video_type"), "{pdf}");
    let shown = send_upload(&browser, "file", b"%PDF-1.7", 3_000, true, false).await;
    assert!(shown["text"].as_str().unwrap().contains("仅支持 MP4 或 MOV 视频文件"), "the page shows why");
    let large = send_upload(&browser, "file", &mp4_bytes(64), 100_000, true, true).await;
    assert_eq!(large["status"], 413, "{large}");
    assert!(large["text"].as_str().unwrap().contains("video_too_large"), "{large}");
    let forged = send_upload(&browser, "file", &mp4_bytes(64), 3_000, false, true).await;
    assert_eq!(forged["status"], 403, "{forged}");
    let kept = |dir: &str| std::fs::read_dir(data_dir.path().join(dir)).map_or(0, |files| files.count());
    assert_eq!((kept("videos"), kept("covers")), (1, 1));
    page.refresh().await.unwrap();
    assert_eq!(count(&browser, "#video-cover img.cover").await, 1);
    assert_eq!(
        attr(&browser, "#video-file-bytes", "data-bytes").await,
        "6000",
        "the refused uploads changed nothing"
    );

    click(&browser, "#submit-video").await;
    assert_eq!(wait_for_notice(&browser, "video_submitted").await, "已提交审批。");
    assert_eq!(text(&browser, "#video-status").await, "待审批");
    assert_eq!(count(&browser, "#edit-card").await, 0, "only drafts are edited");

    // The operator sees the video but no approval forms, and is refused the approval itself.
    log_in(&browser, base, "m1-operator").await;
    let header = text(&browser, "#sidebar").await;
    assert!(!header.contains("视频审批") && !header.contains("团队成员"), "{header}");
    page.goto(&format!("{base}{video_path}")).await.unwrap();
    assert_eq!(text(&browser, "#video-status").await, "待审批");
    assert_eq!(count(&browser, ".approve-form").await, 0);
    assert_eq!(text(&browser, "#no-actions").await, "当前状态下，你的团队角色没有可执行的操作。");
    let csrf =
        page.find(Locator::Css("input[name='csrf']")).await.unwrap().attr("value").await.unwrap().unwrap();
    let forced =
        fetch(&browser, &format!("{video_path}/approve"), Some(&format!("csrf={csrf}&comment="))).await;
    assert_eq!(forced["status"], 403, "{forced}");
    page.goto(&format!("{base}/console/approvals")).await.unwrap();
    assert_eq!(error_code(&browser).await, "forbidden");
    page.goto(&format!("{base}/console/team")).await.unwrap();
    assert_eq!(error_code(&browser).await, "forbidden");

    // The approver approves in the queue.
    log_in(&browser, base, "m1-approver").await;
    click(&browser, "#sidebar a[href='/console/approvals']").await;
    wait_for_path(&browser, "/console/approvals").await;
    let row = format!("tr.approval[data-video-id='{video}']");
    assert!(text(&browser, &row).await.contains("五一好物清单"));
    type_into(&browser, &format!("{row} .approve-comment"), "画面清晰，可以发布").await;
    click(&browser, &format!("{row} button.approve")).await;
    assert_eq!(wait_for_notice(&browser, "video_approved").await, "已审批通过。");
    assert_eq!(text(&browser, "#approvals-empty").await, "没有待审批的视频。");

    // The owner schedules it for 10:00 China time on 1 May.
    log_in(&browser, base, "m1").await;
    page.goto(&format!("{base}{video_path}")).await.unwrap();
    assert_eq!(text(&browser, "#video-status").await, "已通过");
    assert!(text(&browser, "#video-decision").await.contains("画面清晰，可以发布"));
    page.execute("document.getElementById('publish-at').value = '2026-05-01T10:00';", vec![]).await.unwrap();
    click(&browser, "#schedule-video").await;
    assert_eq!(wait_for_notice(&browser, "video_scheduled").await, "已安排定时发布。");
    assert_eq!(text(&browser, "#video-status").await, "定时发布");
    assert_eq!(text(&browser, "#scheduled-for").await, "2026-05-01 10:00:00");
    let stored = owner.get(&format!("/api/v1/videos/{video}")).await;
    assert_eq!(stored.json["publish_at"], "2026-05-01T10:00:00+08:00", "{}", stored.text);

    // The calendar: the video on its day, a statutory holiday; then the week view.
    page.goto(&format!("{base}/console/enterprise-accounts/{account}/calendar?month=2026-05")).await.unwrap();
    assert_eq!(text(&browser, "#calendar-span").await, "2026-05");
    let day = "td[data-date='2026-05-01']";
    let cell = text(&browser, day).await;
    assert!(cell.contains("劳动节") && cell.contains("法定节假日"), "{cell}");
    assert!(cell.contains("10:00") && cell.contains("五一好物清单") && cell.contains("定时发布"), "{cell}");
    let link = page.find(Locator::Css(&format!("{day} a.video-link"))).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some(video_path.as_str()));
    assert!(text(&browser, "td[data-date='2026-05-09']").await.contains("调休上班"));
    assert_eq!(count(&browser, "li.day-video").await, 1);
    assert_eq!(
        page.execute("return document.querySelector('#content-calendar tr:nth-child(2) td:nth-child(5)').dataset.date;", vec![])
            .await
            .unwrap(),
        json!("2026-05-01"),
        "Monday first: 1 May 2026 is a Friday"
    );
    click(&browser, "#calendar-switch").await;
    wait_for_js(&browser, "document.querySelector(\"#calendar-span[data-view='week']\") !== null").await;
    assert_eq!(text(&browser, "#calendar-span").await, "2026-04-27 – 2026-05-03");
    assert_eq!(count(&browser, "#content-calendar td[data-date]").await, 7);
    assert!(text(&browser, day).await.contains("五一好物清单"));
    click(&browser, "#calendar-prev").await;
    wait_for_js(&browser, "location.search === '?week=2026-04-20'").await;
    assert_eq!(count(&browser, "li.day-video").await, 0);

    // The cadence: two a week, none published yet.
    type_into(&browser, "#videos-per-week", "2").await;
    click(&browser, "#save-cadence").await;
    assert_eq!(wait_for_notice(&browser, "cadence_saved").await, "发布节奏已保存。");
    assert_eq!(text(&browser, "#cadence-target").await, "2");
    assert_eq!(text(&browser, "#cadence-status").await, "落后于目标");

    // Another merchant hears "not found" for the video and the account's calendar.
    log_in(&browser, base, "m2").await;
    page.goto(&format!("{base}{video_path}")).await.unwrap();
    assert_eq!(text(&browser, "h1").await, "页面不存在");
    page.goto(&format!("{base}/console/enterprise-accounts/{account}/calendar")).await.unwrap();
    assert_eq!(text(&browser, "h1").await, "页面不存在");
    browser.close().await;
}
