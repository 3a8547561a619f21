//! `xiaodian check`: says whether a Unified Social Credit Code or a resident ID number is valid, in one word.
//!
//! The word is the whole output, so scripts can compare it, and the exit status is 0 only for
//! `valid`. The code itself is never printed: a resident ID number is personal data.

use std::process::ExitCode;

use domain::validators::{ResidentId, ResidentIdError, Uscc, UsccCheck, UsccError};

/// The verdict printed for a code that passes every check.
const VALID: &str = "valid";

#[derive(clap::Subcommand)]
pub enum CheckCommand {
    /// Check a Unified Social Credit Code (统一社会信用代码, GB 32100-2015).
    ///
    /// Prints valid, invalid_format or checksum_mismatch.
    Uscc {
        /// The code; spaces, hyphens and lower case are accepted.
        code: String,
    },
    /// Check a resident ID number (居民身份证号码, GB 11643-1999).
    ///
    /// Prints valid, invalid_format, invalid_birth_date or checksum_mismatch.
    ResidentId {
        /// The 18-character number; spaces, hyphens and a lower-case x are accepted.
        code: String,
    },
}

/// Prints the verdict on `command`'s code; exits with success only when it is `valid`.
pub fn run(command: CheckCommand) -> ExitCode {
    let verdict = verdict(&command);
    println!("{verdict}");
    if verdict == VALID { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The one word `run` prints.
fn verdict(command: &CheckCommand) -> &'static str {
    match command {
        CheckCommand::Uscc { code } => match Uscc::parse(code) {
            Ok((_, UsccCheck::Valid)) => VALID,
            Ok((_, UsccCheck::ChecksumMismatch)) => "checksum_mismatch",
            Err(UsccError::InvalidFormat) => "invalid_format",
        },
        CheckCommand::ResidentId { code } => match ResidentId::parse(code) {
            Ok(_) => VALID,
            Err(ResidentIdError::InvalidFormat) => "invalid_format",
            Err(ResidentIdError::InvalidBirthDate) => "invalid_birth_date",
            Err(ResidentIdError::ChecksumMismatch) => "checksum_mismatch",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        #[track_caller]
        fn check(command: CheckCommand, expect: &str) {
            assert_eq!(verdict(&command), expect);
        }
        let uscc = |code: &str| CheckCommand::Uscc { code: code.to_owned() };
        let resident_id = |code: &str| CheckCommand::ResidentId { code: code.to_owned() };

        check(uscc("91350100M000100Y43"), "valid");
        check(uscc("91440101ma5cjq4n59"), "valid");
        check(uscc("91350100M000100Y44"), "checksum_mismatch");
        check(uscc("91350100M000100Y4"), "invalid_format");
        check(uscc(""), "invalid_format");
        check(resident_id("11010519491231002X"), "valid");
        check(resident_id("11010519491231002x"), "valid");
        check(resident_id("110105194912310021"), "checksum_mismatch");
        check(resident_id("440524188001010014"), "invalid_birth_date");
        check(resident_id("11010519491231002"), "invalid_format");
    }

    #[test]
    fn command_line() {
        use clap::{Parser, Subcommand};

        #[derive(Parser)]
        struct Cli {
            #[command(subcommand)]
            command: CheckCommand,
        }
        #[track_caller]
        fn check(args: &[&str], expect: &str) {
            let cli = Cli::try_parse_from(std::iter::once("check").chain(args.iter().copied())).unwrap();
            assert_eq!(verdict(&cli.command), expect, "{args:?}");
        }
        check(&["uscc", "91350100M000100Y43"], "valid");
        check(&["resident-id", "11010519491231002X"], "valid");
        check(&["resident-id", "110105 19491231 002X"], "valid");
        assert!(Cli::try_parse_from(["check", "uscc"]).is_err());
        assert!(Cli::try_parse_from(["check", "passport", "E12345678"]).is_err());
        CheckCommand::augment_subcommands(clap::Command::new("check")).debug_assert();
    }
}
