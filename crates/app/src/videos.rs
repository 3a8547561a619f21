//! Videos of enterprise accounts and their publishing rhythm: drafts written by operators, files
//! and covers streamed to disk and kept under their SHA-256, approval by the merchant's approvers,
//! scheduling (a `video.publish` job due at the publish time), publishing, withdrawal and pins;
//! each account's weekly cadence with its daily check, and the month calendar of videos,
//! statutory holidays and shopping festivals. Team rights: `edit_content` writes,
//! `approve_content` decides, every member reads.

use domain::feed::EventType;
use domain::notifications::NoticeKind;
use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::{self, UseCase};
use domain::auth::Role;
use domain::calendar::DayInfo;
use domain::festivals::{FestivalDay, festival_days};
use domain::limits::{
    CALENDAR_VIDEOS_MAX, COVER_BYTES_MAX, VIDEO_COMMENT_LENGTH_MAX, VIDEO_TITLE_LENGTH_MAX,
    VIDEOS_PER_ACCOUNT_MAX, VIDEOS_PER_WEEK_MAX,
};
use domain::team::TeamRight;
use domain::verification::DOCUMENT_MAGIC_BYTES;
use domain::videos::{
    CadenceStatus, PinError, ScheduleError, TagError, VIDEO_MAGIC_BYTES, VideoEvent, VideoFileType,
    VideoStatus, check_pin, check_publish_at, detect_cover, parse_description, parse_external_url,
    parse_tags,
};
use domain::violation::bounded_text;
use store::jobs::{self, JobRow};
use store::verification::AccountRow;
pub use store::videos::VideoRow;
use store::videos::{self as rows, CadenceRow, Decision, NewVideo, VideoContent, VideoFilter};

use crate::audit::{Page, page_size};
use crate::clock::{china_date, china_midnight};
use crate::jobs::JobKind;
use crate::notifications::Notice;
use crate::uploads::{Upload, UploadRules};
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Who writes videos (drafts, files, submission, pins, cadence).
pub const EDIT_RIGHTS: &[TeamRight] = access::rule(UseCase::EditContent).team_rights;
/// Who approves or sends back a submitted video.
pub const APPROVE_RIGHTS: &[TeamRight] = access::rule(UseCase::ApproveVideo).team_rights;
/// Who schedules, publishes or withdraws an approved video.
pub const PUBLISH_RIGHTS: &[TeamRight] = access::rule(UseCase::PublishVideo).team_rights;

/// What a member writes of a video.
#[derive(Debug, Clone, Default)]
pub struct VideoInput {
    pub title: String,
    pub description: String,
    /// Topic tags, with or without their `#`.
    pub tags: Vec<String>,
    /// Where the video lives when its file is not uploaded here (`https://` only).
    pub external_url: Option<String>,
}

/// A video input with every field valid.
struct ParsedVideo {
    title: String,
    description: String,
    tags: String,
    external_url: Option<String>,
}

fn parse_input(input: &VideoInput) -> AppResult<ParsedVideo> {
    let title = bounded_text(&input.title, VIDEO_TITLE_LENGTH_MAX)
        .ok_or_else(|| AppError::invalid("title", "1-55 characters, no control characters"))?;
    let description = parse_description(&input.description)
        .ok_or_else(|| AppError::invalid("description", "at most 1000 characters"))?;
    let tags = parse_tags(&input.tags).map_err(|error| match error {
        TagError::Invalid { index } => AppError::invalid(
            &format!("tags[{index}]"),
            "1-20 characters after an optional #, no spaces, # or commas",
        ),
        TagError::TooMany => AppError::invalid("tags", "at most 10 tags"),
    })?;
    let external_url =
        match input.external_url.as_deref().map(str::trim).filter(|url| !url.is_empty()) {
            None => None,
            Some(url) => Some(parse_external_url(url).ok_or_else(|| {
                AppError::invalid("external_url", "an https:// address of at most 2000 bytes")
            })?),
        };
    let tags = tags.iter().map(|tag| tag.as_str()).collect::<Vec<_>>().join(" ");
    Ok(ParsedVideo { title, description, tags, external_url })
}

/// A video's tags as a list.
pub fn tags_of(video: &VideoRow) -> Vec<&str> {
    video.tags.split(' ').filter(|tag| !tag.is_empty()).collect()
}

/// Who may see a merchant's videos: its members, and platform roles.
fn can_see(actor: &Actor, merchant_id: i64) -> bool {
    match actor.role {
        Role::Merchant => actor.merchant_id == Some(merchant_id),
        Role::Admin | Role::Reviewer | Role::Service => true,
    }
}

/// The status `event` leads to, or the refusal naming both.
fn next_status(video: &VideoRow, event: VideoEvent) -> AppResult<VideoStatus> {
    let status = video.status;
    status.after(event).ok_or_else(|| {
        AppError::new(
            Code::VideoStatusConflict,
            format!("cannot {} a video that is {}", event.as_str().replace('_', " "), status.as_str()),
        )
    })
}

fn changed(updated: bool, video: &VideoRow) -> AppResult<()> {
    // The row is locked by this transaction, so the conditional update should not miss; if it
    // does, the video moved on and the caller hears a conflict, never an internal error.
    if updated {
        Ok(())
    } else {
        Err(AppError::new(Code::VideoStatusConflict, format!("video {} changed meanwhile", video.id)))
    }
}

fn video_head(head: &[u8]) -> AppResult<()> {
    VideoFileType::detect(head).map(|_| ()).ok_or_else(|| {
        AppError::new(
            Code::UnsupportedVideoType,
            "the file is not an MP4 or MOV video (no ftyp box of a video brand)",
        )
    })
}

fn cover_head(head: &[u8]) -> AppResult<()> {
    detect_cover(head)
        .map(|_| ())
        .ok_or_else(|| AppError::new(Code::UnsupportedCoverType, "the cover is not a JPEG or PNG image"))
}

/// The first `hour`:00 in China time strictly after `now`.
fn next_check_after(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let today = china_midnight(china_date(now)) + Duration::hours(i64::from(hour.min(23)));
    if today > now { today } else { today + Duration::days(1) }
}

/// Where an account stands against its weekly target, as of the time it was computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadenceView {
    pub account_id: i64,
    /// 0: no target.
    pub videos_per_week: i64,
    pub published_last_7_days: i64,
    /// Videos scheduled within the next `lookahead_days` days.
    pub scheduled_ahead: i64,
    pub lookahead_days: i64,
    pub status: CadenceStatus,
    /// When the daily check runs next; `None` without a target.
    pub next_check_at_ms: Option<i64>,
}

/// One day of the publishing calendar.
#[derive(Debug, Clone)]
pub struct PublishingDay {
    /// Working day or not, and the statutory holiday of the day.
    pub day: DayInfo,
    pub festivals: Vec<FestivalDay>,
    /// Videos published that day, or scheduled for it, by time.
    pub videos: Vec<VideoRow>,
}

/// A month of an account's publishing calendar.
#[derive(Debug, Clone)]
pub struct PublishingMonth {
    pub account_id: i64,
    pub first_day: NaiveDate,
    pub days: Vec<PublishingDay>,
    pub cadence: CadenceView,
}

/// Parses `YYYY-MM` (years 2000 to 2100) into the month's first day.
fn parse_month(text: &str) -> AppResult<NaiveDate> {
    let refused = || AppError::new(Code::InvalidDate, format!("{text:?} is not a month YYYY-MM"));
    let (year, month) = text.trim().split_once('-').ok_or_else(refused)?;
    if year.len() != 4 || month.len() != 2 {
        return Err(refused());
    }
    let year: i32 = year.parse().map_err(|_| refused())?;
    let month: u32 = month.parse().map_err(|_| refused())?;
    if !(2000..=2100).contains(&year) {
        return Err(refused());
    }
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(refused)
}

impl App {
    fn videos_dir(&self) -> PathBuf {
        self.config().data_dir.join("videos")
    }

    fn covers_dir(&self) -> PathBuf {
        self.config().data_dir.join("covers")
    }

    /// An enterprise account of `merchant_id`; another merchant's is "not found".
    async fn account_of(
        &self,
        conn: &mut store::Conn,
        merchant_id: i64,
        account_id: i64,
    ) -> AppResult<AccountRow> {
        store::verification::find_account(conn, account_id)
            .await?
            .filter(|account| account.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("enterprise account"))
    }

    /// A video of the caller's merchant, locked for a change, after checking the caller holds one
    /// of `rights` (a member without them hears `forbidden` before anything is looked up).
    async fn video_to_change(
        &self,
        tx: &mut store::WriteTx,
        actor: &Actor,
        rights: &[TeamRight],
        id: i64,
    ) -> AppResult<VideoRow> {
        let merchant_id = actor.require_team(rights)?;
        rows::lock_video(tx, self.db().backend(), id)
            .await?
            .filter(|video| video.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("video"))
    }

    async fn audit_video(
        &self,
        tx: &mut store::Conn,
        ctx: &Ctx,
        action: &str,
        video: &VideoRow,
        detail: &str,
    ) -> AppResult<()> {
        let subject = format!("video:{}", video.id);
        self.audit_for(tx, ctx, action, &subject, detail, Some(video.merchant_id)).await
    }

    async fn reload_video(&self, tx: &mut store::Conn, id: i64) -> AppResult<VideoRow> {
        rows::find_video(tx, id).await?.ok_or_else(|| AppError::internal(&format!("video {id} vanished")))
    }

    // ----- drafts -----

    /// Starts a draft video on one of the merchant's enterprise accounts.
    pub async fn create_video(&self, ctx: &Ctx, account_id: i64, input: &VideoInput) -> AppResult<VideoRow> {
        let merchant_id = ctx.actor.require_team(EDIT_RIGHTS)?;
        let parsed = parse_input(input)?;
        let mut tx = self.db().begin().await?;
        let account = self.account_of(&mut tx, merchant_id, account_id).await?;
        if rows::count_videos(&mut tx, account.id).await? >= VIDEOS_PER_ACCOUNT_MAX {
            return Err(AppError::invalid("account", "an account holds at most 100000 videos"));
        }
        let new_video = NewVideo {
            merchant_id,
            account_id: account.id,
            title: &parsed.title,
            description: &parsed.description,
            tags: &parsed.tags,
            external_url: parsed.external_url.as_deref(),
            created_by: &ctx.actor.username,
            now_ms: self.clock().now_ms(),
        };
        let id = rows::insert_video(&mut tx, &new_video).await?;
        let video = self.reload_video(&mut tx, id).await?;
        self.audit_video(&mut tx, ctx, "video.create", &video, &format!("account={account_id}")).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// Rewrites a draft's title, description, tags and external address.
    pub async fn update_video(&self, ctx: &Ctx, id: i64, input: &VideoInput) -> AppResult<VideoRow> {
        ctx.actor.require_team(EDIT_RIGHTS)?;
        let parsed = parse_input(input)?;
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, EDIT_RIGHTS, id).await?;
        next_status(&video, VideoEvent::Edit)?;
        let content = VideoContent {
            title: &parsed.title,
            description: &parsed.description,
            tags: &parsed.tags,
            external_url: parsed.external_url.as_deref(),
        };
        changed(rows::update_content(&mut tx, id, &content, self.clock().now_ms()).await?, &video)?;
        self.audit_video(&mut tx, ctx, "video.update", &video, "").await?;
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// A video the actor may see: its merchant's members and platform roles; anybody else hears
    /// "not found".
    pub async fn video(&self, actor: &Actor, id: i64) -> AppResult<VideoRow> {
        let mut conn = self.db().read().await?;
        rows::find_video(&mut conn, id)
            .await?
            .filter(|video| can_see(actor, video.merchant_id))
            .ok_or_else(|| AppError::not_found("video"))
    }

    /// Videos newest first: the merchant's own (every merchant's for platform roles), of one
    /// account and in one status when asked; the cursor is the last id seen.
    pub async fn videos(
        &self,
        actor: &Actor,
        account_id: Option<i64>,
        status: Option<&str>,
        limit: Option<u32>,
        cursor: Option<i64>,
    ) -> AppResult<Page<VideoRow>> {
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(VideoStatus::parse(text).ok_or_else(|| {
                AppError::invalid("status", "draft, in_review, approved, scheduled, published or withdrawn")
            })?),
        };
        let merchant_id = match actor.role {
            Role::Merchant => Some(actor.merchant_id.ok_or_else(AppError::forbidden)?),
            Role::Admin | Role::Reviewer | Role::Service => None,
        };
        if let Some(account_id) = account_id {
            self.enterprise_account(actor, account_id).await?;
        }
        let limit = page_size(limit);
        let filter = VideoFilter { merchant_id, account_id, status: status.map(VideoStatus::as_str) };
        let mut conn = self.db().read().await?;
        let items =
            rows::list_videos(&mut conn, filter, cursor.unwrap_or(i64::MAX), i64::from(limit)).await?;
        let next_cursor =
            (items.len() == limit as usize).then(|| items.last().map(|v| v.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    }

    // ----- files -----

    /// Checks that the actor may upload this draft's video file now and opens the temporary file
    /// it is streamed to. A declared size (`Content-Length`) past the limit is refused before a
    /// byte is read.
    pub async fn begin_video_upload(
        &self,
        actor: &Actor,
        id: i64,
        declared_bytes: Option<u64>,
    ) -> AppResult<Upload> {
        let bytes_max = self.config().video_bytes_max;
        let too_large =
            AppError::new(Code::VideoTooLarge, format!("video files are at most {bytes_max} bytes"));
        let video = self.draft_to_upload_to(actor, id).await?;
        if declared_bytes.is_some_and(|bytes| bytes > bytes_max) {
            return Err(too_large);
        }
        let replaced = video.file_bytes.unwrap_or(0);
        self.check_storage_quota(video.merchant_id, replaced, declared_bytes.unwrap_or(0)).await?;
        let rules =
            UploadRules { bytes_max, too_large, head_bytes: VIDEO_MAGIC_BYTES, check_head: video_head };
        Upload::begin(&self.config().data_dir, rules)
    }

    /// Keeps a received video file under its SHA-256 and records it on the draft (it replaces an
    /// earlier file or external address). The type comes from the content, never from a name.
    pub async fn attach_video_file(&self, ctx: &Ctx, id: i64, upload: Upload) -> AppResult<VideoRow> {
        ctx.actor.require_team(EDIT_RIGHTS)?;
        let file_type = VideoFileType::detect(upload.head());
        // The quota is checked before the file is kept, so a refused file leaves nothing behind.
        let draft = self.draft_to_upload_to(&ctx.actor, id).await?;
        self.check_storage_quota(draft.merchant_id, draft.file_bytes.unwrap_or(0), upload.bytes()).await?;
        let stored = upload.keep(self.videos_dir()).await?;
        let file_type = file_type.ok_or_else(|| AppError::internal(&"a kept video has no type"))?;
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, EDIT_RIGHTS, id).await?;
        next_status(&video, VideoEvent::Edit)?;
        let now_ms = self.clock().now_ms();
        let bytes = i64::try_from(stored.bytes).map_err(|error| AppError::internal(&error))?;
        let updated = rows::set_file(&mut tx, id, &stored.sha256, bytes, file_type.as_str(), now_ms).await?;
        changed(updated, &video)?;
        if let Some(old) = video.file_sha256.as_deref().filter(|old| *old != stored.sha256) {
            rows::note_unreferenced(&mut tx, "video", old, now_ms).await?;
        }
        let detail = format!("type={} bytes={bytes} sha256={}", file_type.as_str(), stored.sha256);
        self.audit_video(&mut tx, ctx, "video.file", &video, &detail).await?;
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// Like `begin_video_upload`, for the cover image (JPEG or PNG, at most 5 MiB).
    pub async fn begin_cover_upload(
        &self,
        actor: &Actor,
        id: i64,
        declared_bytes: Option<u64>,
    ) -> AppResult<Upload> {
        let too_large = AppError::new(Code::CoverTooLarge, "cover images are at most 5 MiB");
        self.draft_to_upload_to(actor, id).await?;
        if declared_bytes.is_some_and(|bytes| bytes > COVER_BYTES_MAX) {
            return Err(too_large);
        }
        let rules = UploadRules {
            bytes_max: COVER_BYTES_MAX,
            too_large,
            head_bytes: DOCUMENT_MAGIC_BYTES,
            check_head: cover_head,
        };
        Upload::begin(&self.config().data_dir, rules)
    }

    /// Keeps a received cover image under its SHA-256 and records it on the draft.
    pub async fn attach_cover(&self, ctx: &Ctx, id: i64, upload: Upload) -> AppResult<VideoRow> {
        ctx.actor.require_team(EDIT_RIGHTS)?;
        let cover_type = detect_cover(upload.head());
        let draft = self.draft_to_upload_to(&ctx.actor, id).await?;
        self.check_storage_quota(draft.merchant_id, 0, upload.bytes()).await?;
        let stored = upload.keep(self.covers_dir()).await?;
        let cover_type = cover_type.ok_or_else(|| AppError::internal(&"a kept cover has no type"))?;
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, EDIT_RIGHTS, id).await?;
        next_status(&video, VideoEvent::Edit)?;
        let now_ms = self.clock().now_ms();
        let bytes = i64::try_from(stored.bytes).map_err(|error| AppError::internal(&error))?;
        changed(
            rows::set_cover(&mut tx, id, &stored.sha256, cover_type.content_type(), bytes, now_ms).await?,
            &video,
        )?;
        if let Some(old) = video.cover_sha256.as_deref().filter(|old| *old != stored.sha256) {
            rows::note_unreferenced(&mut tx, "cover", old, now_ms).await?;
        }
        let detail =
            format!("type={} bytes={} sha256={}", cover_type.content_type(), stored.bytes, stored.sha256);
        self.audit_video(&mut tx, ctx, "video.cover", &video, &detail).await?;
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// Refuses a file of `adding` bytes that would take the merchant past its storage quota (a file
    /// of `replacing` bytes goes away with it).
    async fn check_storage_quota(&self, merchant_id: i64, replacing: i64, adding: u64) -> AppResult<()> {
        let mut conn = self.db().read().await?;
        let used = rows::storage_used_bytes(&mut conn, merchant_id).await?;
        let after = u64::try_from(used.saturating_sub(replacing).max(0)).unwrap_or(0).saturating_add(adding);
        let quota = self.config().storage_quota_bytes;
        if after > quota {
            return Err(AppError::new(
                Code::StorageQuotaExceeded,
                format!("the merchant's files would take {after} of its {quota} bytes"),
            ));
        }
        Ok(())
    }

    /// Removes the video files and covers that no video has referred to for the grace period (the
    /// `files.collect` job); answers how many were removed.
    pub(crate) async fn collect_unreferenced_files(&self, tx: &mut store::WriteTx) -> AppResult<usize> {
        let grace_ms = self.config().unreferenced_file_grace_hours.max(0) * 3_600_000;
        let before_ms = self.clock().now_ms() - grace_ms;
        let mut removed = 0;
        for (kind, sha256) in rows::collectable_files(tx, before_ms, 1_000).await? {
            let well_formed = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
            let dir = if kind == "cover" { self.covers_dir() } else { self.videos_dir() };
            if well_formed {
                match tokio::fs::remove_file(dir.join(&sha256)).await {
                    Ok(()) => removed += 1,
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(AppError::internal(&error)),
                }
            }
            rows::forget_unreferenced(tx, &kind, &sha256).await?;
        }
        Ok(removed)
    }

    /// The draft a file may be uploaded to, for a member who edits content.
    async fn draft_to_upload_to(&self, actor: &Actor, id: i64) -> AppResult<VideoRow> {
        let merchant_id = actor.require_team(EDIT_RIGHTS)?;
        let mut conn = self.db().read().await?;
        let video = rows::find_video(&mut conn, id)
            .await?
            .filter(|video| video.merchant_id == merchant_id)
            .ok_or_else(|| AppError::not_found("video"))?;
        next_status(&video, VideoEvent::Edit)?;
        Ok(video)
    }

    /// A video's cover image: its content type and bytes.
    pub async fn cover(&self, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
        let video = self.video(actor, id).await?;
        let (Some(sha256), Some(content_type)) = (video.cover_sha256, video.cover_type) else {
            return Err(AppError::not_found("cover"));
        };
        // The name is the stored hash, never anything a client sent; check its shape anyway.
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::internal(&format!("video {id} has a malformed cover hash")));
        }
        let bytes = tokio::fs::read(self.covers_dir().join(&sha256))
            .await
            .map_err(|error| AppError::internal(&error))?;
        Ok((content_type, bytes))
    }

    // ----- approval -----

    /// Submits a draft for approval; it needs an uploaded file or an external address.
    pub async fn submit_video(&self, ctx: &Ctx, id: i64) -> AppResult<VideoRow> {
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, EDIT_RIGHTS, id).await?;
        next_status(&video, VideoEvent::Submit)?;
        if video.file_sha256.is_none() && video.external_url.is_none() {
            return Err(AppError::new(
                Code::VideoIncomplete,
                "upload the video file (PUT .../file) or give its external_url first",
            ));
        }
        let now_ms = self.clock().now_ms();
        changed(rows::submit(&mut tx, id, &ctx.actor.username, now_ms).await?, &video)?;
        self.audit_video(&mut tx, ctx, "video.submit", &video, "").await?;
        let notice = Notice {
            merchant_id: video.merchant_id,
            kind: NoticeKind::VideoSubmitted,
            text_zh: format!("视频「{}」已提交，等待审批。", video.title),
            text_en: format!("Video \"{}\" was submitted and awaits approval.", video.title),
            link: format!("/console/videos/{id}"),
        };
        self.notify(&mut tx, notice).await?;
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// An approver approves a submitted video (with an optional comment).
    pub async fn approve_video(&self, ctx: &Ctx, id: i64, comment: &str) -> AppResult<VideoRow> {
        let comment = match comment.trim() {
            "" => None,
            text => Some(
                bounded_text(text, VIDEO_COMMENT_LENGTH_MAX)
                    .ok_or_else(|| AppError::invalid("comment", "at most 500 characters"))?,
            ),
        };
        self.decide_video(ctx, id, VideoEvent::Approve, comment).await
    }

    /// An approver sends a submitted video back to its draft, saying why.
    pub async fn send_back_video(&self, ctx: &Ctx, id: i64, comment: &str) -> AppResult<VideoRow> {
        let comment = bounded_text(comment, VIDEO_COMMENT_LENGTH_MAX)
            .ok_or_else(|| AppError::invalid("comment", "1-500 characters saying what to change"))?;
        self.decide_video(ctx, id, VideoEvent::SendBack, Some(comment)).await
    }

    async fn decide_video(
        &self,
        ctx: &Ctx,
        id: i64,
        event: VideoEvent,
        comment: Option<String>,
    ) -> AppResult<VideoRow> {
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, APPROVE_RIGHTS, id).await?;
        let status = next_status(&video, event)?;
        let outcome = if event == VideoEvent::Approve { "approved" } else { "sent_back" };
        let decision = Decision {
            outcome,
            status,
            comment: comment.as_deref(),
            by: &ctx.actor.username,
            now_ms: self.clock().now_ms(),
        };
        changed(rows::decide(&mut tx, id, &decision).await?, &video)?;
        let action = if event == VideoEvent::Approve { "video.approve" } else { "video.send_back" };
        self.audit_video(&mut tx, ctx, action, &video, "").await?;
        if event == VideoEvent::SendBack {
            let comment = comment.unwrap_or_default();
            let notice = Notice {
                merchant_id: video.merchant_id,
                kind: NoticeKind::VideoSentBack,
                text_zh: format!("视频「{}」被退回修改：{comment}", video.title),
                text_en: format!("Video \"{}\" was sent back: {comment}", video.title),
                link: format!("/console/videos/{id}"),
            };
            self.notify(&mut tx, notice).await?;
        }
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    // ----- publishing -----

    /// Schedules an approved (or reschedules a scheduled) video: its `video.publish` job is due at
    /// exactly `publish_at`, which must be after now and within a year.
    pub async fn schedule_video(&self, ctx: &Ctx, id: i64, publish_at: DateTime<Utc>) -> AppResult<VideoRow> {
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, PUBLISH_RIGHTS, id).await?;
        next_status(&video, VideoEvent::Schedule)?;
        let now_ms = self.clock().now_ms();
        let publish_at_ms = publish_at.timestamp_millis();
        check_publish_at(now_ms, publish_at_ms).map_err(|error| {
            let detail = match error {
                ScheduleError::NotInFuture => "publish_at must be after the current time",
                ScheduleError::TooFar => "publish_at must be within 365 days",
            };
            AppError::new(Code::InvalidPublishTime, detail)
        })?;
        changed(rows::schedule(&mut tx, id, publish_at_ms, now_ms).await?, &video)?;
        let subject = format!("video:{id}");
        jobs::cancel_pending(&mut tx, JobKind::VideoPublish.as_str(), &subject, now_ms).await?;
        let payload = publish_at_ms.to_string();
        self.enqueue_job(
            &mut tx,
            JobKind::VideoPublish,
            &subject,
            &payload,
            publish_at,
            Some(video.merchant_id),
        )
        .await?;
        self.audit_video(
            &mut tx,
            ctx,
            "video.schedule",
            &video,
            &format!("publish_at={}", publish_at.to_rfc3339()),
        )
        .await?;
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// Publishes an approved or scheduled video now (a scheduled one's job is cancelled).
    pub async fn publish_video(&self, ctx: &Ctx, id: i64) -> AppResult<VideoRow> {
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, PUBLISH_RIGHTS, id).await?;
        next_status(&video, VideoEvent::Publish)?;
        let now_ms = self.clock().now_ms();
        changed(rows::publish(&mut tx, id, video.status, &ctx.actor.username, now_ms).await?, &video)?;
        jobs::cancel_pending(&mut tx, JobKind::VideoPublish.as_str(), &format!("video:{id}"), now_ms).await?;
        self.audit_video(&mut tx, ctx, "video.publish", &video, "").await?;
        let video = self.reload_video(&mut tx, id).await?;
        let data = self.published_video_data(&video)?;
        self.emit(&mut tx, video.merchant_id, EventType::VideoPublished, data).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// The `video.publish` job at a scheduled video's publish time.
    pub(crate) async fn run_video_publish(&self, tx: &mut store::WriteTx, job: &JobRow) -> AppResult<String> {
        let id = job
            .subject
            .strip_prefix("video:")
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| AppError::internal(&format!("job {} has a bad subject", job.id)))?;
        let video = rows::lock_video(tx, self.db().backend(), id)
            .await?
            .ok_or_else(|| AppError::not_found("video"))?;
        let due = video.publish_at_ms.map(|ms| ms.to_string());
        if video.status != VideoStatus::Scheduled || due.as_deref() != Some(job.payload.as_str()) {
            return Ok(format!("video={id} not published: it is {} now", video.status));
        }
        next_status(&video, VideoEvent::PublishDue)?;
        let now_ms = self.clock().now_ms();
        changed(rows::publish(tx, id, video.status, "system:scheduler", now_ms).await?, &video)?;
        let ctx = Ctx::system("scheduler");
        self.audit_video(tx, &ctx, "video.publish", &video, &format!("scheduled_for={}", job.payload))
            .await?;
        let published = self.reload_video(tx, id).await?;
        let data = self.published_video_data(&published)?;
        self.emit(tx, video.merchant_id, EventType::VideoPublished, data).await?;
        let notice = Notice {
            merchant_id: video.merchant_id,
            kind: NoticeKind::VideoPublished,
            text_zh: format!("视频「{}」已按计划发布。", video.title),
            text_en: format!("Video \"{}\" was published as scheduled.", video.title),
            link: format!("/console/videos/{id}"),
        };
        self.notify(tx, notice).await?;
        Ok(format!("video={id} published"))
    }

    /// Withdraws an approved, scheduled or published video for good (unpinned, its job cancelled).
    pub async fn withdraw_video(&self, ctx: &Ctx, id: i64) -> AppResult<VideoRow> {
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, PUBLISH_RIGHTS, id).await?;
        next_status(&video, VideoEvent::Withdraw)?;
        let now_ms = self.clock().now_ms();
        changed(rows::withdraw(&mut tx, id, video.status, now_ms).await?, &video)?;
        jobs::cancel_pending(&mut tx, JobKind::VideoPublish.as_str(), &format!("video:{id}"), now_ms).await?;
        self.audit_video(&mut tx, ctx, "video.withdraw", &video, &format!("from={}", video.status)).await?;
        let video = self.reload_video(&mut tx, id).await?;
        if video.published_at_ms.is_some() {
            let data = serde_json::json!({ "video_id": video.id, "account_id": video.account_id });
            self.emit(&mut tx, video.merchant_id, EventType::VideoWithdrawn, data).await?;
        }
        tx.commit().await?;
        Ok(video)
    }

    /// Pins a published video on its verified account (at most 3; pinning again changes nothing).
    pub async fn pin_video(&self, ctx: &Ctx, id: i64) -> AppResult<VideoRow> {
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, EDIT_RIGHTS, id).await?;
        // Pins of one account take turns, so two at once cannot pin a fourth.
        rows::lock_account(&mut tx, self.db().backend(), video.account_id).await?;
        let video = self.reload_video(&mut tx, id).await?;
        let account = self.account_of(&mut tx, video.merchant_id, video.account_id).await?;
        let pinned = rows::count_pinned(&mut tx, video.account_id).await?;
        check_pin(video.status, account.verified == 1, video.pinned_at_ms.is_some(), pinned).map_err(
            |error| match error {
                PinError::AccountNotVerified => {
                    AppError::new(Code::AccountNotVerified, "only a verified (blue V) account pins videos")
                }
                PinError::NotPublished => AppError::new(
                    Code::VideoStatusConflict,
                    format!("cannot pin a video that is {}", video.status),
                ),
                PinError::LimitReached => {
                    AppError::new(Code::PinLimitReached, "the account already pins 3 videos")
                }
            },
        )?;
        if video.pinned_at_ms.is_none() {
            let now_ms = self.clock().now_ms();
            changed(rows::set_pinned(&mut tx, id, Some(now_ms), now_ms).await?, &video)?;
            self.audit_video(&mut tx, ctx, "video.pin", &video, "").await?;
        }
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    /// Unpins a video (unpinning an unpinned video changes nothing).
    pub async fn unpin_video(&self, ctx: &Ctx, id: i64) -> AppResult<VideoRow> {
        let mut tx = self.db().begin().await?;
        let video = self.video_to_change(&mut tx, &ctx.actor, EDIT_RIGHTS, id).await?;
        if video.pinned_at_ms.is_some() {
            changed(rows::set_pinned(&mut tx, id, None, self.clock().now_ms()).await?, &video)?;
            self.audit_video(&mut tx, ctx, "video.unpin", &video, "").await?;
        }
        let video = self.reload_video(&mut tx, id).await?;
        tx.commit().await?;
        Ok(video)
    }

    // ----- publishing rhythm -----

    async fn cadence_view(
        &self,
        conn: &mut store::Conn,
        account_id: i64,
        videos_per_week: i64,
    ) -> AppResult<CadenceView> {
        let now_ms = self.clock().now_ms();
        let lookahead_days = self.config().cadence_lookahead_days.max(1);
        let published =
            rows::count_published_between(conn, account_id, now_ms - 7 * DAY_MS, now_ms + 1).await?;
        let scheduled =
            rows::count_scheduled_between(conn, account_id, now_ms, now_ms + lookahead_days * DAY_MS).await?;
        let next_check = (videos_per_week > 0).then(|| {
            next_check_after(self.clock().now(), self.config().cadence_check_hour).timestamp_millis()
        });
        Ok(CadenceView {
            account_id,
            videos_per_week,
            published_last_7_days: published,
            scheduled_ahead: scheduled,
            lookahead_days,
            status: CadenceStatus::evaluate(videos_per_week, published, scheduled),
            next_check_at_ms: next_check,
        })
    }

    /// An account's weekly target and where it stands now.
    pub async fn cadence(&self, actor: &Actor, account_id: i64) -> AppResult<CadenceView> {
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        let target = rows::find_cadence(&mut conn, account.id).await?.map_or(0, |row| row.videos_per_week);
        self.cadence_view(&mut conn, account.id, target).await
    }

    /// Sets an account's weekly target (0 removes it) and plans its daily check.
    pub async fn set_cadence(
        &self,
        ctx: &Ctx,
        account_id: i64,
        videos_per_week: i64,
    ) -> AppResult<CadenceView> {
        let merchant_id = ctx.actor.require_team(EDIT_RIGHTS)?;
        if !(0..=VIDEOS_PER_WEEK_MAX).contains(&videos_per_week) {
            return Err(AppError::invalid("videos_per_week", "0 (no target) to 100"));
        }
        let mut tx = self.db().begin().await?;
        let account = self.account_of(&mut tx, merchant_id, account_id).await?;
        let now_ms = self.clock().now_ms();
        let row = CadenceRow { account_id: account.id, merchant_id, videos_per_week, updated_at_ms: now_ms };
        rows::upsert_cadence(&mut tx, &row).await?;
        let subject = format!("enterprise_account:{}", account.id);
        jobs::cancel_pending(&mut tx, JobKind::VideoCadenceCheck.as_str(), &subject, now_ms).await?;
        if videos_per_week > 0 {
            let due = next_check_after(self.clock().now(), self.config().cadence_check_hour);
            self.enqueue_job(&mut tx, JobKind::VideoCadenceCheck, &subject, "", due, Some(merchant_id))
                .await?;
        }
        let detail = format!("videos_per_week={videos_per_week}");
        self.audit_for(&mut tx, ctx, "video.cadence", &subject, &detail, Some(merchant_id)).await?;
        let view = self.cadence_view(&mut tx, account.id, videos_per_week).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The daily cadence check of one account: a notification when it is behind its target or has
    /// nothing scheduled within the look-ahead days, then tomorrow's check.
    pub(crate) async fn run_cadence_check(&self, tx: &mut store::WriteTx, job: &JobRow) -> AppResult<String> {
        let account_id = job
            .subject
            .strip_prefix("enterprise_account:")
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| AppError::internal(&format!("job {} has a bad subject", job.id)))?;
        let Some(cadence) = rows::find_cadence(tx, account_id).await?.filter(|row| row.videos_per_week > 0)
        else {
            return Ok("no target".to_owned());
        };
        let account = store::verification::find_account(tx, account_id)
            .await?
            .ok_or_else(|| AppError::not_found("enterprise account"))?;
        let view = self.cadence_view(tx, account_id, cadence.videos_per_week).await?;
        if view.status.needs_attention() {
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if view.status.behind {
                zh.push(format!(
                    "近 7 天发布了 {} 个视频，低于每周 {} 个的目标",
                    view.published_last_7_days, view.videos_per_week
                ));
                en.push(format!(
                    "published {} videos in the last 7 days, below its target of {} a week",
                    view.published_last_7_days, view.videos_per_week
                ));
            }
            if view.status.nothing_scheduled {
                zh.push(format!("未来 {} 天没有安排发布的视频", view.lookahead_days));
                en.push(format!("has nothing scheduled for the next {} days", view.lookahead_days));
            }
            let notice = Notice {
                merchant_id: account.merchant_id,
                kind: NoticeKind::VideoCadence,
                text_zh: format!("企业号「{}」{}。", account.nickname, zh.join("，")),
                text_en: format!("Account \"{}\" {}.", account.nickname, en.join(" and ")),
                link: format!("/console/enterprise-accounts/{account_id}/calendar"),
            };
            self.notify(tx, notice).await?;
        }
        let due = next_check_after(self.clock().now(), self.config().cadence_check_hour);
        self.enqueue_job(tx, JobKind::VideoCadenceCheck, &job.subject, "", due, Some(account.merchant_id))
            .await?;
        Ok(format!(
            "published={} scheduled={} behind={} nothing_scheduled={}",
            view.published_last_7_days,
            view.scheduled_ahead,
            view.status.behind,
            view.status.nothing_scheduled
        ))
    }

    /// A month (`YYYY-MM`) of an account's publishing calendar: every day with its working-day
    /// facts, shopping festivals, and the videos published or scheduled that day (China time).
    pub async fn publishing_calendar(
        &self,
        actor: &Actor,
        account_id: i64,
        month: &str,
    ) -> AppResult<PublishingMonth> {
        let first_day = parse_month(month)?;
        let account = self.enterprise_account(actor, account_id).await?;
        let next_month = first_day.checked_add_months(chrono::Months::new(1)).unwrap_or(first_day);
        let last_day = next_month.pred_opt().unwrap_or(first_day);
        let from_ms = china_midnight(first_day).timestamp_millis();
        let to_ms = china_midnight(next_month).timestamp_millis();
        let mut conn = self.db().read().await?;
        let videos =
            rows::calendar_videos(&mut conn, account.id, from_ms, to_ms, CALENDAR_VIDEOS_MAX).await?;
        let target = rows::find_cadence(&mut conn, account.id).await?.map_or(0, |row| row.videos_per_week);
        let cadence = self.cadence_view(&mut conn, account.id, target).await?;
        drop(conn);
        let calendar = self.calendar();
        let festivals = festival_days(&self.config().festivals, first_day, last_day);
        let days = first_day
            .iter_days()
            .take_while(|date| *date <= last_day)
            .map(|date| PublishingDay {
                day: calendar.day(date),
                festivals: festivals.iter().filter(|f| f.date == date).cloned().collect(),
                videos: videos
                    .iter()
                    .filter(|video| {
                        video
                            .published_at_ms
                            .or(video.publish_at_ms)
                            .and_then(DateTime::from_timestamp_millis)
                            .map(china_date)
                            == Some(date)
                    })
                    .cloned()
                    .collect(),
            })
            .collect();
        Ok(PublishingMonth { account_id: account.id, first_day, days, cadence })
    }
}

/// How long the signed link to a published video's file in a `video.published` event works.
pub const PLATFORM_FILE_LINK_HOURS: i64 = 72;

/// The context platform file links are signed under.
const FILE_LINK_CONTEXT: &str = "platform_file_link";

impl App {
    fn file_link_signature(&self, video_id: i64, sha256: &str, expires_ms: i64) -> AppResult<String> {
        Ok(self.secret_key()?.blind_index(FILE_LINK_CONTEXT, &format!("{video_id}|{sha256}|{expires_ms}")))
    }

    /// The event data of a published video, with a signed link to its file that expires
    /// `PLATFORM_FILE_LINK_HOURS` from now.
    fn published_video_data(&self, video: &VideoRow) -> AppResult<serde_json::Value> {
        let mut data = video_data(video);
        if let Some(sha) = &video.file_sha256 {
            let expires_ms = self.clock().now_ms() + PLATFORM_FILE_LINK_HOURS * 3_600_000;
            let signature = self.file_link_signature(video.id, sha, expires_ms)?;
            let link = format!(
                "/api/v1/platform/videos/{}/file?expires={expires_ms}&signature={signature}",
                video.id
            );
            data["file"]["url"] = serde_json::json!(link);
            data["file"]["expires_at_ms"] = serde_json::json!(expires_ms);
        }
        Ok(data)
    }

    /// The file a signed platform link names: the video must be published with that file, the
    /// link unexpired by the app clock and its signature right; anything else is `not_found`.
    /// Answers the path and the content type.
    pub async fn platform_video_file(
        &self,
        video_id: i64,
        expires_ms: i64,
        signature: &str,
    ) -> AppResult<(PathBuf, &'static str)> {
        let gone = || AppError::not_found("file");
        if expires_ms < self.clock().now_ms() {
            return Err(gone());
        }
        let mut conn = self.db().read().await?;
        let video = rows::find_video(&mut conn, video_id).await?.ok_or_else(gone)?;
        drop(conn);
        let (Some(sha), Some(kind)) =
            (&video.file_sha256, video.file_type.as_deref().and_then(VideoFileType::parse))
        else {
            return Err(gone());
        };
        let expected = self.file_link_signature(video.id, sha, expires_ms)?;
        let same = expected.len() == signature.len()
            && expected.bytes().zip(signature.bytes()).fold(0_u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same || video.status != VideoStatus::Published {
            return Err(gone());
        }
        Ok((self.videos_dir().join(sha), kind.content_type()))
    }
}

/// What the platform needs to show a published video: its file (by content hash, size and type)
/// or external address, title, description and tags.
fn video_data(video: &VideoRow) -> serde_json::Value {
    serde_json::json!({
        "video_id": video.id,
        "account_id": video.account_id,
        "title": video.title,
        "description": video.description,
        "tags": video.tags.split(' ').filter(|t| !t.is_empty()).collect::<Vec<_>>(),
        "file": video.file_sha256.as_ref().map(|sha| serde_json::json!({
            "sha256": sha,
            "bytes": video.file_bytes,
            "type": video.file_type,
        })),
        "external_url": video.external_url,
        "published_at_ms": video.published_at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_next_check_is_the_next_nine_oclock_in_china() {
        let check = |now: &str, expect: &str| assert_eq!(next_check_after(at(now), 9), at(expect), "{now}");
        check("2026-03-02T08:59:59+08:00", "2026-03-02T09:00:00+08:00");
        check("2026-03-02T09:00:00+08:00", "2026-03-03T09:00:00+08:00");
        check("2026-03-02T23:30:00+08:00", "2026-03-03T09:00:00+08:00");
        check("2026-03-02T00:30:00Z", "2026-03-02T09:00:00+08:00");
        check("2026-03-01T16:00:00Z", "2026-03-02T09:00:00+08:00");
    }

    #[test]
    fn months() {
        assert_eq!(parse_month("2026-02").unwrap(), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        for bad in
            ["2026-2", "2026-13", "26-02", "2026/02", "", "1999-12", "2101-01", "2026-02-01", "+026-02"]
        {
            assert_eq!(parse_month(bad).map_err(|e| e.code), Err(Code::InvalidDate), "{bad}");
        }
    }

    #[test]
    fn inputs() {
        let input = |title: &str, tags: &[&str], url: Option<&str>| VideoInput {
            title: title.into(),
            description: "描述".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            external_url: url.map(str::to_owned),
        };
        let parsed = parse_input(&input(" 春节上新 ", &["#年货", "春节", "#年货"], Some(" "))).unwrap();
        assert_eq!(
            (parsed.title.as_str(), parsed.tags.as_str(), parsed.external_url),
            ("春节上新", "年货 春节", None)
        );
        let refused = |i: VideoInput| parse_input(&i).err().map(|e| e.detail);
        assert!(refused(input("", &[], None)).unwrap().starts_with("title"));
        assert!(refused(input(&"长".repeat(56), &[], None)).unwrap().starts_with("title"));
        assert!(refused(input("t", &["ok", "two words"], None)).unwrap().starts_with("tags[1]"));
        assert!(refused(input("t", &[], Some("ftp://x"))).unwrap().starts_with("external_url"));
    }
}
