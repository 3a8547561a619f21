//! Console text in Chinese (default) and English: one table, looked up by key.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// (key, 中文, English). Keys are stable; a missing key shows itself so it is noticed.
const TEXTS: &[(&str, &str, &str)] = &[
    ("app_name", "小店后台", "Xiaodian"),
    ("login", "登录", "Log in"),
    ("logout", "退出登录", "Log out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("switch_lang", "English", "中文"),
    ("home", "首页", "Home"),
    ("calendar", "工作日历", "Working-day calendar"),
    ("audit", "审计日志", "Audit log"),
    ("clock_jobs", "时钟与任务", "Clock and jobs"),
    ("welcome", "欢迎", "Welcome"),
    ("role", "角色", "Role"),
    ("role_admin", "管理员", "Administrator"),
    ("role_reviewer", "审核员", "Reviewer"),
    ("role_merchant", "商家", "Merchant"),
    ("role_service", "平台服务", "Platform service"),
    ("merchant_id", "商家编号", "Merchant ID"),
    ("now", "当前时间", "Current time"),
    ("clock_manual", "手动时钟", "Manual clock"),
    ("clock_system", "系统时钟", "System clock"),
    ("set_clock", "设置时间", "Set the clock"),
    ("run_jobs", "运行到期任务", "Run due jobs"),
    ("jobs_ran", "已运行任务数", "Jobs run"),
    ("save", "保存", "Save"),
    ("date", "日期", "Date"),
    ("actor", "操作人", "Actor"),
    ("action", "操作", "Action"),
    ("subject", "对象", "Subject"),
    ("detail", "详情", "Detail"),
    ("request_id", "请求编号", "Request ID"),
    ("older", "更早", "Older"),
    ("prev_month", "上个月", "Previous month"),
    ("next_month", "下个月", "Next month"),
    ("workday", "工作日", "Working day"),
    ("weekend", "周末", "Weekend"),
    ("holiday", "法定节假日", "Holiday"),
    ("makeup_workday", "调休上班", "Make-up working day"),
    (
        "provisional",
        "暂定：该年度通知尚未发布，按周一至周五计算",
        "Provisional: no notice for this year yet; Monday to Friday assumed",
    ),
    ("weekdays", "一,二,三,四,五,六,日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    ("not_found", "页面不存在", "Page not found"),
    ("forbidden", "无权访问此页面", "You may not open this page"),
    ("error", "出错了", "Something went wrong"),
    (
        "home_intro",
        "在这里处理店铺、保证金、蓝V认证和审核工作。",
        "Shops, deposits, blue-V verification and reviews are handled here.",
    ),
];

pub fn t(lang: Lang, key: &str) -> &'static str {
    match TEXTS.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => "??",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut keys: Vec<&str> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "duplicate key");
        assert!(TEXTS.iter().all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
        assert_eq!(t(Lang::Zh, "login"), "登录");
        assert_eq!(t(Lang::En, "login"), "Log in");
        assert_eq!(t(Lang::En, "no_such_key"), "??");
    }
}
