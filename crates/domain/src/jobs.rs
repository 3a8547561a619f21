//! The states of a job (a deadline stored as a row): waiting for its due time, done, failed after
//! its last attempt, or cancelled because what it waited for happened first.

text_enum! {
    /// Where a job stands.
    JobStatus {
        Pending => "pending", "待执行";
        Done => "done", "已执行";
        Failed => "failed", "执行失败";
        Cancelled => "cancelled", "已取消";
    }
}
