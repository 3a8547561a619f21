//! One inbox of an enterprise account: its comments and its private conversations together,
//! newest first, filtered by channel, by what awaits an answer or is assigned to the caller, by
//! sentiment and by a keyword, with one cursor over both; and the first-response statistics of
//! both channels in working hours (median, p90, the shares answered within 3 minutes and within
//! 12 hours).

use domain::comments::{ResponseTimes, response_times};
use domain::limits::COMMENT_STATS_SAMPLE_MAX;
use domain::private_messages::Channel;
use store::comments::{self as comment_rows, CommentFilter, CommentRow};
use store::private_messages::{self as message_rows, ConversationFilter, ConversationRow};

use crate::audit::page_size;
use crate::comments::{keyword_pattern, parse_cursor};
use crate::{Actor, App, AppError, AppResult};

/// Which items the inbox shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InboxStatus {
    /// Comments awaiting a reply and conversations awaiting a member's answer.
    #[default]
    Unanswered,
    /// Conversations assigned to the caller (comments are not assigned).
    AssignedToMe,
    All,
}

impl InboxStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "unanswered" => Some(Self::Unanswered),
            "assigned_to_me" => Some(Self::AssignedToMe),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unanswered => "unanswered",
            Self::AssignedToMe => "assigned_to_me",
            Self::All => "all",
        }
    }
}

/// The inbox as asked for (the words of the query string, parsed by `App::inbox`).
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    /// `comment` or `message`; both when not given.
    pub channel: Option<String>,
    /// `unanswered` (the default), `assigned_to_me` or `all`.
    pub status: Option<String>,
    /// `positive`, `neutral` or `negative`: comments only (private messages are not classified).
    pub sentiment: Option<String>,
    /// A keyword the text contains (any message of a conversation).
    pub q: Option<String>,
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One line of the inbox.
#[derive(Debug, Clone, PartialEq)]
pub enum InboxItem {
    Comment(CommentRow),
    Conversation(ConversationRow),
}

impl InboxItem {
    pub fn channel(&self) -> Channel {
        match self {
            Self::Comment(_) => Channel::Comment,
            Self::Conversation(_) => Channel::Message,
        }
    }

    /// The time the inbox orders by: the comment's, or the conversation's newest message.
    pub fn at_ms(&self) -> i64 {
        match self {
            Self::Comment(c) => c.created_at_ms,
            Self::Conversation(c) => c.last_message_at_ms,
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            Self::Comment(c) => c.id,
            Self::Conversation(c) => c.id,
        }
    }

    /// The order key, largest first: time, then messages before comments, then id.
    fn key(&self) -> (i64, u8, i64) {
        (self.at_ms(), rank(self.channel()), self.id())
    }
}

fn rank(channel: Channel) -> u8 {
    match channel {
        Channel::Comment => 0,
        Channel::Message => 1,
    }
}

/// A page of the inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub next_cursor: Option<String>,
}

/// Both channels' first-response figures in working time over the answers of the last `days`
/// days, and what awaits an answer now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxStats {
    pub account_id: i64,
    pub days: i64,
    pub comments_awaiting: i64,
    pub conversations_awaiting: i64,
    pub comments: ResponseTimes,
    pub messages: ResponseTimes,
    /// Both channels' answers together.
    pub all: ResponseTimes,
}

/// `time.rank.id` of the last item of a page.
fn cursor_of(item: &InboxItem) -> String {
    let (at_ms, rank, id) = item.key();
    format!("{at_ms}.{rank}.{id}")
}

fn parse_inbox_cursor(text: &str) -> AppResult<(i64, u8, i64)> {
    let refused = || AppError::invalid("cursor", "a next_cursor of the previous page");
    let (at_ms, rest) = text.split_once('.').ok_or_else(refused)?;
    let (rank, id) = parse_cursor(rest).map_err(|_| refused())?;
    let at_ms = at_ms.parse().map_err(|_| refused())?;
    let rank = u8::try_from(rank).ok().filter(|r| *r <= 1).ok_or_else(refused)?;
    Ok((at_ms, rank, id))
}

/// The `(ms, id)` bound of one channel's list that keeps its items after `cursor` in the
/// inbox's order (time, then channel rank, then id, all descending).
fn bound_for(channel: Channel, cursor: (i64, u8, i64)) -> (i64, i64) {
    let (at_ms, cursor_rank, id) = cursor;
    match rank(channel).cmp(&cursor_rank) {
        std::cmp::Ordering::Equal => (at_ms, id),
        // Items of a lower rank at the same time come after the cursor.
        std::cmp::Ordering::Less => (at_ms, i64::MAX),
        // Items of a higher rank at the same time came before it.
        std::cmp::Ordering::Greater => (at_ms, i64::MIN),
    }
}

impl App {
    /// An account's inbox: comments and private conversations by time, newest first. `status`
    /// unanswered (the default) shows what awaits an answer; assigned_to_me the conversations
    /// assigned to the caller; a sentiment keeps comments of that class only.
    pub async fn inbox(&self, actor: &Actor, account_id: i64, query: &InboxQuery) -> AppResult<Inbox> {
        let channel = match query.channel.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(text) => {
                Some(Channel::parse(text).ok_or_else(|| AppError::invalid("channel", "comment or message"))?)
            }
            None => None,
        };
        let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => InboxStatus::parse(text)
                .ok_or_else(|| AppError::invalid("status", "unanswered, assigned_to_me or all"))?,
            None => InboxStatus::default(),
        };
        let sentiment = match query.sentiment.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(
                domain::sentiment::Label::parse(text)
                    .ok_or_else(|| AppError::invalid("sentiment", "positive, neutral or negative"))?
                    .as_str(),
            ),
            None => None,
        };
        let pattern = match query.q.as_deref() {
            Some(keyword) => keyword_pattern(keyword)?,
            None => None,
        };
        let cursor = query.cursor.as_deref().filter(|c| !c.is_empty()).map(parse_inbox_cursor).transpose()?;
        let account = self.enterprise_account(actor, account_id).await?;
        let limit = page_size(query.limit);
        let wants = |c: Channel| channel.is_none_or(|wanted| wanted == c);
        let with_comments = wants(Channel::Comment) && status != InboxStatus::AssignedToMe;
        let with_messages = wants(Channel::Message) && sentiment.is_none();

        let mut items = Vec::new();
        let mut conn = self.db().read().await?;
        if with_comments {
            let filter = CommentFilter {
                account_id: account.id,
                video_id: None,
                unanswered: status == InboxStatus::Unanswered,
                pattern: pattern.as_deref(),
                sentiment,
            };
            let before = cursor.map(|c| bound_for(Channel::Comment, c));
            let comments = comment_rows::list_comments(&mut conn, filter, before, i64::from(limit)).await?;
            items.extend(comments.into_iter().map(InboxItem::Comment));
        }
        if with_messages {
            let filter = ConversationFilter {
                account_id: account.id,
                unanswered: status == InboxStatus::Unanswered,
                assigned_to: (status == InboxStatus::AssignedToMe).then_some(actor.username.as_str()),
                pattern: pattern.as_deref(),
                status: None,
            };
            let before = cursor.map(|c| bound_for(Channel::Message, c));
            let conversations =
                message_rows::list_conversations(&mut conn, filter, before, i64::from(limit)).await?;
            let masked = !crate::private_messages::sees_contacts(actor);
            items.extend(conversations.into_iter().map(|mut conversation| {
                if masked {
                    crate::private_messages::mask_conversation(&mut conversation);
                }
                InboxItem::Conversation(conversation)
            }));
        }
        drop(conn);
        items.sort_by_key(|item| std::cmp::Reverse(item.key()));
        let full = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = full.then(|| items.last().map(cursor_of)).flatten();
        Ok(Inbox { items, next_cursor })
    }

    /// The first-response statistics of an account's comments and private messages: working
    /// time (09:00–18:00 China time on working days of the live calendar) from a comment or a
    /// user message to the first answer by a member, over answers of the last `days` days (30
    /// when not given); auto-replies are not answers.
    pub async fn inbox_stats(
        &self,
        actor: &Actor,
        account_id: i64,
        days: Option<i64>,
    ) -> AppResult<InboxStats> {
        let (days, since_ms) = self.stats_window(days)?;
        let account = self.enterprise_account(actor, account_id).await?;
        let mut conn = self.db().read().await?;
        let counts = comment_rows::counters(&mut conn, account.id).await?;
        let (_, conversations_awaiting, _) = message_rows::conversation_counts(&mut conn, account.id).await?;
        let comment_pairs =
            comment_rows::first_responses(&mut conn, account.id, since_ms, COMMENT_STATS_SAMPLE_MAX).await?;
        let message_pairs =
            message_rows::first_responses(&mut conn, account.id, since_ms, COMMENT_STATS_SAMPLE_MAX).await?;
        drop(conn);
        let (comment_times, message_times) =
            (self.working_times(&comment_pairs), self.working_times(&message_pairs));
        let all: Vec<i64> = comment_times.iter().chain(&message_times).copied().collect();
        Ok(InboxStats {
            account_id: account.id,
            days,
            comments_awaiting: counts.unanswered,
            conversations_awaiting,
            comments: response_times(comment_times),
            messages: response_times(message_times),
            all: response_times(all),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_keep_the_order_across_channels() {
        assert_eq!(parse_inbox_cursor("1772416800000.1.42").unwrap(), (1_772_416_800_000, 1, 42));
        for bad in ["", "1.2", "1.2.3", "a.0.1", "1.0.b", "1.0.1.1"] {
            assert!(parse_inbox_cursor(bad).is_err(), "{bad}");
        }
        // The cursor is a message at t: comments at t come next, messages at t only below its id.
        assert_eq!(bound_for(Channel::Comment, (100, 1, 7)), (100, i64::MAX));
        assert_eq!(bound_for(Channel::Message, (100, 1, 7)), (100, 7));
        // The cursor is a comment at t: every message at t came before it.
        assert_eq!(bound_for(Channel::Message, (100, 0, 7)), (100, i64::MIN));
        assert_eq!(bound_for(Channel::Comment, (100, 0, 7)), (100, 7));
    }
}
