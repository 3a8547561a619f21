//! Jobs: deadlines stored in the database and run when the app clock reaches them, by the worker
//! inside `serve` or on demand. A job's effect, its completion and its audit row commit together,
//! and the claim is a row lock held by that transaction, so a job runs exactly once even with
//! several workers; a crash mid-job rolls everything back and the job runs again later.

use chrono::{DateTime, Utc};
use domain::auth::Role;
use store::jobs::{self, JobRow, NewJob};

use crate::{App, AppError, AppResult, Ctx};

/// What the worker knows how to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Deletes sessions and failed-login records that ended more than a day ago.
    SessionsPurge,
    /// Walks the audit chain and logs an error if it is broken.
    AuditVerify,
    /// Removes video files and covers no video has referred to for a grace period.
    FilesCollect,
    /// A verification waiting for changes fails when the merchant did not resubmit in time
    /// (subject `verification:ID`, payload the submission number).
    VerificationChangesDeadline,
    /// Reminds a merchant that the badge ends soon (subject `enterprise_account:ID`, payload
    /// `VALID_UNTIL|DAYS`).
    BadgeReminder,
    /// Removes the badge at its end unless a renewal moved the end (payload `VALID_UNTIL`).
    BadgeExpiry,
    /// A completed order's settlement delay ended: its proceeds become withdrawable (subject `order:ID`).
    OrderSettlement,
    /// A shop's notice period ends: re-run the checks and close, or look again tomorrow (subject `shop:ID`).
    ClosureDue,
    /// A refund's release day: pay it in full when nothing stands against the shop, else send it
    /// to the reviewers (subject `refund:ID`).
    RefundRelease,
    /// A refund's due day passed undecided: raise the overdue alert (subject `refund:ID`).
    RefundOverdue,
    /// A scheduled video's publish time: publish it unless it was rescheduled, published or
    /// withdrawn meanwhile (subject `video:ID`, payload the publish time in ms).
    VideoPublish,
    /// The daily look at an account's publishing cadence: notify the merchant when it falls
    /// behind or has nothing scheduled ahead, then plan tomorrow's (subject `enterprise_account:ID`).
    VideoCadenceCheck,
    /// A reputation incident's response deadline: flag it overdue and notify the team when it is
    /// still open and was not raised to an earlier deadline (subject `incident:ID`, payload the
    /// deadline in ms).
    ReputationDeadline,
    /// A scheduled backup of the SQLite database (`serve --backup-dir`): plan the next one, then,
    /// once that committed, take the backup and rotate the folder (subject `backup`).
    Backup,
    /// The nightly sentiment adaptation: fits a new domain layer when enough corrections came
    /// since the last (subject `housekeeping`).
    SentimentAdapt,
    /// Removes platform events older than the retention time (subject `housekeeping`).
    FeedRetention,
}

impl JobKind {
    pub const ALL: [JobKind; 16] = [
        JobKind::SessionsPurge,
        JobKind::AuditVerify,
        JobKind::FilesCollect,
        JobKind::VerificationChangesDeadline,
        JobKind::BadgeReminder,
        JobKind::BadgeExpiry,
        JobKind::OrderSettlement,
        JobKind::ClosureDue,
        JobKind::RefundRelease,
        JobKind::RefundOverdue,
        JobKind::VideoPublish,
        JobKind::VideoCadenceCheck,
        JobKind::ReputationDeadline,
        JobKind::Backup,
        JobKind::SentimentAdapt,
        JobKind::FeedRetention,
    ];

    /// The recurring housekeeping jobs, one pending of each at all times.
    pub const HOUSEKEEPING: [JobKind; 5] = [
        JobKind::SessionsPurge,
        JobKind::AuditVerify,
        JobKind::FilesCollect,
        JobKind::SentimentAdapt,
        JobKind::FeedRetention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::SessionsPurge => "sessions.purge",
            JobKind::AuditVerify => "audit.verify",
            JobKind::FilesCollect => "files.collect",
            JobKind::VerificationChangesDeadline => "verification.changes_deadline",
            JobKind::BadgeReminder => "badge.reminder",
            JobKind::BadgeExpiry => "badge.expiry",
            JobKind::OrderSettlement => "order.settlement",
            JobKind::ClosureDue => "closure.due",
            JobKind::RefundRelease => "refund.release",
            JobKind::RefundOverdue => "refund.overdue",
            JobKind::VideoPublish => "video.publish",
            JobKind::VideoCadenceCheck => "video.cadence_check",
            JobKind::ReputationDeadline => "reputation.deadline",
            JobKind::Backup => "backup.scheduled",
            JobKind::SentimentAdapt => "sentiment.adapt",
            JobKind::FeedRetention => "feed.retention",
        }
    }

    pub fn parse(text: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Jobs run by one call of `run_due_jobs` at most, so a flood of due jobs cannot hold a request for ever.
pub const JOBS_PER_RUN_MAX: usize = 10_000;
/// Attempts before a failing job is left `failed` for an operator to look at.
pub const JOB_ATTEMPTS_MAX: i64 = 8;

impl App {
    /// Schedules a job inside the caller's transaction.
    pub async fn enqueue_job(
        &self,
        tx: &mut store::Conn,
        kind: JobKind,
        subject: &str,
        payload: &str,
        due_at: DateTime<Utc>,
        merchant_id: Option<i64>,
    ) -> AppResult<i64> {
        let job = NewJob {
            kind: kind.as_str(),
            subject,
            payload,
            due_at_ms: due_at.timestamp_millis(),
            merchant_id,
            now_ms: self.clock().now_ms(),
        };
        Ok(jobs::insert(tx, &job).await?)
    }

    /// Runs every job due at the clock's current time until none is due (admin only); answers how
    /// many ran here.
    pub async fn run_due_jobs(&self, ctx: &Ctx) -> AppResult<usize> {
        ctx.actor.require(&[Role::Admin])?;
        let mut ran = 0;
        while ran < JOBS_PER_RUN_MAX {
            match self.run_one_due_job(ctx).await? {
                Some(_) => ran += 1,
                None => break,
            }
        }
        Ok(ran)
    }

    /// Claims, runs and completes the earliest due job; `None` when nothing is due.
    async fn run_one_due_job(&self, ctx: &Ctx) -> AppResult<Option<i64>> {
        let now_ms = self.clock().now_ms();
        let mut tx = self.db().begin().await?;
        let Some(job) = jobs::claim_due(&mut tx, self.db().backend(), now_ms).await? else {
            return Ok(None);
        };
        match self.execute_job(&mut tx, ctx, &job).await {
            Ok(summary) => {
                // The claim holds the row, so nobody else can have completed it; assert it anyway.
                let completed = jobs::mark_done(&mut tx, job.id, now_ms).await?;
                assert!(completed, "job {} was claimed by two workers", job.id);
                // A housekeeping job plans its next run, a day later.
                if let Some(kind) = JobKind::HOUSEKEEPING.into_iter().find(|kind| kind.as_str() == job.kind) {
                    let due = self.clock().now() + chrono::Duration::hours(24);
                    self.enqueue_job(&mut tx, kind, "housekeeping", "", due, None).await?;
                }
                let subject = format!("job:{}", job.id);
                let detail = format!("kind={} subject={} {summary}", job.kind, job.subject);
                self.audit_for(&mut tx, ctx, "job.run", &subject, detail.trim_end(), job.merchant_id).await?;
                tx.commit().await?;
                if job.kind == JobKind::Backup.as_str() {
                    self.run_scheduled_backup().await;
                }
            }
            Err(error) => {
                drop(tx);
                tracing::warn!(job = job.id, kind = %job.kind, error = %error, "job failed");
                let attempts = job.attempts + 1;
                let retry_at_ms =
                    (attempts < JOB_ATTEMPTS_MAX).then(|| now_ms + 60_000 * attempts * attempts);
                let mut tx = self.db().begin().await?;
                jobs::mark_failed(&mut tx, job.id, &error.to_string(), retry_at_ms).await?;
                tx.commit().await?;
            }
        }
        Ok(Some(job.id))
    }

    /// Does a job's work inside its transaction and returns a short summary for the audit row.
    async fn execute_job(&self, tx: &mut store::WriteTx, ctx: &Ctx, job: &JobRow) -> AppResult<String> {
        let kind = JobKind::parse(&job.kind)
            .ok_or_else(|| AppError::internal(&format!("job {} has unknown kind {}", job.id, job.kind)))?;
        match kind {
            JobKind::SessionsPurge => {
                let removed = self.purge_sessions(tx).await?;
                Ok(format!("removed={removed}"))
            }
            JobKind::AuditVerify => {
                let report = store::audit::verify(tx).await?;
                if !matches!(report, store::audit::ChainReport::Intact { .. }) {
                    tracing::error!(?report, "audit chain broken");
                }
                Ok(format!("report={report:?}"))
            }
            JobKind::FilesCollect => {
                let removed = self.collect_unreferenced_files(tx).await?;
                Ok(format!("removed={removed}"))
            }
            JobKind::VerificationChangesDeadline => self.run_changes_deadline(tx, job).await,
            JobKind::BadgeReminder => self.run_badge_reminder(tx, job).await,
            JobKind::BadgeExpiry => self.run_badge_expiry(tx, job).await,
            JobKind::OrderSettlement => self.run_order_settlement(tx, job).await,
            JobKind::ClosureDue => self.run_closure_due(tx, job).await,
            JobKind::RefundRelease => self.run_refund_release(tx, job).await,
            JobKind::RefundOverdue => self.run_refund_overdue(tx, job).await,
            JobKind::VideoPublish => self.run_video_publish(tx, job).await,
            JobKind::VideoCadenceCheck => self.run_cadence_check(tx, job).await,
            JobKind::ReputationDeadline => self.run_reputation_deadline(tx, job).await,
            JobKind::Backup => self.plan_next_backup(tx).await,
            JobKind::SentimentAdapt => self.run_sentiment_adapt(tx, ctx).await,
            JobKind::FeedRetention => self.run_feed_retention(tx).await,
        }
    }

    /// Makes sure the recurring housekeeping jobs exist (one pending of each); called at start-up.
    pub async fn ensure_housekeeping_jobs(&self) -> AppResult<()> {
        let mut tx = self.db().begin().await?;
        for kind in JobKind::HOUSEKEEPING {
            let pending = jobs::pending_for_subject(&mut tx, "housekeeping").await?;
            if !pending.iter().any(|job| job.kind == kind.as_str()) {
                let due = self.clock().now() + chrono::Duration::hours(24);
                self.enqueue_job(&mut tx, kind, "housekeeping", "", due, None).await?;
            }
        }
        self.ensure_backup_job(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
