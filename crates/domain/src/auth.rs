//! Users, roles and credentials as types that cannot hold invalid values.

use crate::limits::{PASSWORD_LENGTH_MAX, PASSWORD_LENGTH_MIN, USERNAME_LENGTH_MAX};

/// What a user may do. A merchant user belongs to exactly one merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Reviewer,
    Merchant,
    Service,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Reviewer, Role::Merchant, Role::Service];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Merchant => "merchant",
            Role::Service => "service",
        }
    }

    pub fn parse(text: &str) -> Result<Role, AuthInputError> {
        Role::ALL.into_iter().find(|role| role.as_str() == text).ok_or(AuthInputError::UnknownRole)
    }
}

/// A login name: 1 to 64 characters of ASCII letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Username, AuthInputError> {
        let text = text.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if text.is_empty() || text.len() > USERNAME_LENGTH_MAX || !text.chars().all(allowed) {
            return Err(AuthInputError::InvalidUsername);
        }
        Ok(Username(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the length policy. It is only ever hashed, never stored or logged.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(text: &str) -> Result<NewPassword, AuthInputError> {
        let length = text.chars().count();
        if length < PASSWORD_LENGTH_MIN || text.len() > PASSWORD_LENGTH_MAX {
            return Err(AuthInputError::WeakPassword);
        }
        Ok(NewPassword(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthInputError {
    #[error("username must be 1-64 characters of letters, digits, '.', '_' or '-'")]
    InvalidUsername,
    #[error("password must be 8-256 characters")]
    WeakPassword,
    #[error("role must be admin, reviewer, merchant or service")]
    UnknownRole,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_username(input: &str, expect: Option<&str>) {
        assert_eq!(Username::parse(input).ok().map(|u| u.0), expect.map(str::to_owned), "{input:?}");
    }

    #[test]
    fn usernames() {
        check_username("alice", Some("alice"));
        check_username("  Bob.Smith-1 ", Some("bob.smith-1"));
        check_username("", None);
        check_username("a b", None);
        check_username("张三", None);
        check_username(&"x".repeat(65), None);
        check_username(&"x".repeat(64), Some(&"x".repeat(64)));
    }

    #[test]
    fn passwords_and_roles() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough").is_ok());
        assert!(NewPassword::parse(&"p".repeat(257)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("secret-password").unwrap()), "NewPassword(***)");
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse("root"), Err(AuthInputError::UnknownRole));
    }
}
