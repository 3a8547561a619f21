//! Parsers for identifiers a merchant types in: USCC (GB 32100-2015), resident ID (GB 11643-1999), mobile phone, e-mail.
//!
//! Each type keeps its normalised text in a private field, so holding a value proves it passed
//! the rules written here ("parse, don't validate"). Every parser bounds its input length before
//! looking at it.
//!
//! Normalisation is the same for the two codes: surrounding and inner white space (including the
//! ideographic space U+3000) and hyphens are ignored, and lower-case ASCII letters are read as
//! upper case. Any other character, full-width digits and letters included, is a format error.

use std::fmt;

use chrono::NaiveDate;

/// Longest USCC input accepted before normalisation, in bytes: room for 18 characters and separators.
pub const USCC_INPUT_BYTES_MAX: usize = 64;
/// Length of a normalised USCC, in characters.
pub const USCC_LENGTH: usize = 18;
/// Longest resident ID input accepted before normalisation, in bytes.
pub const RESIDENT_ID_INPUT_BYTES_MAX: usize = 64;
/// Length of a resident ID number, in characters.
pub const RESIDENT_ID_LENGTH: usize = 18;
/// Earliest birth year a resident ID number may carry.
pub const BIRTH_YEAR_MIN: i32 = 1900;
/// Latest birth year a resident ID number may carry.
pub const BIRTH_YEAR_MAX: i32 = 2100;
/// Longest mobile phone input accepted before normalisation, in bytes.
pub const MOBILE_PHONE_INPUT_BYTES_MAX: usize = 32;
/// Length of a normalised mainland mobile phone number, in digits.
pub const MOBILE_PHONE_LENGTH: usize = 11;
/// Longest e-mail address, in bytes (RFC 5321 path limit less the angle brackets).
pub const EMAIL_LENGTH_MAX: usize = 254;
/// Longest local part (before the '@') of an e-mail address, in bytes.
pub const EMAIL_LOCAL_PART_LENGTH_MAX: usize = 64;
/// Longest label of an e-mail domain, in bytes.
pub const EMAIL_DOMAIN_LABEL_LENGTH_MAX: usize = 63;

/// Length of the part of a code the check character is computed over.
const BODY_LENGTH: usize = 17;

/// The 31 USCC characters in value order: '0' is worth 0, 'Y' is worth 30 (no I, O, S, V, Z).
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// USCC weights, 3^(i-1) mod 31 for positions i = 1..=17.
const USCC_WEIGHTS: [u32; BODY_LENGTH] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// Registration authorities (登记管理部门, position 1): 1 机构编制, 2 外交, 3 司法行政, 4 文化,
/// 5 民政, 6 旅游, 7 宗教, 8 工会, 9 工商 (market regulation), then A 中央军委改革和编制办公室
/// and N 农业 added to the code table after 2015, and Y 其他.
///
/// Letters B to G, which appear in some third-party validators, are assigned to no authority and
/// are refused. Should the code table grow again, the new authority is one character here.
const USCC_REGISTRATION_AUTHORITIES: &[u8] = b"123456789ANY";
/// Organisation categories (机构类别, position 2) are digits in every authority's table, numbered
/// from 1 with 9 for "other"; which digits each authority uses is not checked, so an amendment of
/// a table does not make legal codes fail.
const USCC_CATEGORIES: std::ops::RangeInclusive<u8> = b'1'..=b'9';

/// Resident ID weights, 2^(17-i) mod 11 for positions i = 0..17.
const RESIDENT_ID_WEIGHTS: [u32; BODY_LENGTH] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Resident ID check characters, indexed by the weighted sum mod 11.
const RESIDENT_ID_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Removes white space and hyphens and upper-cases ASCII letters, or `None` when the input is
/// longer than `bytes_max`.
fn normalise(text: &str, bytes_max: usize) -> Option<String> {
    if text.len() > bytes_max {
        return None;
    }
    Some(text.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect())
}

/// The value 0-30 of a USCC character, or `None` outside the alphabet.
fn uscc_value(character: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&a| a == character).map(|value| value as u32)
}

/// A Unified Social Credit Code (统一社会信用代码, GB 32100-2015): 18 upper-case characters.
///
/// Layout: registration authority (1), organisation category (2), region code of the registering
/// office (3-8, GB/T 2260 digits), subject identifier (9-17, the GB 11714 organisation code) and
/// the check character (18). The organisation code's own check digit (position 17) is not
/// verified: the USCC check character already covers it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uscc(String);

/// Whether a well-formed USCC carries the right check character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsccCheck {
    Valid,
    /// A few early pilot codes fail the check yet are legal, so the code still parses and a
    /// reviewer sees a warning that they must override.
    ChecksumMismatch,
}

/// Why a text is not a USCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum UsccError {
    #[error(
        "a unified social credit code is 18 characters of 0-9 and A-Y without I, O, S, V or Z: \
         a registration authority (1-9, A, N or Y), a category digit, a 6-digit region code, \
         9 identifier characters and a check character"
    )]
    InvalidFormat,
}

impl Uscc {
    /// Parses a USCC. A format error is an error; a wrong check character is not, it is
    /// reported as `UsccCheck::ChecksumMismatch` next to the parsed code.
    pub fn parse(text: &str) -> Result<(Uscc, UsccCheck), UsccError> {
        let code = normalise(text, USCC_INPUT_BYTES_MAX).ok_or(UsccError::InvalidFormat)?;
        let bytes = code.as_bytes();
        let well_formed = bytes.len() == USCC_LENGTH
            && bytes.iter().all(|&b| uscc_value(b).is_some())
            && USCC_REGISTRATION_AUTHORITIES.contains(&bytes[0])
            && USCC_CATEGORIES.contains(&bytes[1])
            && bytes[2..8].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(UsccError::InvalidFormat);
        }
        let expected =
            Uscc::check_char(&code[..BODY_LENGTH]).expect("the body was checked to be in the alphabet");
        let check = if char::from(bytes[BODY_LENGTH]) == expected {
            UsccCheck::Valid
        } else {
            UsccCheck::ChecksumMismatch
        };
        Ok((Uscc(code), check))
    }

    /// The normalised code: 18 upper-case characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region code of the registering office, positions 3-8 (six digits).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The check character of 17 upper-case alphabet characters, or `None` for any other text.
    /// Only the alphabet is checked here, not what each position may hold.
    pub fn check_char(body17: &str) -> Option<char> {
        let bytes = body17.as_bytes();
        if bytes.len() != BODY_LENGTH {
            return None;
        }
        let mut sum = 0;
        for (&character, weight) in bytes.iter().zip(USCC_WEIGHTS) {
            sum += uscc_value(character)? * weight;
        }
        let value = (31 - sum % 31) % 31;
        Some(char::from(USCC_ALPHABET[value as usize]))
    }
}

/// A resident ID number (居民身份证号码, GB 11643-1999): 6-digit region, birth date `YYYYMMDD`,
/// 3-digit sequence and a check character, a digit or an upper-case 'X'.
///
/// The number is personal data and must never be logged: `Debug` prints only the masked form,
/// and there is no `Display`; `as_str` is for storage and comparison.
///
/// The birth date is a real date from `BIRTH_YEAR_MIN` to `BIRTH_YEAR_MAX`. It is not compared
/// with today, since the domain has no clock: callers that need "not in the future" check
/// `birth_date` against their clock. The region code is only required to be digits (GB/T 2260
/// changes every year), and the old 15-digit numbers (GB 11643-1989) are refused.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

/// Why a text is not a resident ID number. The variants carry nothing of the input, so an error
/// can be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ResidentIdError {
    #[error("a resident ID number is 17 digits followed by a digit or X")]
    InvalidFormat,
    #[error(
        "the birth date in the resident ID number is not a real date from {BIRTH_YEAR_MIN} to {BIRTH_YEAR_MAX}"
    )]
    InvalidBirthDate,
    #[error("the check character of the resident ID number does not match")]
    ChecksumMismatch,
}

/// The birth date in positions 7-14 of a number whose first 17 characters are ASCII digits.
fn resident_birth_date(id: &str) -> Option<NaiveDate> {
    let year: i32 = id[6..10].parse().ok()?;
    let month: u32 = id[10..12].parse().ok()?;
    let day: u32 = id[12..14].parse().ok()?;
    if !(BIRTH_YEAR_MIN..=BIRTH_YEAR_MAX).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

impl ResidentId {
    /// Parses a resident ID number. The checks run in order, and the first that fails is
    /// returned: format, then birth date, then check character.
    pub fn parse(text: &str) -> Result<ResidentId, ResidentIdError> {
        let id = normalise(text, RESIDENT_ID_INPUT_BYTES_MAX).ok_or(ResidentIdError::InvalidFormat)?;
        let bytes = id.as_bytes();
        let well_formed = bytes.len() == RESIDENT_ID_LENGTH
            && bytes[..BODY_LENGTH].iter().all(u8::is_ascii_digit)
            && (bytes[BODY_LENGTH].is_ascii_digit() || bytes[BODY_LENGTH] == b'X');
        if !well_formed {
            return Err(ResidentIdError::InvalidFormat);
        }
        resident_birth_date(&id).ok_or(ResidentIdError::InvalidBirthDate)?;
        let expected = ResidentId::check_char(&id[..BODY_LENGTH]).expect("the body was checked to be digits");
        if char::from(bytes[BODY_LENGTH]) != expected {
            return Err(ResidentIdError::ChecksumMismatch);
        }
        Ok(ResidentId(id))
    }

    /// The full number, 18 characters with an upper-case 'X'. Never log it: see `masked`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number for display: the region code, eight stars over the birth date, then the
    /// sequence and check character, as in `110105********002X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The birth date carried in positions 7-14.
    pub fn birth_date(&self) -> NaiveDate {
        resident_birth_date(&self.0).expect("parse checked the birth date")
    }

    /// The check character of 17 ASCII digits, or `None` for any other text.
    pub fn check_char(body17: &str) -> Option<char> {
        let bytes = body17.as_bytes();
        if bytes.len() != BODY_LENGTH || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = bytes
            .iter()
            .zip(RESIDENT_ID_WEIGHTS)
            .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        Some(char::from(RESIDENT_ID_CHECK_CHARS[(sum % 11) as usize]))
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

/// A mainland China mobile phone number: 11 digits starting with 13 to 19.
///
/// Input may carry a `+86` or `86` country prefix, white space and hyphens; the value keeps the
/// 11 digits only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

/// Why a text is not a mobile phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum MobilePhoneError {
    #[error("a mobile phone number is 11 digits starting with 13 to 19, optionally after +86")]
    InvalidFormat,
}

impl MobilePhone {
    pub fn parse(text: &str) -> Result<MobilePhone, MobilePhoneError> {
        let number = normalise(text, MOBILE_PHONE_INPUT_BYTES_MAX).ok_or(MobilePhoneError::InvalidFormat)?;
        let digits = match number.strip_prefix("+86") {
            Some(rest) => rest,
            None if number.len() == MOBILE_PHONE_LENGTH + 2 && number.starts_with("86") => &number[2..],
            None => &number,
        };
        let bytes = digits.as_bytes();
        let well_formed = bytes.len() == MOBILE_PHONE_LENGTH
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if !well_formed {
            return Err(MobilePhoneError::InvalidFormat);
        }
        Ok(MobilePhone(digits.to_owned()))
    }

    /// The 11 digits, without prefix or separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked pragmatically rather than by the full RFC 5322 grammar: one '@',
/// a dot-atom local part of at most `EMAIL_LOCAL_PART_LENGTH_MAX` bytes, and a domain of at
/// least two dot-separated labels of ASCII letters, digits and hyphens. The domain is stored in
/// lower case; the local part keeps its case. Quoted local parts, IP-literal domains and
/// non-ASCII addresses are refused (an internationalised domain is written in punycode).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum EmailError {
    #[error("an e-mail address is at most {EMAIL_LENGTH_MAX} characters")]
    TooLong,
    #[error("an e-mail address has exactly one '@'")]
    InvalidFormat,
    #[error(
        "the part before '@' must be 1 to {EMAIL_LOCAL_PART_LENGTH_MAX} letters, digits or \
         !#$%&'*+/=?^_`{{|}}~- separated by single dots"
    )]
    InvalidLocalPart,
    #[error("the part after '@' must be a domain name such as example.com")]
    InvalidDomain,
}

/// Whether `character` may appear in a dot-atom local part (RFC 5322 `atext`).
fn is_email_atext(character: u8) -> bool {
    character.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&character)
}

fn is_email_local_part(local: &str) -> bool {
    (1..=EMAIL_LOCAL_PART_LENGTH_MAX).contains(&local.len())
        && local.split('.').all(|atom| !atom.is_empty() && atom.bytes().all(is_email_atext))
}

fn is_email_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=EMAIL_DOMAIN_LABEL_LENGTH_MAX).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    // An all-digit last label would make the domain look like an IPv4 address.
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|top| !top.bytes().all(|b| b.is_ascii_digit()))
}

impl Email {
    /// Parses an e-mail address; surrounding white space is ignored.
    pub fn parse(text: &str) -> Result<Email, EmailError> {
        let text = text.trim();
        if text.len() > EMAIL_LENGTH_MAX {
            return Err(EmailError::TooLong);
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(EmailError::InvalidFormat);
        };
        if domain.contains('@') {
            return Err(EmailError::InvalidFormat);
        }
        if !is_email_local_part(local) {
            return Err(EmailError::InvalidLocalPart);
        }
        if !is_email_domain(domain) {
            return Err(EmailError::InvalidDomain);
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address, with the domain in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The samples of DESIGN §2.4 and GB 11643-1999.
    const USCC_SAMPLES: [&str; 2] = ["91350100M000100Y43", "91440101MA5CJQ4N59"];
    const RESIDENT_ID_SAMPLE: &str = "11010519491231002X";

    /// Characters substituted into codes: all printable ASCII (lower case, separators and letters
    /// outside the alphabets included), plus control and non-ASCII look-alikes.
    fn substitutes() -> impl Iterator<Item = char> {
        (' '..='~').chain(['\0', '\t', '\u{3000}', '中', 'Ａ', '１', 'É'])
    }

    fn substitute(code: &str, position: usize, replacement: char) -> String {
        code.chars().enumerate().map(|(index, c)| if index == position { replacement } else { c }).collect()
    }

    fn swap(code: &str, position: usize) -> String {
        let mut characters: Vec<char> = code.chars().collect();
        characters.swap(position, position + 1);
        characters.into_iter().collect()
    }

    /// Whether `replacement` reads as an alphabet character other than `original` once normalised.
    fn reads_as_other(replacement: char, original: char, alphabet: &[u8]) -> bool {
        let upper = replacement.to_ascii_uppercase();
        upper != original && u8::try_from(upper).is_ok_and(|b| alphabet.contains(&b))
    }

    fn with_uscc_check(body: &str) -> String {
        format!("{body}{}", Uscc::check_char(body).unwrap())
    }

    fn with_resident_check(body: &str) -> String {
        format!("{body}{}", ResidentId::check_char(body).unwrap())
    }

    /// Every single-character substitution and adjacent transposition of a valid USCC that
    /// `parse` does not catch as it should, described; empty when all are caught.
    fn uscc_corruptions_missed(code: &str) -> Vec<String> {
        let mut missed = Vec::new();
        let parsed = Uscc::parse(code).map(|(uscc, check)| (uscc.as_str().to_owned(), check));
        if parsed != Ok((code.to_owned(), UsccCheck::Valid)) {
            missed.push(format!("{code:?} itself gave {parsed:?}"));
        }
        for (position, original) in code.chars().enumerate() {
            for replacement in substitutes() {
                // A substitution by the same character, or its lower case, changes nothing.
                if replacement.to_ascii_uppercase() == original {
                    continue;
                }
                let corrupted = substitute(code, position, replacement);
                let outcome = Uscc::parse(&corrupted).map(|(_, check)| check);
                // From position 9 on every alphabet character is well formed: only the check
                // character can catch the substitution.
                let expect_mismatch = position >= 8 && reads_as_other(replacement, original, USCC_ALPHABET);
                let caught = match outcome {
                    Ok(UsccCheck::ChecksumMismatch) => true,
                    Err(UsccError::InvalidFormat) => !expect_mismatch,
                    Ok(UsccCheck::Valid) => false,
                };
                if !caught {
                    missed.push(format!("{corrupted:?} gave {outcome:?}"));
                }
            }
        }
        for position in 0..USCC_LENGTH - 1 {
            let swapped = swap(code, position);
            let outcome = Uscc::parse(&swapped).map(|(_, check)| check);
            if swapped != code && outcome == Ok(UsccCheck::Valid) {
                missed.push(format!("{swapped:?} gave {outcome:?}"));
            }
        }
        missed
    }

    /// The same for a valid resident ID number: every corruption must be refused, and outside
    /// the birth date a digit for a digit must be refused by the check character.
    fn resident_id_corruptions_missed(id: &str) -> Vec<String> {
        let mut missed = Vec::new();
        let parsed = ResidentId::parse(id).map(|parsed| parsed.as_str().to_owned());
        if parsed != Ok(id.to_owned()) {
            missed.push(format!("{id:?} itself gave {parsed:?}"));
        }
        for (position, original) in id.chars().enumerate() {
            for replacement in substitutes() {
                if replacement.to_ascii_uppercase() == original {
                    continue;
                }
                let corrupted = substitute(id, position, replacement);
                let outcome = ResidentId::parse(&corrupted).map(|_| ());
                let allowed = if position == BODY_LENGTH { b"0123456789X".as_slice() } else { b"0123456789" };
                let in_birth_date = (6..14).contains(&position);
                let caught = match outcome {
                    Ok(()) => false,
                    Err(ResidentIdError::ChecksumMismatch) => true,
                    Err(ResidentIdError::InvalidBirthDate) => in_birth_date,
                    Err(ResidentIdError::InvalidFormat) => !reads_as_other(replacement, original, allowed),
                };
                if !caught {
                    missed.push(format!("{corrupted:?} gave {outcome:?}"));
                }
            }
        }
        for position in 0..RESIDENT_ID_LENGTH - 1 {
            let swapped = swap(id, position);
            if swapped != id && ResidentId::parse(&swapped).is_ok() {
                missed.push(format!("{swapped:?} parsed"));
            }
        }
        missed
    }

    /// A well-formed USCC body: authority, category, region digits, nine alphabet characters.
    fn uscc_body() -> impl Strategy<Value = String> {
        let alphabet = prop::sample::select(USCC_ALPHABET.to_vec());
        (
            prop::sample::select(USCC_REGISTRATION_AUTHORITIES.to_vec()),
            USCC_CATEGORIES,
            prop::collection::vec(b'0'..=b'9', 6),
            prop::collection::vec(alphabet, 9),
        )
            .prop_map(|(authority, category, region, subject)| {
                [vec![authority, category], region, subject].concat().into_iter().map(char::from).collect()
            })
    }

    /// A resident ID body: any region digits, a birth date in range, any sequence.
    fn resident_id_body() -> impl Strategy<Value = String> {
        let first = NaiveDate::from_ymd_opt(BIRTH_YEAR_MIN, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(BIRTH_YEAR_MAX, 12, 31).unwrap();
        let days = (last - first).num_days() as u64;
        (0..1_000_000u32, 0..=days, 0..1_000u32).prop_map(move |(region, offset, sequence)| {
            let birth = first + chrono::Days::new(offset);
            format!("{region:06}{}{sequence:03}", birth.format("%Y%m%d"))
        })
    }

    #[test]
    fn validators_weights_follow_the_standards() {
        let mut power = 1;
        for weight in USCC_WEIGHTS {
            assert_eq!(weight, power);
            power = power * 3 % 31;
        }
        for (position, weight) in RESIDENT_ID_WEIGHTS.into_iter().enumerate() {
            assert_eq!(weight, 2u32.pow(17 - position as u32) % 11, "position {position}");
        }
        assert_eq!(USCC_ALPHABET.len(), 31);
        for excluded in b"IOSVZ" {
            assert!(!USCC_ALPHABET.contains(excluded));
        }
    }

    #[test]
    fn uscc_parse() {
        #[track_caller]
        fn check(input: &str, expect: Result<(&str, UsccCheck), UsccError>) {
            let parsed = Uscc::parse(input);
            let actual = parsed.as_ref().map(|(uscc, check)| (uscc.as_str(), *check)).map_err(|error| *error);
            assert_eq!(actual, expect, "{input:?}");
        }
        use UsccCheck::{ChecksumMismatch, Valid};
        use UsccError::InvalidFormat;

        // The samples.
        check("91350100M000100Y43", Ok(("91350100M000100Y43", Valid)));
        check("91440101MA5CJQ4N59", Ok(("91440101MA5CJQ4N59", Valid)));
        // Normalisation: surrounding and inner white space, hyphens, lower case.
        check("  91350100M000100Y43\n", Ok(("91350100M000100Y43", Valid)));
        check("9135 0100 M000 100Y 43", Ok(("91350100M000100Y43", Valid)));
        check("91-350100-M000100Y4-3", Ok(("91350100M000100Y43", Valid)));
        check("91440101ma5cjq4n59", Ok(("91440101MA5CJQ4N59", Valid)));
        check("\u{3000}9144 0101-ma5c\tjq4n 59 ", Ok(("91440101MA5CJQ4N59", Valid)));
        // A wrong check character still parses, with a warning.
        check("91350100M000100Y44", Ok(("91350100M000100Y44", ChecksumMismatch)));
        check("91440101MA5CJQ4N58", Ok(("91440101MA5CJQ4N58", ChecksumMismatch)));
        check("91440101ma5cjq4n5y", Ok(("91440101MA5CJQ4N5Y", ChecksumMismatch)));
        // Every registration authority of the code table, each with a correct check character.
        for authority in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "N", "Y"] {
            let code = with_uscc_check(&format!("{authority}1110000MA5CJQ4N5"));
            check(&code, Ok((code.as_str(), Valid)));
        }
        // Letters in the subject identifier and check character.
        let code = with_uscc_check("N2330100ABCDEFGHJ");
        check(&code, Ok((code.as_str(), Valid)));

        // Format errors. Each body has its check character computed, so only the named fault remains.
        let cases = [
            "",
            "   ",
            "-",
            "91350100M000100Y4",    // 17 characters
            "91350100M000100Y433",  // 19 characters
            "91350100M000100Y43 9", // 19 characters once spaces go
            "9135O100M000100Y43",   // O in the region code
            "91350100M0001O0Y43",   // O, not zero
            "91350100M000100I43",   // I, not one
            "91350100M0S0100Y43",   // S
            "91350100M000V00Y43",   // V
            "91350100M000100Z43",   // Z
            "91350100M000100Y4O",   // O as the check character
            "91350100M000100Y4_",   // punctuation
            "91350100M000100Y4.",   // punctuation
            "９1350100M000100Y43",  // full-width digit
            "91350100Ｍ000100Y43",  // full-width letter
            "91350100M000100Y4３",  // full-width check character
            "91350100M000100Y4\u{0}",
        ];
        for input in cases {
            check(input, Err(InvalidFormat));
        }
        let bodies = [
            "01350100M000100Y4", // authority 0 is unassigned
            "B1350100M000100Y4", // B to G are unassigned
            "G1350100M000100Y4",
            "H1350100M000100Y4",
            "X1350100M000100Y4",
            "90350100M000100Y4", // category 0 is unassigned
            "9A350100M000100Y4", // the category is a digit
            "Y0350100M000100Y4",
            "91A50100M000100Y4", // the region code is digits
            "9135010MM000100Y4",
            "91Y50100M000100Y4",
        ];
        for body in bodies {
            check(&with_uscc_check(body), Err(InvalidFormat));
        }
        // Input longer than the limit is refused before it is normalised.
        let padded = format!("{}91350100M000100Y43", " ".repeat(USCC_INPUT_BYTES_MAX));
        check(&padded, Err(InvalidFormat));
        let padded = format!("{}91350100M000100Y43", " ".repeat(USCC_INPUT_BYTES_MAX - USCC_LENGTH));
        check(&padded, Ok(("91350100M000100Y43", Valid)));
    }

    #[test]
    fn uscc_accessors() {
        #[track_caller]
        fn check(input: &str, region: &str) {
            let (uscc, _) = Uscc::parse(input).unwrap();
            assert_eq!(uscc.region_code(), region, "{input:?}");
        }
        check("91350100M000100Y43", "350100");
        check("91440101MA5CJQ4N59", "440101");
        check(&with_uscc_check("Y1110000MA5CJQ4N5").to_lowercase(), "110000");
    }

    #[test]
    fn uscc_check_char() {
        #[track_caller]
        fn check(body: &str, expect: Option<char>) {
            assert_eq!(Uscc::check_char(body), expect, "{body:?}");
        }
        check("91350100M000100Y4", Some('3'));
        check("91440101MA5CJQ4N5", Some('9'));
        check("00000000000000000", Some('0'));
        check("10000000000000000", Some('Y')); // (31 - 1) mod 31 = 30
        check("", None);
        check("91350100M000100Y", None);
        check("91350100M000100Y43", None);
        check("91440101ma5cjq4n5", None); // lower case is normalised by parse, not here
        check("91350100M000100I4", None);
        check("9135010中00100Y4", None);
    }

    #[test]
    fn uscc_sample_corruptions_are_caught() {
        for sample in USCC_SAMPLES {
            assert_eq!(uscc_corruptions_missed(sample), Vec::<String>::new(), "{sample}");
        }
    }

    #[test]
    fn resident_id_parse() {
        #[track_caller]
        fn check(input: &str, expect: Result<&str, ResidentIdError>) {
            let parsed = ResidentId::parse(input);
            assert_eq!(parsed.as_ref().map(ResidentId::as_str).map_err(|error| *error), expect, "{input:?}");
        }
        use ResidentIdError::{ChecksumMismatch, InvalidBirthDate, InvalidFormat};

        // The sample of GB 11643-1999, and its normalisation.
        check("11010519491231002X", Ok("11010519491231002X"));
        check("11010519491231002x", Ok("11010519491231002X"));
        check(" 110105 19491231 002x\n", Ok("11010519491231002X"));
        check("110105-19491231-002X", Ok("11010519491231002X"));
        // Wrong check characters.
        check("110105194912310021", Err(ChecksumMismatch));
        check("110105194912310020", Err(ChecksumMismatch));
        check("11010519491231003X", Err(ChecksumMismatch));
        // The standard's second sample carries a correct check character but was born in 1880.
        check("440524188001010014", Err(InvalidBirthDate));

        // Birth dates, each body with its check character computed.
        let dates = [
            ("19000101", Ok(())),
            ("21001231", Ok(())),
            ("20000229", Ok(())), // 2000 is a leap year
            ("20240229", Ok(())),
            ("18991231", Err(InvalidBirthDate)),
            ("21010101", Err(InvalidBirthDate)),
            ("19000229", Err(InvalidBirthDate)), // 1900 is not
            ("21000229", Err(InvalidBirthDate)), // nor is 2100
            ("20230229", Err(InvalidBirthDate)),
            ("19490230", Err(InvalidBirthDate)),
            ("19490431", Err(InvalidBirthDate)),
            ("19491301", Err(InvalidBirthDate)),
            ("19490001", Err(InvalidBirthDate)),
            ("19491200", Err(InvalidBirthDate)),
            ("19491232", Err(InvalidBirthDate)),
            ("00000000", Err(InvalidBirthDate)),
        ];
        for (date, expect) in dates {
            let id = with_resident_check(&format!("110105{date}002"));
            check(&id, expect.map(|()| id.as_str()));
        }
        // A date error wins over a check character error.
        check("110105194902300020", Err(InvalidBirthDate));

        let cases = [
            "",
            "   ",
            "1101051949123100",    // 16 characters
            "11010519491231002",   // 17 characters
            "11010519491231002XX", // 19 characters
            "110105491231002",     // an old 15-digit number
            "1101051949123100X2",  // X only as the check character
            "X10105194912310021",
            "11010519491231002Y",
            "11010519491231002*",
            "1101O519491231002X", // letter O
            "11010519491231OO2X",
            "１10105194912310021X", // full-width digit
            "11010519491231002Ｘ",  // full-width X
        ];
        for input in cases {
            check(input, Err(InvalidFormat));
        }
        let padded = format!("{}11010519491231002X", " ".repeat(RESIDENT_ID_INPUT_BYTES_MAX));
        check(&padded, Err(InvalidFormat));
    }

    #[test]
    fn resident_id_accessors() {
        #[track_caller]
        fn check(input: &str, masked: &str, birth_date: (i32, u32, u32)) {
            let id = ResidentId::parse(input).unwrap();
            let (year, month, day) = birth_date;
            assert_eq!(id.masked(), masked, "{input:?}");
            assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(year, month, day).unwrap(), "{input:?}");
            // Debug shows the masked form only.
            assert_eq!(format!("{id:?}"), format!("ResidentId({masked:?})"));
            assert!(!format!("{id:#?}").contains(&input[6..14]));
        }
        check("11010519491231002X", "110105********002X", (1949, 12, 31));
        check("440524200002290010", "440524********0010", (2000, 2, 29));
    }

    #[test]
    fn resident_id_check_char() {
        #[track_caller]
        fn check(body: &str, expect: Option<char>) {
            assert_eq!(ResidentId::check_char(body), expect, "{body:?}");
        }
        check("11010519491231002", Some('X'));
        check("44052418800101001", Some('4'));
        check("00000000000000000", Some('1'));
        check("", None);
        check("1101051949123100", None);
        check("11010519491231002X", None);
        check("1101051949123100X", None);
        check("1101051949123100１", None);
    }

    #[test]
    fn resident_id_sample_corruptions_are_caught() {
        assert_eq!(resident_id_corruptions_missed(RESIDENT_ID_SAMPLE), Vec::<String>::new());
    }

    #[test]
    fn mobile_phone_parse() {
        #[track_caller]
        fn check(input: &str, expect: Result<&str, MobilePhoneError>) {
            let parsed = MobilePhone::parse(input);
            assert_eq!(parsed.as_ref().map(MobilePhone::as_str).map_err(|error| *error), expect, "{input:?}");
        }
        use MobilePhoneError::InvalidFormat;

        check("13800138000", Ok("13800138000"));
        check("19912345678", Ok("19912345678"));
        check("16612345678", Ok("16612345678"));
        check(" 138 0013 8000 ", Ok("13800138000"));
        check("138-0013-8000", Ok("13800138000"));
        check("+8613800138000", Ok("13800138000"));
        check("+86 138 0013 8000", Ok("13800138000"));
        check("+86-138-0013-8000", Ok("13800138000"));
        check("8613800138000", Ok("13800138000"));
        check("86 13800138000", Ok("13800138000"));

        for input in [
            "",
            "+86",
            "86",
            "12012345678", // 12 is not a mobile prefix
            "11012345678",
            "10012345678",
            "23800138000", // not starting with 1
            "03800138000",
            "1380013800",      // 10 digits
            "138001380000",    // 12 digits
            "+86138001380000", // 12 digits after +86
            "+8513800138000",  // another country
            "+85213800138000",
            "008613800138000", // only +86 and 86 are prefixes
            "+13800138000",
            "13800138000+86",
            "1380013800a",
            "138.0013.8000",
            "(138)00138000",
            "１3800138000", // full-width digit
        ] {
            check(input, Err(InvalidFormat));
        }
        let padded = format!("{}13800138000", " ".repeat(MOBILE_PHONE_INPUT_BYTES_MAX));
        check(&padded, Err(InvalidFormat));
    }

    #[test]
    fn email_parse() {
        #[track_caller]
        fn check(input: &str, expect: Result<&str, EmailError>) {
            let parsed = Email::parse(input);
            assert_eq!(parsed.as_ref().map(Email::as_str).map_err(|error| *error), expect, "{input:?}");
        }
        use EmailError::{InvalidDomain, InvalidFormat, InvalidLocalPart, TooLong};

        check("shop@example.com", Ok("shop@example.com"));
        check("  Shop.Owner@Example.COM \n", Ok("Shop.Owner@example.com"));
        check("a@b.cn", Ok("a@b.cn"));
        check("first.last+tag@mail.example.com.cn", Ok("first.last+tag@mail.example.com.cn"));
        check("o'brien_#1!@xn--fiqs8s.xn--fiqs8s", Ok("o'brien_#1!@xn--fiqs8s.xn--fiqs8s"));
        check("user@my-shop.example", Ok("user@my-shop.example"));
        check("user@163.com", Ok("user@163.com"));

        check("", Err(InvalidFormat));
        check("shop", Err(InvalidFormat));
        check("shop.example.com", Err(InvalidFormat));
        check("a@b@example.com", Err(InvalidFormat));
        check("@example.com", Err(InvalidLocalPart));
        check(".shop@example.com", Err(InvalidLocalPart));
        check("shop.@example.com", Err(InvalidLocalPart));
        check("sh..op@example.com", Err(InvalidLocalPart));
        check("sh op@example.com", Err(InvalidLocalPart));
        check("\"shop\"@example.com", Err(InvalidLocalPart));
        check("店主@example.com", Err(InvalidLocalPart));
        check("shop@", Err(InvalidDomain));
        check("shop@example", Err(InvalidDomain));
        check("shop@.example.com", Err(InvalidDomain));
        check("shop@example.com.", Err(InvalidDomain));
        check("shop@example..com", Err(InvalidDomain));
        check("shop@-example.com", Err(InvalidDomain));
        check("shop@example-.com", Err(InvalidDomain));
        check("shop@exa_mple.com", Err(InvalidDomain));
        check("shop@例子.中国", Err(InvalidDomain));
        check("shop@[127.0.0.1]", Err(InvalidDomain));
        check("shop@127.0.0.1", Err(InvalidDomain));
        check("shop@example.com ", Ok("shop@example.com"));
        check("shop@exam ple.com", Err(InvalidDomain));

        // Limits: local part 64, label 63, whole address 254.
        let local = "a".repeat(EMAIL_LOCAL_PART_LENGTH_MAX);
        check(&format!("{local}@example.com"), Ok(format!("{local}@example.com").as_str()));
        check(&format!("{local}a@example.com"), Err(InvalidLocalPart));
        let label = "b".repeat(EMAIL_DOMAIN_LABEL_LENGTH_MAX);
        check(&format!("shop@{label}.com"), Ok(format!("shop@{label}.com").as_str()));
        check(&format!("shop@{label}b.com"), Err(InvalidDomain));
        let domain = format!("{label}.{label}.{label}.{}", "c".repeat(53)); // 245 bytes
        let longest = format!("abcdefgh@{domain}");
        assert_eq!(longest.len(), EMAIL_LENGTH_MAX);
        check(&longest, Ok(longest.as_str()));
        check(&format!("abcdefghi@{domain}"), Err(TooLong));
    }

    #[test]
    fn errors_name_no_personal_data() {
        // The messages are fixed text: nothing of the input can reach a log through them.
        assert_eq!(
            ResidentIdError::InvalidBirthDate.to_string(),
            "the birth date in the resident ID number is not a real date from 1900 to 2100"
        );
        assert!(
            UsccError::InvalidFormat.to_string().starts_with("a unified social credit code is 18 characters")
        );
        assert!(EmailError::InvalidLocalPart.to_string().contains("{|}~-"));
    }

    proptest! {
        #[test]
        fn uscc_generated_corruptions_are_caught(body in uscc_body()) {
            let code = with_uscc_check(&body);
            prop_assert_eq!(uscc_corruptions_missed(&code), Vec::<String>::new());
        }

        #[test]
        fn resident_id_generated_corruptions_are_caught(body in resident_id_body()) {
            let id = with_resident_check(&body);
            prop_assert_eq!(resident_id_corruptions_missed(&id), Vec::<String>::new());
            let parsed = ResidentId::parse(&id).unwrap();
            prop_assert_eq!(parsed.birth_date().format("%Y%m%d").to_string(), &body[6..14]);
            prop_assert_eq!(parsed.masked(), format!("{}********{}", &id[..6], &id[14..]));
        }

        #[test]
        fn uscc_normalisation_round_trips(body in uscc_body(), separators in prop::collection::vec(0..4usize, 18)) {
            let code = with_uscc_check(&body);
            let written: String = code
                .chars()
                .zip(separators)
                .map(|(c, separator)| format!("{}{}", c.to_ascii_lowercase(), ["", " ", "-", "\t"][separator]))
                .collect();
            let parsed = Uscc::parse(&written).map(|(uscc, check)| (uscc.as_str().to_owned(), check));
            prop_assert_eq!(parsed, Ok((code, UsccCheck::Valid)));
        }
    }
}
