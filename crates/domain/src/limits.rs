//! Upper bounds on everything a user can send: lengths, sizes and counts, in one place.

/// Longest username accepted, in characters.
pub const USERNAME_LENGTH_MAX: usize = 64;
/// Shortest password accepted, in characters.
pub const PASSWORD_LENGTH_MIN: usize = 8;
/// Longest password accepted, in bytes (argon2 input stays bounded).
pub const PASSWORD_LENGTH_MAX: usize = 256;
/// Longest merchant name, in characters.
pub const MERCHANT_NAME_LENGTH_MAX: usize = 100;
/// Largest JSON request body, in bytes.
pub const REQUEST_BODY_BYTES_MAX: usize = 1024 * 1024;
/// Largest page a list endpoint returns.
pub const PAGE_SIZE_MAX: u32 = 200;
/// Page size when the caller does not say.
pub const PAGE_SIZE_DEFAULT: u32 = 50;
/// Largest calendar notice file, in bytes.
pub const CALENDAR_NOTICE_BYTES_MAX: usize = 64 * 1024;
/// Longest shop name, in characters.
pub const SHOP_NAME_LENGTH_MAX: usize = 30;
/// Longest registered entity name, in characters.
pub const ENTITY_NAME_LENGTH_MAX: usize = 100;
/// Longest payment reference, in characters.
pub const PAYMENT_REF_LENGTH_MAX: usize = 64;
/// Longest evidence, appeal or decision text, in characters.
pub const NOTE_LENGTH_MAX: usize = 2_000;
/// Longest buyer id, in characters.
pub const BUYER_ID_LENGTH_MAX: usize = 64;
/// Longest registered company name, in characters.
pub const COMPANY_NAME_LENGTH_MAX: usize = 100;
/// Longest brand name, in characters.
pub const BRAND_NAME_LENGTH_MAX: usize = 50;
/// Longest person's name (the legal representative), in characters.
pub const PERSON_NAME_LENGTH_MAX: usize = 50;
/// Longest enterprise account nickname, in characters.
pub const NICKNAME_LENGTH_MAX: usize = 30;
/// Longest enterprise account bio, in characters.
pub const BIO_LENGTH_MAX: usize = 500;
/// Largest verification document, in bytes (10 MiB).
pub const DOCUMENT_BYTES_MAX: u64 = 10 * 1024 * 1024;
/// Documents one verification application may carry (re-uploads included).
pub const DOCUMENTS_PER_VERIFICATION_MAX: i64 = 40;
/// Reason codes one review decision may give.
pub const DECISION_REASONS_MAX: usize = 10;
/// Enterprise accounts one merchant may hold.
pub const ENTERPRISE_ACCOUNTS_PER_MERCHANT_MAX: i64 = 100;
/// Longest product title, in characters.
pub const PRODUCT_TITLE_LENGTH_MAX: usize = 100;
/// The largest single order or product price, in fen (¥1,000,000).
pub const ORDER_AMOUNT_FEN_MAX: i64 = 100_000_000;
/// Longest buyer message, reply, after-sales reason or resolution, in characters.
pub const MESSAGE_LENGTH_MAX: usize = 2_000;
/// Longest invoice number, in characters.
pub const INVOICE_NUMBER_LENGTH_MAX: usize = 32;
/// Longest bank name, in characters.
pub const BANK_NAME_LENGTH_MAX: usize = 50;
/// Messages of one conversation shown at most.
pub const CONVERSATION_MESSAGES_MAX: i64 = 200;
/// Members one merchant's team may have (the owner included).
pub const TEAM_MEMBERS_MAX: i64 = 200;
/// Longest video title, in characters.
pub const VIDEO_TITLE_LENGTH_MAX: usize = 55;
/// Longest video description, in characters.
pub const VIDEO_DESCRIPTION_LENGTH_MAX: usize = 1_000;
/// Longest topic tag (话题), in characters, without its `#`.
pub const TAG_LENGTH_MAX: usize = 20;
/// Tags one video may carry.
pub const TAGS_PER_VIDEO_MAX: usize = 10;
/// Longest external video address, in bytes.
pub const EXTERNAL_URL_LENGTH_MAX: usize = 2_000;
/// The default largest video file, in bytes (2 GiB); `AppConfig::video_bytes_max` sets the limit.
pub const VIDEO_BYTES_MAX_DEFAULT: u64 = 2 * 1024 * 1024 * 1024;
/// Largest cover image, in bytes (5 MiB).
pub const COVER_BYTES_MAX: u64 = 5 * 1024 * 1024;
/// Longest comment of an approver on a video (approving or sending back), in characters.
pub const VIDEO_COMMENT_LENGTH_MAX: usize = 500;
/// Videos one enterprise account may hold (withdrawn ones included).
pub const VIDEOS_PER_ACCOUNT_MAX: i64 = 100_000;
/// Videos pinned on one account at most.
pub const PINNED_VIDEOS_MAX: i64 = 3;
/// How far ahead a video may be scheduled, in days.
pub const SCHEDULE_HORIZON_DAYS_MAX: i64 = 365;
/// The highest weekly publishing target an account may set.
pub const VIDEOS_PER_WEEK_MAX: i64 = 100;
/// Videos one calendar month shows at most per account.
pub const CALENDAR_VIDEOS_MAX: i64 = 2_000;
/// Festivals a configured list may hold.
pub const FESTIVALS_MAX: usize = 100;
/// Longest festival, in days.
pub const FESTIVAL_DAYS_MAX: u32 = 60;
/// Longest festival name, in characters.
pub const FESTIVAL_NAME_LENGTH_MAX: usize = 30;
/// Longest webhook address, in bytes.
pub const WEBHOOK_URL_LENGTH_MAX: usize = 2_000;
/// Attempts to deliver one webhook event before it is given up as failed.
pub const WEBHOOK_ATTEMPTS_MAX: i64 = 8;
/// Deliveries one run of the webhook sender takes at most.
pub const WEBHOOK_DELIVERIES_PER_RUN_MAX: i64 = 50;
/// Longest response text kept in a delivery log entry, in bytes.
pub const WEBHOOK_RESPONSE_KEPT_BYTES_MAX: usize = 500;
/// Longest comment (or reply) text, in characters.
pub const COMMENT_LENGTH_MAX: usize = 1_000;
/// Longest platform comment id, in bytes.
pub const COMMENT_ID_LENGTH_MAX: usize = 64;
/// Longest platform author id, in bytes.
pub const AUTHOR_ID_LENGTH_MAX: usize = 64;
/// Largest NDJSON comment batch body, in bytes (16 MiB).
pub const COMMENT_BATCH_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Lines one comment batch may carry.
pub const COMMENT_BATCH_LINES_MAX: usize = 20_000;
/// Refused lines a batch answer lists at most (the count is always whole).
pub const COMMENT_REJECTIONS_LISTED_MAX: usize = 1_000;
/// Longest keyword of the comment inbox's search, in characters.
pub const COMMENT_KEYWORD_LENGTH_MAX: usize = 50;
/// Answered comments the first-response statistics look at, most recent first.
pub const COMMENT_STATS_SAMPLE_MAX: i64 = 10_000;
/// The longest period the first-response statistics cover, in days.
pub const COMMENT_STATS_DAYS_MAX: i64 = 366;
/// Longest campaign name, in characters.
pub const CAMPAIGN_NAME_LENGTH_MAX: usize = 50;
/// Longest campaign, in days (first and last day included).
pub const CAMPAIGN_DAYS_MAX: i64 = 366;
/// Largest campaign budget, in fen (一亿元).
pub const CAMPAIGN_BUDGET_FEN_MAX: i64 = 10_000_000_000;
/// Campaigns one enterprise account may hold (cancelled ones included).
pub const CAMPAIGNS_PER_ACCOUNT_MAX: i64 = 10_000;
/// Videos linked to one campaign at most.
pub const CAMPAIGN_VIDEOS_MAX: i64 = 200;
/// Longest planning range of the campaign planner and the trending-topic list, in days (`to - from`).
pub const PLANNER_RANGE_DAYS_MAX: i64 = 366;
/// Longest trending topic, in characters.
pub const TOPIC_LENGTH_MAX: usize = 50;
/// Highest heat score of a trending topic.
pub const TOPIC_HEAT_MAX: i64 = 1_000_000_000_000;
/// Trending topics one list (and the planner) shows at most.
pub const TOPICS_LISTED_MAX: i64 = 50;
/// Keywords one enterprise account's reputation watch list holds at most.
pub const WATCH_KEYWORDS_MAX: usize = 50;
/// Longest watched keyword, in characters.
pub const WATCH_KEYWORD_LENGTH_MAX: usize = 30;
/// Comments (the triggering ones, and the replies to them) linked to one reputation incident at most.
pub const INCIDENT_COMMENTS_MAX: i64 = 200;
/// Longest hourly negative-rate series one request reads, in hours (31 days).
pub const REPUTATION_SERIES_HOURS_MAX: i64 = 31 * 24;
/// Longest incident resolution summary, in characters.
pub const INCIDENT_SUMMARY_LENGTH_MAX: usize = 2_000;
/// Largest engagement event batch, in bytes.
pub const EVENT_BATCH_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Most lines one engagement event batch may carry.
pub const EVENT_BATCH_LINES_MAX: usize = 100_000;
/// Refused event lines an answer lists (all are counted).
pub const EVENT_REJECTIONS_LISTED_MAX: usize = 1_000;
/// The oldest event a batch may carry, in days before the app clock.
pub const EVENT_AGE_DAYS_MAX: i64 = 400;
/// The longest watch time one `watch` event may report (6 hours), in milliseconds.
pub const EVENT_WATCH_MS_MAX: i64 = 6 * 3600 * 1000;
/// The longest period one analytics request may cover, in days.
pub const ANALYTICS_DAYS_MAX: i64 = 366;
/// Topic tags an analytics answer lists.
pub const ANALYTICS_TAGS_LISTED_MAX: usize = 20;
/// The longest period an hourly series covers, in days (longer periods are by day only).
pub const ANALYTICS_HOURLY_DAYS_MAX: i64 = 7;
/// Longest private message text (私信), in characters.
pub const DM_TEXT_LENGTH_MAX: usize = 1_000;
/// Largest NDJSON private-message batch body, in bytes (16 MiB).
pub const MESSAGE_BATCH_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Lines one private-message batch may carry.
pub const MESSAGE_BATCH_LINES_MAX: usize = 20_000;
/// Longest image reference of a private message (a platform media key or URL), in bytes.
pub const MESSAGE_IMAGE_REF_LENGTH_MAX: usize = 256;
/// Longest auto-reply text (welcome, keyword reply, away message), in characters (Douyin: 300).
pub const AUTO_REPLY_LENGTH_MAX: usize = 300;
/// Keywords one auto-reply rule may carry.
pub const RULE_KEYWORDS_MAX: usize = 10;
/// Longest keyword of an auto-reply rule, in characters.
pub const RULE_KEYWORD_LENGTH_MAX: usize = 30;
/// Longest auto-reply rule name, in characters.
pub const RULE_NAME_LENGTH_MAX: usize = 50;
/// Auto-reply rules one account may have.
pub const RULES_PER_ACCOUNT_MAX: i64 = 100;
/// Longest internal note on a private conversation or a lead, in characters.
pub const DM_NOTE_LENGTH_MAX: usize = 1_000;
/// Leads one CSV export carries at most.
pub const LEAD_EXPORT_ROWS_MAX: i64 = 50_000;
