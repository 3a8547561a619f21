-- Private messages (私信) of enterprise accounts, their auto-reply rules, and leads (线索) found in
-- messages and comments. Not the shop's buyer conversations (0004): these are the account's chats
-- with platform users.

-- One conversation per account and platform user.
CREATE TABLE dm_conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    -- open or closed; a closed conversation opens again when the user writes.
    status TEXT NOT NULL,
    -- Messages stored (both sides) and the user's messages not yet read by the team.
    messages BIGINT NOT NULL,
    unread BIGINT NOT NULL,
    -- The time of the oldest user message no member has answered yet; NULL when answered.
    awaiting_since_ms BIGINT,
    last_message_at_ms BIGINT NOT NULL,
    last_text TEXT NOT NULL,
    -- The member the conversation is assigned to (username).
    assigned_to TEXT,
    -- The away message was sent for the off-hours stretch ending then.
    away_until_ms BIGINT,
    created_at_ms BIGINT NOT NULL,
    closed_at_ms BIGINT
);
CREATE UNIQUE INDEX dm_conversations_by_user ON dm_conversations (account_id, user_id);
CREATE INDEX dm_conversations_inbox ON dm_conversations (account_id, last_message_at_ms, id);
CREATE INDEX dm_conversations_awaiting ON dm_conversations (account_id, last_message_at_ms, id)
    WHERE awaiting_since_ms IS NOT NULL;

CREATE TABLE dm_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    -- The platform's message id ('xd:' and our id for a message written here); a repeat is ignored.
    external_id TEXT NOT NULL UNIQUE,
    -- user or account.
    sender TEXT NOT NULL,
    -- 1 when sent automatically (an auto-reply here, or marked so by the platform).
    automatic BIGINT NOT NULL,
    -- Who sent an account message here: a member's username, or 'rule:ID' for an auto-reply.
    sent_by TEXT,
    rule_id BIGINT,
    text TEXT NOT NULL,
    image_ref TEXT,
    created_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    -- For the first user message of a run: when a member answered it (first-response statistics).
    answered_at_ms BIGINT
);
CREATE INDEX dm_messages_by_conversation ON dm_messages (conversation_id, created_at_ms, id);
CREATE INDEX dm_messages_answered ON dm_messages (account_id, answered_at_ms) WHERE answered_at_ms IS NOT NULL;

-- Internal notes of the team on a conversation.
CREATE TABLE dm_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES dm_conversations(id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX dm_notes_by_conversation ON dm_notes (conversation_id, id);

-- Auto-reply rules of an account: at most one welcome and one away rule, keyword rules by priority.
CREATE TABLE auto_reply_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL REFERENCES merchants(id),
    account_id BIGINT NOT NULL REFERENCES enterprise_accounts(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- exact or contains (keyword rules).
    match_kind TEXT NOT NULL,
    -- Normalised keywords, one a line.
    keywords TEXT NOT NULL,
    -- comment, message or comment,message.
    channels TEXT NOT NULL,
    priority BIGINT NOT NULL,
    reply TEXT NOT NULL,
    active_from_ms BIGINT,
    active_until_ms BIGINT,
    enabled BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    deleted_at_ms BIGINT
);
CREATE INDEX auto_reply_rules_by_account ON auto_reply_rules (account_id, priority, id);
CREATE UNIQUE INDEX auto_reply_rules_one_of_kind ON auto_reply_rules (account_id, kind)
    WHERE kind <> 'keyword' AND deleted_at_ms IS NULL;

-- At most one public auto-reply per user, video and China day on comments.
CREATE TABLE comment_auto_replies (
    video_id BIGINT NOT NULL,
    author_id TEXT NOT NULL,
    day TEXT NOT NULL,
    comment_id BIGINT NOT NULL,
    rule_id BIGINT NOT NULL,
    PRIMARY KEY (video_id, author_id, day)
);

-- Leads: a contact left in a message or a comment, sealed, masked and keyed for de-duplication.
CREATE TABLE leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    -- message or comment, and the conversation or comment it came from.
    source_channel TEXT NOT NULL,
    conversation_id BIGINT,
    comment_id BIGINT,
    source_external_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    -- phone or wechat; the value sealed, masked, and its keyed hash.
    contact_kind TEXT NOT NULL,
    contact_sealed TEXT NOT NULL,
    contact_masked TEXT NOT NULL,
    contact_hash TEXT NOT NULL,
    consent TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT,
    note TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX leads_one_per_contact ON leads (account_id, contact_kind, contact_hash);
CREATE INDEX leads_by_account ON leads (account_id, created_at_ms, id);
CREATE INDEX leads_by_status ON leads (account_id, status, id);
