//! `text_enum!`: an enum whose variants have a stable snake_case text and a Chinese name.

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
    };
}
