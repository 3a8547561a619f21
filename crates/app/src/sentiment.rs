//! Learning from corrections: the merchant's team corrects a comment's sentiment (team right
//! `reply`: owners and operators), the correction is kept with who and when and changes the
//! comment's label and score at once (and the reputation rollup's negative count); `adapt` fits
//! the deployment's domain layer (`domain::sentiment::adapt`) on the corrections and an operator's
//! labelled rows and stores it as a new version; ingest classifies with the newest version not
//! rolled back; a version can be rolled back. The nightly job adapts when enough corrections came.

use std::sync::{Arc, OnceLock, RwLock};

use domain::reputation::{HourCount, hour_of};
use domain::sentiment::adapt::{self, AdaptOptions, Example, Layer};
use domain::sentiment::{Classifier, Label};
use store::comments::CommentRow;
use store::sentiment::{self as rows, AdaptationRow, NewCorrection};

use crate::comments::REPLY_RIGHTS;
use crate::{Actor, App, AppError, AppResult, Code, Ctx};

/// Corrections read for one fit, at most (the newest correction of each comment, oldest first).
pub const ADAPT_CORRECTIONS_MAX: i64 = 200_000;

/// The score a corrected comment carries: certain of its label.
pub fn corrected_score(label: Label) -> f64 {
    match label {
        Label::Positive => 1.0,
        Label::Neutral => 0.5,
        Label::Negative => 0.0,
    }
}

/// What a correction teaches: the probability the text is positive.
fn target(label: Label) -> f32 {
    corrected_score(label) as f32
}

/// The shipped model, loaded once per process.
pub fn builtin() -> &'static Arc<Classifier> {
    static BUILTIN: OnceLock<Arc<Classifier>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        Arc::new(Classifier::builtin().expect("the built-in sentiment model loads (a domain test checks it)"))
    })
}

/// `Model::fingerprint` of the shipped model: the layers fitted on it.
pub fn builtin_fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| builtin().model().fingerprint())
}

/// The classifier in use, by version (0: the shipped model), kept between batches.
#[derive(Default)]
pub struct SentimentCache {
    current: RwLock<Option<(i64, Arc<Classifier>)>>,
}

impl std::fmt::Debug for SentimentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentimentCache").finish_non_exhaustive()
    }
}

/// A new version and how it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Adapted {
    pub row: AdaptationRow,
    /// Examples from corrections and from the caller's rows.
    pub from_corrections: usize,
    pub from_rows: usize,
}

/// A roll-back: the version rolled back and the version now in use (0: the shipped model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolledBack {
    pub version: i64,
    pub now_in_use: i64,
}

impl App {
    /// The classifier ingest uses and its version: the newest domain layer not rolled back that
    /// was fitted on the shipped model, or the shipped model itself (version 0).
    pub async fn sentiment_classifier(&self) -> AppResult<(i64, Arc<Classifier>)> {
        let version = {
            let mut conn = self.db().read().await?;
            rows::current_version(&mut conn, builtin_fingerprint()).await?.unwrap_or(0)
        };
        if let Some((cached, classifier)) = self.sentiment_cache().current.read().ok().and_then(|c| c.clone())
            && cached == version
        {
            return Ok((version, classifier));
        }
        let classifier =
            if version == 0 { builtin().clone() } else { Arc::new(self.load_version(version).await?) };
        if let Ok(mut current) = self.sentiment_cache().current.write() {
            *current = Some((version, classifier.clone()));
        }
        Ok((version, classifier))
    }

    async fn load_version(&self, version: i64) -> AppResult<Classifier> {
        let bytes = {
            let mut conn = self.db().read().await?;
            rows::layer(&mut conn, version).await?
        }
        .ok_or_else(|| AppError::internal(&format!("sentiment version {version} vanished")))?;
        tokio::task::spawn_blocking(move || {
            let layer = Layer::from_bytes(&bytes).map_err(|e| AppError::internal(&e))?;
            let model = layer.apply(builtin().model()).map_err(|e| AppError::internal(&e))?;
            Classifier::new(model).map_err(|e| AppError::internal(&e))
        })
        .await
        .map_err(|e| AppError::internal(&e))?
    }

    /// The merchant's team corrects a comment's sentiment: the label changes at once (the score
    /// becomes 1, 0.5 or 0), the correction is kept with who and when, and the reputation rollup
    /// counts the comment again. Correcting to the label it has changes nothing.
    pub async fn correct_sentiment(&self, ctx: &Ctx, id: i64, label: &str) -> AppResult<CommentRow> {
        ctx.actor.require_team(REPLY_RIGHTS)?;
        let label = Label::parse(label.trim())
            .ok_or_else(|| AppError::new(Code::InvalidField, "label: positive, neutral or negative"))?;
        let mut tx = self.db().begin().await?;
        let comment = self.comment_to_change(&mut tx, &ctx.actor, id).await?;
        if comment.by_account != 0 {
            return Err(AppError::new(Code::CommentIsReply, "the account's own replies carry no sentiment"));
        }
        let unchanged =
            comment.sentiment.as_deref() == Some(label.as_str()) && comment.sentiment_corrected_by.is_some();
        if !unchanged {
            let now_ms = self.clock().now_ms();
            let score = corrected_score(label);
            let by = ctx.actor.username.as_str();
            if !rows::set_comment_sentiment(&mut tx, id, label.as_str(), score, by, now_ms).await? {
                return Err(AppError::internal(&format!("comment {id} changed under its lock")));
            }
            let correction = NewCorrection {
                comment_id: id,
                merchant_id: comment.merchant_id,
                label: label.as_str(),
                previous_label: comment.sentiment.as_deref(),
                previous_score: comment.sentiment_score,
                corrected_by: by,
                corrected_at_ms: now_ms,
            };
            let correction_id = rows::insert_correction(&mut tx, &correction).await?;
            let below = self.config().reputation_negative_below;
            let was_negative = comment.sentiment_score.is_some_and(|s| s < below);
            let delta = i64::from(score < below) - i64::from(was_negative);
            if delta != 0 {
                let hour =
                    HourCount { hour_ms: hour_of(comment.created_at_ms), comments: 0, negative: delta };
                store::reputation::add_to_hours(&mut tx, comment.account_id, comment.merchant_id, &[hour])
                    .await?;
            }
            let detail = format!(
                "label={} previous={} correction={correction_id}",
                label.as_str(),
                comment.sentiment.as_deref().unwrap_or("none")
            );
            let subject = format!("comment:{id}");
            self.audit_for(&mut tx, ctx, "comment.sentiment", &subject, &detail, Some(comment.merchant_id))
                .await?;
        }
        let comment = store::comments::find_comment(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::internal(&format!("comment {id} vanished")))?;
        tx.commit().await?;
        Ok(comment)
    }

    /// Fits a new domain layer on every correction (the newest of each comment) and the caller's
    /// labelled `rows`, stores it as the newest version and answers it with its cross-validated
    /// accuracy (admin only: the CLI and the nightly job).
    pub async fn adapt_sentiment(&self, ctx: &Ctx, rows: Vec<Example>) -> AppResult<Adapted> {
        ctx.actor.require(&[domain::auth::Role::Admin])?;
        let mut tx = self.db().begin().await?;
        let adapted = self.adapt_in(&mut tx, ctx, rows).await?;
        tx.commit().await?;
        Ok(adapted)
    }

    async fn adapt_in(&self, tx: &mut store::WriteTx, ctx: &Ctx, extra: Vec<Example>) -> AppResult<Adapted> {
        let corrected = rows::corrected_texts(tx, ADAPT_CORRECTIONS_MAX).await?;
        let through = corrected.iter().map(|c| c.correction_id).max().unwrap_or(0);
        let from_corrections = corrected.len();
        let from_rows = extra.len();
        let mut examples: Vec<Example> = corrected
            .into_iter()
            .filter_map(|c| {
                Label::parse(&c.label).map(|label| Example { text: c.text, target: target(label) })
            })
            .collect();
        examples.extend(extra);
        if examples.is_empty() {
            return Err(AppError::new(Code::NoSentimentExamples, "no corrections and no labelled rows"));
        }
        let (layer, validation) = tokio::task::spawn_blocking(move || {
            let base = builtin();
            let options = AdaptOptions::default();
            (adapt::fit(base, &examples, &options), adapt::cross_validate(base, &examples, &options))
        })
        .await
        .map_err(|e| AppError::internal(&e))?;
        let source = match (from_corrections, from_rows) {
            (0, _) => "file",
            (_, 0) => "corrections",
            _ => "both",
        };
        let mut row = AdaptationRow {
            version: 0,
            created_at_ms: self.clock().now_ms(),
            created_by: ctx.actor.username.clone(),
            source: source.to_owned(),
            examples: (from_corrections + from_rows) as i64,
            corrections_through: through,
            cv_folds: validation.map_or(0, |v| v.folds as i64),
            cv_accuracy: validation.map(|v| v.adapted),
            base_accuracy: validation.map(|v| v.base),
            base_model: layer.base.clone(),
            rolled_back_at_ms: None,
            rolled_back_by: None,
        };
        row.version = rows::insert_adaptation(tx, &row, &layer.to_bytes()).await?;
        let detail = format!(
            "examples={} source={} cv_accuracy={} base_accuracy={}",
            row.examples,
            row.source,
            row.cv_accuracy.map_or("none".to_owned(), |a| format!("{a:.4}")),
            row.base_accuracy.map_or("none".to_owned(), |a| format!("{a:.4}")),
        );
        let subject = format!("sentiment_version:{}", row.version);
        self.audit_for(tx, ctx, "sentiment.adapt", &subject, &detail, None).await?;
        Ok(Adapted { row, from_corrections, from_rows })
    }

    /// Every version, newest first (admin only).
    pub async fn sentiment_versions(&self, actor: &Actor) -> AppResult<Vec<AdaptationRow>> {
        actor.require(&[domain::auth::Role::Admin])?;
        let mut conn = self.db().read().await?;
        Ok(rows::adaptations(&mut conn).await?)
    }

    /// Rolls a version back (the one in use when `version` is `None`): ingest goes back to the
    /// newest version before it not rolled back, or to the shipped model (admin only).
    pub async fn roll_back_sentiment(&self, ctx: &Ctx, version: Option<i64>) -> AppResult<RolledBack> {
        ctx.actor.require(&[domain::auth::Role::Admin])?;
        let mut tx = self.db().begin().await?;
        let fingerprint = builtin_fingerprint();
        let version = match version {
            Some(version) => version,
            None => rows::current_version(&mut tx, fingerprint)
                .await?
                .ok_or_else(|| AppError::not_found("sentiment version in use"))?,
        };
        if !rows::roll_back(&mut tx, version, &ctx.actor.username, self.clock().now_ms()).await? {
            return Err(AppError::not_found("sentiment version (not rolled back)"));
        }
        let now_in_use = rows::current_version(&mut tx, fingerprint).await?.unwrap_or(0);
        let subject = format!("sentiment_version:{version}");
        self.audit_for(
            &mut tx,
            ctx,
            "sentiment.rollback",
            &subject,
            &format!("now_in_use={now_in_use}"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(RolledBack { version, now_in_use })
    }

    /// The nightly job: fits a new version when at least `sentiment_adapt_min_corrections`
    /// corrections came after the newest version's (the next night's run is planned by the job
    /// runner, like every housekeeping job's).
    pub(crate) async fn run_sentiment_adapt(&self, tx: &mut store::WriteTx, ctx: &Ctx) -> AppResult<String> {
        let through =
            rows::adaptations(tx).await?.iter().map(|row| row.corrections_through).max().unwrap_or(0);
        let new = rows::corrections_after(tx, through).await?;
        let min = self.config().sentiment_adapt_min_corrections.max(1);
        let summary = if new >= min {
            let adapted = self.adapt_in(tx, ctx, Vec::new()).await?;
            format!("new_corrections={new} version={} examples={}", adapted.row.version, adapted.row.examples)
        } else {
            format!("new_corrections={new} below={min}")
        };
        // Like every housekeeping job, the next night's run is planned by `run_one_due_job`.
        Ok(summary)
    }
}
