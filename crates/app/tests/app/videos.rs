//! Story tests of team roles, videos and the publishing rhythm through the use cases, on SQLite and
//! PostgreSQL: the owner managing members (the last owner stays; a role change reaches cached
//! sessions; a removed member is logged out), the team-role matrix (every role against every
//! guarded action), a video from draft to publication by the job at exactly its publish time,
//! pins, uploads refused or interrupted leaving nothing behind, merchants never seeing each
//! other's videos, the cadence check and the month calendar.

use std::sync::Arc;

use crate::support::{PASSWORD, at, ctx_of, user};
use app::closure::ClosureOutcome;
use app::ledger::IdempotencyClaim;
use app::shops::NewShopInput;
use app::uploads::Upload;
use app::videos::{VideoInput, VideoRow};
use app::{App, AppConfig, AppError, Clock, Code, Ctx, ManualClock};
use chrono::Duration;
use store::verification::AccountRow;
use test_support::{Backend, TestDb, both_backends};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    admin: Ctx,
    service: Ctx,
    owner: Ctx,
    operator: Ctx,
    approver: Ctx,
    finance: Ctx,
    /// The owner of another merchant.
    other: Ctx,
    data: tempfile::TempDir,
    _db: TestDb,
}

async fn member(app: &App, owner: &Ctx, username: &str, team_role: &str) -> Ctx {
    app.add_team_member(owner, username, PASSWORD, team_role).await.unwrap();
    ctx_of(app, username).await
}

async fn fixture_with(backend: Backend, start: &str, config: AppConfig) -> Fixture {
    let db = TestDb::new(backend).await;
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at(start)));
    let config = AppConfig { data_dir: data.path().to_path_buf(), ..config };
    let session_clock = Arc::new(ManualClock::new(at(start)));
    let app = App::new(db.open().await, clock.clone(), session_clock, config).await.unwrap();
    let owner = user(&app, "m1", "merchant", Some("一号商家")).await;
    Fixture {
        admin: user(&app, "boss", "admin", None).await,
        service: user(&app, "svc", "service", None).await,
        operator: member(&app, &owner, "m1-operator", "operator").await,
        approver: member(&app, &owner, "m1-approver", "approver").await,
        finance: member(&app, &owner, "m1-finance", "finance").await,
        other: user(&app, "m2", "merchant", Some("二号商家")).await,
        owner,
        app,
        clock,
        data,
        _db: db,
    }
}

async fn fixture(backend: Backend, start: &str) -> Fixture {
    fixture_with(backend, start, AppConfig::default()).await
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> Code {
    result.unwrap_err().code
}

/// An enterprise account of `ctx`'s merchant, verified (the badge set directly: verification has
/// its own tests).
async fn account(f: &Fixture, ctx: &Ctx, nickname: &str, verified: bool) -> AccountRow {
    let account = f.app.create_enterprise_account(ctx, nickname, "").await.unwrap();
    if verified {
        let mut tx = f.app.db().begin().await.unwrap();
        let now_ms = f.clock.now_ms();
        store::verification::set_badge(&mut tx, account.id, 0, "2026-01-01", "2027-01-01", now_ms)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    f.app.enterprise_account(&ctx.actor, account.id).await.unwrap()
}

fn input(title: &str) -> VideoInput {
    VideoInput {
        title: title.into(),
        description: "新品上市，限时优惠".into(),
        tags: vec!["#春节".into(), "年货".into()],
        external_url: Some("https://v.example.com/clip/1".into()),
    }
}

/// The first bytes of an MP4 file: an `ftyp` box of brand `isom`, then a `free` box.
fn mp4(bytes: usize) -> Vec<u8> {
    let mut file = vec![0, 0, 0, 0x18];
    file.extend_from_slice(b"ftypisom\0\0\x02\0isomavc1");
    file.extend_from_slice(&[0, 0, 0, 8]);
    file.extend_from_slice(b"free");
    file.resize(bytes.max(file.len()), 0x5A);
    file
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(std::iter::repeat_n(7_u8, 500));
    bytes
}

async fn upload_file(f: &Fixture, ctx: &Ctx, id: i64, bytes: &[u8]) -> Result<VideoRow, AppError> {
    let mut upload: Upload = f.app.begin_video_upload(&ctx.actor, id, None).await?;
    for chunk in bytes.chunks(7_000) {
        upload.write(chunk).await?;
    }
    f.app.attach_video_file(ctx, id, upload).await
}

/// A video of the owner's merchant brought to `status` by the owner.
async fn video_in(f: &Fixture, account_id: i64, status: &str) -> VideoRow {
    let video = f.app.create_video(&f.owner, account_id, &input("春节上新")).await.unwrap();
    let steps: &[&str] = match status {
        "draft" => &[],
        "in_review" => &["submit"],
        "approved" => &["submit", "approve"],
        "published" => &["submit", "approve", "publish"],
        "pinned" => &["submit", "approve", "publish", "pin"],
        other => panic!("no recipe for {other}"),
    };
    for step in steps {
        match *step {
            "submit" => f.app.submit_video(&f.owner, video.id).await.unwrap(),
            "approve" => f.app.approve_video(&f.owner, video.id, "").await.unwrap(),
            "publish" => f.app.publish_video(&f.owner, video.id).await.unwrap(),
            _ => f.app.pin_video(&f.owner, video.id).await.unwrap(),
        };
    }
    f.app.video(&f.owner.actor, video.id).await.unwrap()
}

/// Files left in a folder of the data directory.
fn files_in(f: &Fixture, folder: &str) -> Vec<String> {
    match std::fs::read_dir(f.data.path().join(folder)) {
        Ok(entries) => entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The newest audit row's sequence number: it moves when anything is written.
async fn audit_rows(f: &Fixture) -> i64 {
    let mut conn = f.app.db().read().await.unwrap();
    store::audit::list(&mut conn, None, 1).await.unwrap().first().map_or(0, |row| row.seq)
}

both_backends!(owners_manage_their_team, team_role_matrix);
both_backends!(a_video_from_draft_to_publication, pins_are_for_verified_accounts_and_at_most_three);
both_backends!(uploads_refused_or_interrupted_leave_nothing, merchants_never_see_each_others_videos);
both_backends!(cadence_check_and_calendar, storage_quota_and_unreferenced_files);

async fn owners_manage_their_team(backend: Backend) {
    let f = fixture(backend, "2026-03-02T10:00:00+08:00").await;
    let members = f.app.team_members(&f.owner.actor).await.unwrap();
    let roles: Vec<(&str, Option<&str>)> =
        members.iter().map(|m| (m.username.as_str(), m.team_role.as_deref())).collect();
    assert_eq!(
        roles,
        [
            ("m1", Some("owner")),
            ("m1-operator", Some("operator")),
            ("m1-approver", Some("approver")),
            ("m1-finance", Some("finance"))
        ]
    );
    assert_eq!(f.owner.actor.team_role, Some(domain::team::TeamRole::Owner), "user add makes owners");
    assert!(f.admin.actor.team_role.is_none() && f.service.actor.team_role.is_none());
    let other_team = f.app.team_members(&f.other.actor).await.unwrap();
    assert_eq!(other_team.len(), 1, "each merchant sees its own team only");

    // Refusals change nothing.
    let before = audit_rows(&f).await;
    assert_eq!(
        code(f.app.add_team_member(&f.owner, "m1-operator", PASSWORD, "finance").await),
        Code::UsernameTaken
    );
    assert_eq!(code(f.app.add_team_member(&f.owner, "m2", PASSWORD, "finance").await), Code::UsernameTaken);
    assert_eq!(code(f.app.add_team_member(&f.owner, "new", PASSWORD, "boss").await), Code::UnknownTeamRole);
    assert_eq!(code(f.app.add_team_member(&f.owner, "new", "short", "finance").await), Code::WeakPassword);
    assert_eq!(
        code(f.app.add_team_member(&f.owner, "bad name", PASSWORD, "finance").await),
        Code::InvalidUsername
    );
    assert_eq!(code(f.app.add_team_member(&f.operator, "new", PASSWORD, "owner").await), Code::Forbidden);
    assert_eq!(code(f.app.add_team_member(&f.admin, "new", PASSWORD, "owner").await), Code::Forbidden);
    let operator_id = f.operator.actor.user_id;
    assert_eq!(code(f.app.change_team_role(&f.other, operator_id, "owner").await), Code::NotFound);
    assert_eq!(code(f.app.remove_team_member(&f.other, operator_id).await), Code::NotFound);
    assert_eq!(code(f.app.change_team_role(&f.owner, operator_id, "admin").await), Code::UnknownTeamRole);
    let owner_id = f.owner.actor.user_id;
    assert_eq!(code(f.app.change_team_role(&f.owner, owner_id, "finance").await), Code::LastOwner);
    assert_eq!(code(f.app.remove_team_member(&f.owner, owner_id).await), Code::LastOwner);
    assert_eq!(audit_rows(&f).await, before, "refusals write nothing");
    assert_eq!(f.app.team_members(&f.owner.actor).await.unwrap().len(), 4);

    // A role change reaches a member's cached session at its next request.
    let login = f.app.login("m1-operator", PASSWORD, "req-login").await.unwrap();
    let cached = f.app.authenticate(&login.token).await.unwrap();
    assert_eq!(cached.team_role.map(|r| r.as_str()), Some("operator"));
    let changed = f.app.change_team_role(&f.owner, operator_id, "finance").await.unwrap();
    assert_eq!(changed.team_role.as_deref(), Some("finance"));
    let refreshed = f.app.authenticate(&login.token).await.unwrap();
    assert_eq!(refreshed.team_role.map(|r| r.as_str()), Some("finance"));
    let account = account(&f, &f.owner, "一号企业号", false).await;
    let ctx = Ctx { actor: refreshed, request_id: "req-refreshed".into() };
    assert_eq!(code(f.app.create_video(&ctx, account.id, &input("x")).await), Code::Forbidden);
    f.app.change_team_role(&f.owner, operator_id, "operator").await.unwrap();

    // A second owner may demote the first; the last owner stays.
    let second = member(&f.app, &f.owner, "m1-owner2", "owner").await;
    f.app.change_team_role(&second, owner_id, "approver").await.unwrap();
    assert_eq!(code(f.app.change_team_role(&second, second.actor.user_id, "finance").await), Code::LastOwner);
    let demoted = f.app.login("m1", PASSWORD, "req-m1").await.unwrap();
    assert_eq!(demoted.actor.team_role.map(|r| r.as_str()), Some("approver"));
    let demoted = Ctx { actor: demoted.actor, request_id: "req-demoted".into() };
    assert_eq!(code(f.app.team_members(&demoted.actor).await), Code::Forbidden);

    // A removed member is logged out at once and cannot log in again.
    let session = f.app.login("m1-finance", PASSWORD, "req-fin").await.unwrap();
    f.app.authenticate(&session.token).await.unwrap();
    f.app.remove_team_member(&second, f.finance.actor.user_id).await.unwrap();
    assert_eq!(code(f.app.authenticate(&session.token).await), Code::Unauthorized);
    assert_eq!(code(f.app.login("m1-finance", PASSWORD, "req-again").await), Code::InvalidCredentials);
    assert_eq!(code(f.app.remove_team_member(&second, f.finance.actor.user_id).await), Code::NotFound);
    assert_eq!(
        code(f.app.add_team_member(&second, "m1-finance", PASSWORD, "finance").await),
        Code::UsernameTaken,
        "a removed member's username stays taken (the audit log names it)"
    );
    let names: Vec<String> =
        f.app.team_members(&second.actor).await.unwrap().into_iter().map(|m| m.username).collect();
    assert_eq!(names, ["m1", "m1-operator", "m1-approver", "m1-owner2"]);
    let actions: Vec<String> = {
        let mut conn = f.app.db().read().await.unwrap();
        store::audit::list(&mut conn, None, 500).await.unwrap().into_iter().map(|row| row.action).collect()
    };
    for action in ["team.add", "team.change_role", "team.remove"] {
        assert!(actions.iter().any(|a| a == action), "{action} is audited");
    }
}

/// Who may do what: every team role against every guarded action, each written out here rather
/// than derived from the rule, and checked on fresh records.
async fn team_role_matrix(backend: Backend) {
    let f = fixture(backend, "2026-03-02T10:00:00+08:00").await;
    let verified = account(&f, &f.owner, "一号企业号", true).await;
    // A shop with a payout account, a buyer's message, and a closed twin with a deposit refund.
    let entity = "杭州小店科技有限公司";
    let new_shop = |name: &str| NewShopInput {
        name: name.into(),
        entity_type: "enterprise".into(),
        entity_name: entity.into(),
        category: "food".into(),
    };
    let shop = f.app.create_shop(&f.owner, &new_shop("一号店")).await.unwrap();
    f.app.set_payout_account(&f.owner, shop.id, entity, "招商银行", "6222 0210 0111 2345").await.unwrap();
    let closing = f.app.create_shop(&f.owner, &new_shop("二号店")).await.unwrap();
    f.app.set_payout_account(&f.owner, closing.id, entity, "招商银行", "6222 0210 0111 2345").await.unwrap();
    let key = "deposit-2";
    let claim = IdempotencyClaim::parse(
        format!("user:{}", f.service.actor.user_id),
        Some(key),
        "POST",
        "/test",
        key.as_bytes(),
    )
    .unwrap();
    f.app.top_up(&f.service, closing.id, 50_000, key, claim).await.unwrap();
    let reason = "公司调整业务方向，不再经营线上店铺";
    let outcome = f.app.request_closure(&f.owner, closing.id, "no_longer_operating", reason, "二号店").await;
    assert!(matches!(outcome, Ok(ClosureOutcome::Notice(_))), "{outcome:?}");
    f.clock.advance_ms(31 * 24 * 3600 * 1000);
    f.app.run_due_jobs(&f.admin).await.unwrap();
    let refund = f.app.deposit(&f.owner.actor, closing.id).await.unwrap().refund.expect("a refund").refund.id;
    let members =
        [("owner", &f.owner), ("operator", &f.operator), ("approver", &f.approver), ("finance", &f.finance)];

    //                      owner  operator approver finance
    let matrix: &[(&str, [bool; 4])] = &[
        ("team.list", [true, false, false, false]),
        ("team.add", [true, false, false, false]),
        ("team.change_role", [true, false, false, false]),
        ("team.remove", [true, false, false, false]),
        ("video.create", [true, true, false, false]),
        ("video.update", [true, true, false, false]),
        ("video.file", [true, true, false, false]),
        ("video.cover", [true, true, false, false]),
        ("video.submit", [true, true, false, false]),
        ("video.approve", [true, false, true, false]),
        ("video.send_back", [true, false, true, false]),
        ("video.schedule", [true, true, true, false]),
        ("video.publish", [true, true, true, false]),
        ("video.withdraw", [true, true, true, false]),
        ("video.pin", [true, true, false, false]),
        ("video.unpin", [true, true, false, false]),
        ("cadence.set", [true, true, false, false]),
        ("video.read", [true, true, true, true]),
        ("videos.list", [true, true, true, true]),
        ("calendar.read", [true, true, true, true]),
        ("cadence.read", [true, true, true, true]),
        ("notifications.read", [true, true, true, true]),
        ("deposit.view", [true, false, false, true]),
        ("deposit.statement", [true, false, false, true]),
        ("settlement.view", [true, false, false, true]),
        ("payout.view", [true, false, false, true]),
        ("refund.view", [true, false, false, true]),
        ("payout.set", [true, false, false, false]),
        ("shop.create", [true, false, false, false]),
        ("product.create", [true, false, false, false]),
        ("enterprise_account.create", [true, false, false, false]),
        ("buyer.reply", [true, true, false, false]),
    ];
    let mut checked = 0;
    for (action, allowed) in matrix {
        for (index, (role, ctx)) in members.iter().enumerate() {
            let n = checked;
            let app = &f.app;
            let a = &ctx.actor;
            let result: Result<(), AppError> = match *action {
                "team.list" => app.team_members(a).await.map(drop),
                "team.add" => {
                    app.add_team_member(ctx, &format!("new-{n}"), PASSWORD, "finance").await.map(drop)
                }
                "team.change_role" => {
                    let dummy = member(app, &f.owner, &format!("dummy-{n}"), "operator").await;
                    app.change_team_role(ctx, dummy.actor.user_id, "approver").await.map(drop)
                }
                "team.remove" => {
                    let dummy = member(app, &f.owner, &format!("dummy-{n}"), "operator").await;
                    app.remove_team_member(ctx, dummy.actor.user_id).await
                }
                "video.create" => app.create_video(ctx, verified.id, &input("新视频")).await.map(drop),
                "video.update" => {
                    let video = video_in(&f, verified.id, "draft").await;
                    app.update_video(ctx, video.id, &input("改标题")).await.map(drop)
                }
                "video.file" => {
                    let video = video_in(&f, verified.id, "draft").await;
                    upload_file(&f, ctx, video.id, &mp4(20_000)).await.map(drop)
                }
                "video.cover" => {
                    let video = video_in(&f, verified.id, "draft").await;
                    match app.begin_cover_upload(a, video.id, None).await {
                        Ok(mut upload) => {
                            upload.write(&png()).await.unwrap();
                            app.attach_cover(ctx, video.id, upload).await.map(drop)
                        }
                        Err(error) => Err(error),
                    }
                }
                "video.submit" => {
                    let video = video_in(&f, verified.id, "draft").await;
                    app.submit_video(ctx, video.id).await.map(drop)
                }
                "video.approve" => {
                    let video = video_in(&f, verified.id, "in_review").await;
                    app.approve_video(ctx, video.id, "").await.map(drop)
                }
                "video.send_back" => {
                    let video = video_in(&f, verified.id, "in_review").await;
                    app.send_back_video(ctx, video.id, "标题太长").await.map(drop)
                }
                "video.schedule" => {
                    let video = video_in(&f, verified.id, "approved").await;
                    let when = f.clock.now() + Duration::days(2);
                    app.schedule_video(ctx, video.id, when).await.map(drop)
                }
                "video.publish" => {
                    let video = video_in(&f, verified.id, "approved").await;
                    app.publish_video(ctx, video.id).await.map(drop)
                }
                "video.withdraw" => {
                    let video = video_in(&f, verified.id, "published").await;
                    app.withdraw_video(ctx, video.id).await.map(drop)
                }
                "video.pin" => {
                    let video = video_in(&f, verified.id, "published").await;
                    let pinned = app.pin_video(ctx, video.id).await.map(drop);
                    app.unpin_video(&f.owner, video.id).await.unwrap();
                    pinned
                }
                "video.unpin" => {
                    let video = video_in(&f, verified.id, "pinned").await;
                    let unpinned = app.unpin_video(ctx, video.id).await.map(drop);
                    app.unpin_video(&f.owner, video.id).await.unwrap();
                    unpinned
                }
                "cadence.set" => app.set_cadence(ctx, verified.id, 3).await.map(drop),
                "video.read" => {
                    let video = video_in(&f, verified.id, "draft").await;
                    app.video(a, video.id).await.map(drop)
                }
                "videos.list" => app.videos(a, Some(verified.id), None, None, None).await.map(drop),
                "calendar.read" => app.publishing_calendar(a, verified.id, "2026-03").await.map(drop),
                "cadence.read" => app.cadence(a, verified.id).await.map(drop),
                "notifications.read" => app.notifications(a, false, None, None).await.map(drop),
                "deposit.view" => app.deposit(a, shop.id).await.map(drop),
                "deposit.statement" => app.deposit_statement_csv(a, shop.id).await.map(drop),
                "settlement.view" => app.settlement(a, shop.id).await.map(drop),
                "payout.view" => app.payout_account(a, shop.id).await.map(drop),
                "refund.view" => app.refund(a, refund).await.map(drop),
                "payout.set" => app
                    .set_payout_account(ctx, shop.id, entity, "招商银行", "6222 0210 0111 2345")
                    .await
                    .map(drop),
                "shop.create" => {
                    // Another entity: this one's closed shop makes it wait before opening a new one.
                    let input = NewShopInput {
                        entity_name: format!("新主体{n}有限公司"),
                        ..new_shop(&format!("新店{n}"))
                    };
                    app.create_shop(ctx, &input).await.map(drop)
                }
                "product.create" => app.create_product(ctx, shop.id, "T恤", 5_900).await.map(drop),
                "enterprise_account.create" => {
                    app.create_enterprise_account(ctx, &format!("新号{n}"), "").await.map(drop)
                }
                "buyer.reply" => {
                    let message = app.buyer_message(&f.service, shop.id, "buyer-1", "在吗？").await.unwrap();
                    app.reply(ctx, message.conversation_id, "在的").await.map(drop)
                }
                other => panic!("no case for {other}"),
            };
            match (allowed[index], result) {
                (true, Ok(())) => {}
                (false, Err(error)) if error.code == Code::Forbidden => {}
                (expected, got) => panic!("{role} {action}: expected allowed={expected}, got {got:?}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, matrix.len() * 4);
    // Platform roles are no team's members: an admin cannot write a merchant's videos.
    assert_eq!(code(f.app.create_video(&f.admin, verified.id, &input("x")).await), Code::Forbidden);
    assert_eq!(code(f.app.set_cadence(&f.service, verified.id, 3).await), Code::Forbidden);
}

async fn a_video_from_draft_to_publication(backend: Backend) {
    let f = fixture(backend, "2026-03-02T10:00:00+08:00").await;
    let account = account(&f, &f.owner, "一号企业号", false).await;
    let op = &f.operator;
    let approver = &f.approver;
    let no_url = VideoInput { external_url: None, ..input("春节上新 第一集") };
    let draft = f.app.create_video(op, account.id, &no_url).await.unwrap();
    assert_eq!(
        (draft.status.as_str(), draft.tags.as_str(), draft.created_by.as_str()),
        ("draft", "春节 年货", "m1-operator")
    );
    // An unapproved video cannot be scheduled or published; an incomplete one cannot be submitted.
    let tomorrow = at("2026-03-03T20:00:00+08:00");
    assert_eq!(code(f.app.schedule_video(op, draft.id, tomorrow).await), Code::VideoStatusConflict);
    assert_eq!(code(f.app.publish_video(op, draft.id).await), Code::VideoStatusConflict);
    assert_eq!(code(f.app.submit_video(op, draft.id).await), Code::VideoIncomplete);
    assert_eq!(code(f.app.approve_video(approver, draft.id, "").await), Code::VideoStatusConflict);

    let bytes = mp4(300_000);
    let with_file = upload_file(&f, op, draft.id, &bytes).await.unwrap();
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    assert_eq!(with_file.file_sha256.as_deref(), Some(sha256.as_str()));
    assert_eq!((with_file.file_bytes, with_file.file_type.as_deref()), (Some(300_000), Some("mp4")));
    assert_eq!(std::fs::read(f.data.path().join("videos").join(&sha256)).unwrap(), bytes);
    assert!(files_in(&f, "tmp").is_empty(), "the temporary file became the stored one");
    let mut cover = f.app.begin_cover_upload(&op.actor, draft.id, None).await.unwrap();
    cover.write(&png()).await.unwrap();
    let with_cover = f.app.attach_cover(op, draft.id, cover).await.unwrap();
    assert_eq!(with_cover.cover_type.as_deref(), Some("image/png"));
    assert_eq!(f.app.cover(&f.finance.actor, draft.id).await.unwrap(), ("image/png".to_owned(), png()));

    let submitted = f.app.submit_video(op, draft.id).await.unwrap();
    assert_eq!(
        (submitted.status.as_str(), submitted.submitted_by.as_deref()),
        ("in_review", Some("m1-operator"))
    );
    assert_eq!(code(f.app.update_video(op, draft.id, &input("改")).await), Code::VideoStatusConflict);
    assert_eq!(code(upload_file(&f, op, draft.id, &bytes).await), Code::VideoStatusConflict);
    assert_eq!(code(f.app.schedule_video(op, draft.id, tomorrow).await), Code::VideoStatusConflict);
    assert_eq!(code(f.app.send_back_video(approver, draft.id, " ").await), Code::InvalidField);
    let back = f.app.send_back_video(approver, draft.id, "封面请换成竖版").await.unwrap();
    assert_eq!(
        (back.status.as_str(), back.decision_outcome.as_deref(), back.decision_comment.as_deref()),
        ("draft", Some("sent_back"), Some("封面请换成竖版"))
    );
    f.app
        .update_video(op, draft.id, &VideoInput { title: "春节上新 第一集（竖版）".into(), ..no_url.clone() })
        .await
        .unwrap();
    f.app.submit_video(op, draft.id).await.unwrap();
    let approved = f.app.approve_video(approver, draft.id, "").await.unwrap();
    assert_eq!(
        (
            approved.status.as_str(),
            approved.decision_outcome.as_deref(),
            approved.decision_comment.as_deref()
        ),
        ("approved", Some("approved"), None),
        "an approval carries no stale comment"
    );
    assert_eq!(approved.decided_by.as_deref(), Some("m1-approver"));

    // Scheduling: not in the past, not more than a year ahead.
    let now = f.clock.now();
    assert_eq!(code(f.app.schedule_video(op, draft.id, now).await), Code::InvalidPublishTime);
    assert_eq!(
        code(f.app.schedule_video(op, draft.id, now + Duration::days(366)).await),
        Code::InvalidPublishTime
    );
    // Scheduled, then moved: the first time passes without a publication.
    let first = at("2026-03-03T12:00:00+08:00");
    f.app.schedule_video(op, draft.id, first).await.unwrap();
    let publish_at = at("2026-03-05T20:00:00.250+08:00");
    let scheduled = f.app.schedule_video(op, draft.id, publish_at).await.unwrap();
    assert_eq!(
        (scheduled.status.as_str(), scheduled.publish_at_ms),
        ("scheduled", Some(publish_at.timestamp_millis()))
    );
    f.clock.set(first + Duration::hours(1));
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 0, "the moved job was cancelled");
    // Not one millisecond before.
    f.clock.set(publish_at - Duration::milliseconds(1));
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 0);
    assert_eq!(f.app.video(&op.actor, draft.id).await.unwrap().status.as_str(), "scheduled");
    f.clock.set(publish_at);
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 1);
    let published = f.app.video(&op.actor, draft.id).await.unwrap();
    assert_eq!(
        (published.status.as_str(), published.published_at_ms, published.published_by.as_deref()),
        ("published", Some(publish_at.timestamp_millis()), Some("system:scheduler"))
    );
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 0, "published once");
    let kinds: Vec<String> = f
        .app
        .notifications(&f.owner.actor, false, None, None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds, ["video.published", "video.submitted", "video.sent_back", "video.submitted"]);

    // Published at once, and withdrawn for good.
    let other = video_in(&f, account.id, "approved").await;
    f.app.schedule_video(op, other.id, at("2026-03-09T09:00:00+08:00")).await.unwrap();
    let now_published = f.app.publish_video(approver, other.id).await.unwrap();
    assert_eq!(now_published.published_at_ms, Some(f.clock.now_ms()));
    f.clock.set(at("2026-03-09T09:00:00+08:00"));
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 0, "publishing at once cancels the job");
    let withdrawn = f.app.withdraw_video(op, other.id).await.unwrap();
    assert_eq!(withdrawn.status.as_str(), "withdrawn");
    assert_eq!(code(f.app.withdraw_video(op, other.id).await), Code::VideoStatusConflict);
    assert_eq!(code(f.app.publish_video(op, other.id).await), Code::VideoStatusConflict);
    // A scheduled video withdrawn never publishes.
    let third = video_in(&f, account.id, "approved").await;
    f.app.schedule_video(op, third.id, at("2026-03-10T09:00:00+08:00")).await.unwrap();
    f.app.withdraw_video(approver, third.id).await.unwrap();
    f.clock.set(at("2026-03-11T09:00:00+08:00"));
    f.app.run_due_jobs(&f.admin).await.unwrap();
    assert_eq!(f.app.video(&op.actor, third.id).await.unwrap().status.as_str(), "withdrawn");

    let in_review = f.app.videos(&f.approver.actor, None, Some("published"), None, None).await.unwrap();
    assert_eq!(in_review.items.iter().map(|v| v.id).collect::<Vec<_>>(), [draft.id]);
    assert_eq!(
        code(f.app.videos(&f.approver.actor, None, Some("live"), None, None).await),
        Code::InvalidField
    );
}

async fn pins_are_for_verified_accounts_and_at_most_three(backend: Backend) {
    let f = fixture(backend, "2026-03-02T10:00:00+08:00").await;
    let plain = account(&f, &f.owner, "未认证号", false).await;
    let video = video_in(&f, plain.id, "published").await;
    assert_eq!(code(f.app.pin_video(&f.operator, video.id).await), Code::AccountNotVerified);

    let verified = account(&f, &f.owner, "蓝V号", true).await;
    let draft = video_in(&f, verified.id, "draft").await;
    assert_eq!(code(f.app.pin_video(&f.operator, draft.id).await), Code::VideoStatusConflict);
    let mut pinned = Vec::new();
    for _ in 0..3 {
        let video = video_in(&f, verified.id, "published").await;
        assert!(f.app.pin_video(&f.operator, video.id).await.unwrap().pinned_at_ms.is_some());
        pinned.push(video.id);
    }
    f.app.pin_video(&f.operator, pinned[0]).await.unwrap();
    let fourth = video_in(&f, verified.id, "published").await;
    assert_eq!(code(f.app.pin_video(&f.operator, fourth.id).await), Code::PinLimitReached);
    // Withdrawing a pinned video unpins it, which frees a place.
    f.app.withdraw_video(&f.operator, pinned[0]).await.unwrap();
    assert!(f.app.video(&f.owner.actor, pinned[0]).await.unwrap().pinned_at_ms.is_none());
    f.app.pin_video(&f.operator, fourth.id).await.unwrap();
    f.app.unpin_video(&f.operator, pinned[1]).await.unwrap();
    f.app.unpin_video(&f.operator, pinned[1]).await.unwrap();
    let mut conn = f.app.db().read().await.unwrap();
    assert_eq!(store::videos::count_pinned(&mut conn, verified.id).await.unwrap(), 2);
}

async fn uploads_refused_or_interrupted_leave_nothing(backend: Backend) {
    let config = AppConfig { video_bytes_max: 100_000, ..AppConfig::default() };
    let f = fixture_with(backend, "2026-03-02T10:00:00+08:00", config).await;
    let account = account(&f, &f.owner, "一号企业号", false).await;
    let video = video_in(&f, account.id, "draft").await;
    let op = &f.operator;

    // Past the limit: refused at the byte past it, or at once when the declared size is too large.
    assert_eq!(code(upload_file(&f, op, video.id, &mp4(100_001)).await), Code::VideoTooLarge);
    assert_eq!(code(f.app.begin_video_upload(&op.actor, video.id, Some(100_001)).await), Code::VideoTooLarge);
    upload_file(&f, op, video.id, &mp4(100_000)).await.unwrap();
    // Not a video: refused as soon as its first bytes arrived, whatever its length.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(90_000, b' ');
    let mut upload = f.app.begin_video_upload(&op.actor, video.id, None).await.unwrap();
    assert_eq!(code(upload.write(&pdf[..100]).await), Code::UnsupportedVideoType);
    drop(upload);
    assert_eq!(code(upload_file(&f, op, video.id, b"\0\0\0\x10ftyp").await), Code::UnsupportedVideoType);
    let mut cover = f.app.begin_cover_upload(&op.actor, video.id, None).await.unwrap();
    assert_eq!(code(cover.write(&mp4(1_000)).await), Code::UnsupportedCoverType);
    drop(cover);
    assert_eq!(
        code(f.app.begin_cover_upload(&op.actor, video.id, Some(5 * 1024 * 1024 + 1)).await),
        Code::CoverTooLarge
    );
    // An upload broken off midway (the request dropped) leaves no file behind.
    let mut upload = f.app.begin_video_upload(&op.actor, video.id, None).await.unwrap();
    upload.write(&mp4(60_000)).await.unwrap();
    assert_eq!(files_in(&f, "tmp").len(), 1, "the upload is being written");
    drop(upload);
    assert!(files_in(&f, "tmp").is_empty(), "nothing left in tmp");
    assert_eq!(files_in(&f, "videos").len(), 1, "only the one complete upload is stored");
    assert_eq!(f.app.video(&op.actor, video.id).await.unwrap().file_bytes, Some(100_000));
}

async fn storage_quota_and_unreferenced_files(backend: Backend) {
    let config = AppConfig { storage_quota_bytes: 150_000, ..AppConfig::default() };
    let f = fixture_with(backend, "2026-03-02T10:00:00+08:00", config).await;
    let account = account(&f, &f.owner, "一号企业号", false).await;
    let first = video_in(&f, account.id, "draft").await;
    let second = video_in(&f, account.id, "draft").await;
    let op = &f.operator;
    f.app.ensure_housekeeping_jobs().await.unwrap();
    upload_file(&f, op, first.id, &mp4(100_000)).await.unwrap();
    // Past the quota: refused by the declared size, or once the bytes are in.
    assert_eq!(
        code(f.app.begin_video_upload(&op.actor, second.id, Some(60_000)).await),
        Code::StorageQuotaExceeded
    );
    assert_eq!(code(upload_file(&f, op, second.id, &mp4(60_000)).await), Code::StorageQuotaExceeded);
    assert_eq!(f.app.video(&op.actor, second.id).await.unwrap().file_bytes, None, "nothing attached");
    // Replacing a file counts only the new one.
    let replaced = upload_file(&f, op, first.id, &mp4(120_000)).await.unwrap();
    assert_eq!(replaced.file_bytes, Some(120_000));
    let stored = files_in(&f, "videos");
    assert!(stored.len() >= 2, "the old file stays for the grace period: {stored:?}");
    // A day later the housekeeping job removes the file no video refers to, and only that one.
    let admin = &f.admin;
    f.clock.advance_ms(25 * 3_600_000);
    f.app.run_due_jobs(admin).await.unwrap();
    let kept = files_in(&f, "videos");
    assert_eq!(kept, vec![replaced.file_sha256.clone().unwrap()], "only the referenced file is kept");
    f.clock.advance_ms(25 * 3_600_000);
    f.app.run_due_jobs(admin).await.unwrap();
    assert_eq!(files_in(&f, "videos").len(), 1, "the job runs again a day later and keeps what is used");
}

async fn merchants_never_see_each_others_videos(backend: Backend) {
    let f = fixture(backend, "2026-03-02T10:00:00+08:00").await;
    let mine = account(&f, &f.owner, "一号企业号", true).await;
    let theirs = account(&f, &f.other, "二号企业号", true).await;
    let draft = video_in(&f, mine.id, "draft").await;
    let published = video_in(&f, mine.id, "published").await;
    let their_video = f.app.create_video(&f.other, theirs.id, &input("二号的视频")).await.unwrap();
    let o = &f.other;
    let before = audit_rows(&f).await;
    assert_eq!(code(f.app.video(&o.actor, draft.id).await), Code::NotFound);
    assert_eq!(code(f.app.create_video(o, mine.id, &input("x")).await), Code::NotFound);
    assert_eq!(code(f.app.update_video(o, draft.id, &input("x")).await), Code::NotFound);
    assert_eq!(code(f.app.begin_video_upload(&o.actor, draft.id, None).await), Code::NotFound);
    assert_eq!(code(f.app.begin_cover_upload(&o.actor, draft.id, None).await), Code::NotFound);
    assert_eq!(code(f.app.cover(&o.actor, draft.id).await), Code::NotFound);
    assert_eq!(code(f.app.submit_video(o, draft.id).await), Code::NotFound);
    assert_eq!(code(f.app.approve_video(o, draft.id, "").await), Code::NotFound);
    assert_eq!(code(f.app.publish_video(o, published.id).await), Code::NotFound);
    assert_eq!(code(f.app.withdraw_video(o, published.id).await), Code::NotFound);
    assert_eq!(code(f.app.pin_video(o, published.id).await), Code::NotFound);
    assert_eq!(code(f.app.videos(&o.actor, Some(mine.id), None, None, None).await), Code::NotFound);
    assert_eq!(code(f.app.publishing_calendar(&o.actor, mine.id, "2026-03").await), Code::NotFound);
    assert_eq!(code(f.app.cadence(&o.actor, mine.id).await), Code::NotFound);
    assert_eq!(code(f.app.set_cadence(o, mine.id, 3).await), Code::NotFound);
    assert_eq!(audit_rows(&f).await, before);
    let theirs_listed = f.app.videos(&o.actor, None, None, None, None).await.unwrap().items;
    assert_eq!(theirs_listed.iter().map(|v| v.id).collect::<Vec<_>>(), [their_video.id]);
    let mine_listed = f.app.videos(&f.finance.actor, None, None, None, None).await.unwrap().items;
    assert_eq!(mine_listed.iter().map(|v| v.id).collect::<Vec<_>>(), [published.id, draft.id]);
    // Pages by cursor.
    let first = f.app.videos(&f.owner.actor, None, None, Some(1), None).await.unwrap();
    let cursor = first.next_cursor.as_deref().unwrap().parse().unwrap();
    let second = f.app.videos(&f.owner.actor, None, None, Some(1), Some(cursor)).await.unwrap();
    assert_eq!((first.items[0].id, second.items[0].id), (published.id, draft.id));
    // Platform roles read every merchant's videos.
    assert_eq!(f.app.videos(&f.admin.actor, None, None, None, None).await.unwrap().items.len(), 3);
}

async fn cadence_check_and_calendar(backend: Backend) {
    // Monday 7 September 2026, 10:00 in China.
    let f = fixture(backend, "2026-09-07T10:00:00+08:00").await;
    let account = account(&f, &f.owner, "一号企业号", true).await;
    assert_eq!(code(f.app.set_cadence(&f.operator, account.id, 101).await), Code::InvalidField);
    assert_eq!(code(f.app.set_cadence(&f.operator, account.id, -1).await), Code::InvalidField);
    let cadence = f.app.set_cadence(&f.operator, account.id, 3).await.unwrap();
    assert_eq!((cadence.videos_per_week, cadence.lookahead_days), (3, 3));
    assert!(cadence.status.behind && cadence.status.nothing_scheduled);
    assert_eq!(cadence.next_check_at_ms, Some(at("2026-09-08T09:00:00+08:00").timestamp_millis()));
    let set_again = f.app.set_cadence(&f.operator, account.id, 2).await.unwrap();
    assert_eq!(set_again.videos_per_week, 2);

    // The first daily check: behind, and nothing scheduled.
    f.clock.set(at("2026-09-08T08:59:59+08:00"));
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 0);
    f.clock.set(at("2026-09-08T09:00:00+08:00"));
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 1, "one check, the replaced one cancelled");
    let notices = f.app.notifications(&f.owner.actor, true, None, None).await.unwrap().items;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].kind, "video.cadence");
    assert_eq!(
        notices[0].text_zh,
        "企业号「一号企业号」近 7 天发布了 0 个视频，低于每周 2 个的目标，未来 3 天没有安排发布的视频。"
    );
    assert_eq!(notices[0].link, format!("/console/enterprise-accounts/{}/calendar", account.id));

    // Two published and one scheduled within three days: the next check is quiet.
    video_in(&f, account.id, "published").await;
    video_in(&f, account.id, "published").await;
    let later = video_in(&f, account.id, "approved").await;
    f.app.schedule_video(&f.operator, later.id, at("2026-09-10T20:00:00+08:00")).await.unwrap();
    f.clock.set(at("2026-09-09T09:00:00+08:00"));
    assert_eq!(f.app.run_due_jobs(&f.admin).await.unwrap(), 1);
    let cadence_notices = f.app.notifications(&f.owner.actor, true, None, None).await.unwrap().items;
    assert_eq!(cadence_notices.iter().filter(|n| n.kind == "video.cadence").count(), 1, "no second warning");
    let now = f.app.cadence(&f.finance.actor, account.id).await.unwrap();
    assert_eq!((now.published_last_7_days, now.scheduled_ahead), (2, 1));
    assert!(!now.status.needs_attention());

    // The month: holidays, festivals and videos by China date (a video at 00:30 on 1 October is
    // October's, though it is still 30 September in UTC).
    let national_day = video_in(&f, account.id, "approved").await;
    f.app.schedule_video(&f.operator, national_day.id, at("2026-10-01T00:30:00+08:00")).await.unwrap();
    let september = f.app.publishing_calendar(&f.approver.actor, account.id, "2026-09").await.unwrap();
    assert_eq!(september.days.len(), 30);
    let day = |n: usize| &september.days[n - 1];
    assert_eq!(day(8).videos.len(), 2, "two published on 8 September");
    assert_eq!(day(10).videos.iter().map(|v| v.id).collect::<Vec<_>>(), [later.id]);
    assert!(day(30).videos.is_empty());
    assert_eq!(day(25).festivals.iter().map(|f| f.name_zh.as_str()).collect::<Vec<_>>(), ["中秋"]);
    assert_eq!(day(25).day.holiday.as_ref().map(|h| h.zh.as_str()), Some("中秋节"));
    assert!(!day(25).day.workday && day(20).day.workday, "20 September is a make-up working Sunday");
    let october = f.app.publishing_calendar(&f.owner.actor, account.id, "2026-10").await.unwrap();
    assert_eq!(october.days[0].videos.iter().map(|v| v.id).collect::<Vec<_>>(), [national_day.id]);
    assert_eq!(october.days[0].festivals[0].name_zh, "国庆");
    assert_eq!(october.cadence.videos_per_week, 2);
    assert_eq!(
        code(f.app.publishing_calendar(&f.owner.actor, account.id, "2026-13").await),
        Code::InvalidDate
    );

    // No target, no more checks.
    f.app.set_cadence(&f.operator, account.id, 0).await.unwrap();
    let mut conn = f.app.db().read().await.unwrap();
    let subject = format!("enterprise_account:{}", account.id);
    assert!(store::jobs::pending_for_subject(&mut conn, &subject).await.unwrap().is_empty());
}

/// `serve --demo` leaves a verified account with four months of videos made by its team through the
/// use cases (published at once or by the evening job), pins, one video in each unfinished state, and
/// the cadence behind at the end. (`app` holds the demo seeded at `clock`'s now, 2026-11-23 10:00;
/// `story::demo_reaches_every_closure_state` seeds it once for this and the other demo checks.)
pub(crate) async fn demo_has_a_verified_account_with_months_of_videos(app: &App, clock: &ManualClock) {
    let owner = ctx_of(app, "merchant").await;
    let account = app
        .enterprise_accounts(&owner.actor)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.nickname == "小店科技")
        .unwrap();
    assert_eq!(account.verified, 1);
    let mut videos = Vec::new();
    let mut cursor = None;
    loop {
        let page = app.videos(&owner.actor, Some(account.id), None, Some(200), cursor).await.unwrap();
        videos.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next.parse().unwrap()),
            None => break,
        }
    }
    let count = |status: &str| videos.iter().filter(|v| v.status.as_str() == status).count();
    assert!(count("published") >= 45, "three a week for four months: {}", count("published"));
    assert_eq!((count("in_review"), count("draft"), count("scheduled")), (1, 1, 1));
    let now_ms = clock.now_ms();
    let first = videos.iter().filter_map(|v| v.published_at_ms).min().unwrap();
    assert!(now_ms - first > 100 * 86_400_000, "the first video is months old");
    let last = videos.iter().filter_map(|v| v.published_at_ms).max().unwrap();
    assert!(now_ms - last > 6 * 86_400_000, "nothing published in the last days");
    assert!(videos.iter().all(|v| v.created_by == "yunying"), "the operator drafts");
    assert_eq!(videos.iter().filter(|v| v.pinned_at_ms.is_some()).count(), 2);
    let scheduled = videos.iter().find(|v| v.status.as_str() == "scheduled").unwrap();
    assert!(scheduled.publish_at_ms.unwrap() > now_ms);
    let cadence = app.cadence(&owner.actor, account.id).await.unwrap();
    assert_eq!(cadence.videos_per_week, 3);
    assert_eq!(cadence.published_last_7_days, 0);
    let kinds: Vec<String> = app
        .notifications(&owner.actor, false, Some(200), None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "video.cadence"), "the cadence warning was raised: {kinds:?}");
    let approver = ctx_of(app, "shenpi").await;
    assert_eq!(approver.actor.team_role, Some(domain::team::TeamRole::Approver));

    // Comments every day, answered at 10:00 but for the last three days'; some unhappy, apologised to.
    let stats = app.comment_stats(&owner.actor, account.id, Some(90)).await.unwrap();
    assert!(stats.counts.comments > 600, "{:?}", stats.counts);
    assert_eq!(stats.counts.unanswered, 18, "six comments a day for the last three days wait");
    assert!(stats.first_response.count > 200 && stats.first_response.median_ms.unwrap() > 0);
    let query =
        app::comments::CommentQuery { keyword: Some("退货".into()), limit: Some(5), ..Default::default() };
    let unhappy = app.comments(&owner.actor, account.id, &query).await.unwrap().items;
    assert!(!unhappy.is_empty(), "negative comments are there");
    let all = app::comments::CommentQuery { limit: Some(200), ..Default::default() };
    let replies: Vec<String> = app
        .comments(&owner.actor, account.id, &all)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|c| c.by_account == 1)
        .map(|c| c.text)
        .collect();
    assert!(replies.iter().any(|r| r.contains("非常抱歉")), "the unhappy ones got an apology");

    // Two campaigns: a past one with the videos of its window, and a planned one.
    let campaigns = app.campaigns(&owner.actor, account.id).await.unwrap();
    let statuses: Vec<(&str, &str)> =
        campaigns.iter().map(|c| (c.campaign.name.as_str(), c.status.as_str())).collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert!(statuses.contains(&("秋冬上新周", "ended")) && statuses.contains(&("年终好物节", "planned")));
    let past = campaigns.iter().find(|c| c.campaign.name == "秋冬上新周").unwrap();
    assert!(past.video_ids.len() >= 4, "the videos of its window: {:?}", past.video_ids);
    let results = app.campaign_results(&owner.actor, past.campaign.id).await.unwrap();
    assert_eq!((results.ends_on - results.starts_on).num_days(), 14);
    let topics = app.trending_topics(&owner.actor, None, None).await.unwrap();
    assert!(topics.iter().any(|t| t.topic == "冬季穿搭"));
}
