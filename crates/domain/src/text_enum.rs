//! `text_enum!`: an enum whose variants have a stable snake_case text and a Chinese name, parsed
//! from its text at the store boundary (`TryFrom<String>`, used by `#[sqlx(try_from = "String")]`).

/// A stored text that names no variant of the enum it was read as: a bug or a hand-edited row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a {kind}")]
pub struct UnknownText {
    pub kind: &'static str,
    pub text: String,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal, $zh:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text,)* } }
            pub fn name_zh(self) -> &'static str { match self { $($name::$variant => $zh,)* } }
            pub fn parse(text: &str) -> Option<$name> { $name::ALL.iter().copied().find(|v| v.as_str() == text) }
        }

        text_conversions!($name);
    };
}

/// `TryFrom<String>` and `Display` for a type with `parse(&str) -> Option<Self>` and `as_str()`:
/// what `text_enum!` gives its enums, for the status types written by hand.
macro_rules! text_conversions {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = $crate::UnknownText;
            fn try_from(text: String) -> Result<$name, $crate::UnknownText> {
                $name::parse(&text).ok_or($crate::UnknownText { kind: stringify!($name), text })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
