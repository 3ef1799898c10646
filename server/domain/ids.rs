//! Newtypes that can only hold valid values: join codes, tokens, participant ids, operation ids
//! and display names. Parsing happens once at the edge; the core trusts these types.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Characters a join code is made of: digits and capitals without the look-alikes 0/O, 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of a join code. 31^7 ≈ 2.75e10 combinations (see docs/ARCHITECTURE.md).
pub const CODE_LEN: usize = 7;

/// A session's join code, e.g. `K7M2QXP`. Always upper case, always [`CODE_LEN`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JoinCode(String);

impl JoinCode {
    /// Draws a fresh random code.
    pub fn random(rng: &mut impl Rng) -> Self {
        let code = (0..CODE_LEN)
            .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
            .collect();
        JoinCode(code)
    }

    /// Parses what a person typed: case, spaces and dashes do not matter.
    pub fn parse(input: &str) -> Result<Self, InvalidId> {
        let code: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b));
        if valid {
            Ok(JoinCode(code))
        } else {
            Err(InvalidId("join code"))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JoinCode {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        JoinCode::parse(&value)
    }
}

impl From<JoinCode> for String {
    fn from(value: JoinCode) -> Self {
        value.0
    }
}

impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Number of random bytes in a [`Token`]: 160 bits.
const TOKEN_BYTES: usize = 20;

/// A capability secret (facilitator, projector or participant): 160 random bits as lower-case hex.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Token(String);

impl Token {
    /// Draws a fresh random token.
    pub fn random(rng: &mut impl Rng) -> Self {
        let bytes: [u8; TOKEN_BYTES] = rng.random();
        Token(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Parses a token presented by a client.
    pub fn parse(input: &str) -> Result<Self, InvalidId> {
        let valid = input.len() == TOKEN_BYTES * 2
            && input
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if valid {
            Ok(Token(input.to_owned()))
        } else {
            Err(InvalidId("token"))
        }
    }

    /// Compares in time independent of where the inputs differ.
    pub fn matches(&self, other: &Token) -> bool {
        same_secret(self.0.as_bytes(), other.0.as_bytes())
    }

    /// The token as text (to hand to its owner, never to log).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Token {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Token::parse(&value)
    }
}

impl From<Token> for String {
    fn from(value: Token) -> Self {
        value.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// A participant within one session: `p0`, `p1`, … in order of joining.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ParticipantId(u32);

impl ParticipantId {
    /// The id of the participant at `index` in joining order.
    pub fn from_index(index: usize) -> Self {
        ParticipantId(u32::try_from(index).expect("participant count fits in u32"))
    }

    /// The position in joining order.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Parses `p<number>`.
    pub fn parse(input: &str) -> Result<Self, InvalidId> {
        input
            .strip_prefix('p')
            .filter(|digits| !digits.is_empty() && digits.len() <= 9)
            .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse().ok())
            .map(ParticipantId)
            .ok_or(InvalidId("participant id"))
    }
}

impl TryFrom<String> for ParticipantId {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ParticipantId::parse(&value)
    }
}

impl From<ParticipantId> for String {
    fn from(value: ParticipantId) -> Self {
        value.to_string()
    }
}

impl fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

/// Longest operation id a client may choose.
pub const MAX_OP_ID_LEN: usize = 64;

/// A client-chosen operation id, 1–64 printable ASCII characters; makes resending harmless.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OpId(String);

impl OpId {
    /// Parses a client's operation id.
    pub fn parse(input: &str) -> Result<Self, InvalidId> {
        let valid = !input.is_empty()
            && input.len() <= MAX_OP_ID_LEN
            && input.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            Ok(OpId(input.to_owned()))
        } else {
            Err(InvalidId("operation id"))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OpId {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OpId::parse(&value)
    }
}

impl From<OpId> for String {
    fn from(value: OpId) -> Self {
        value.0
    }
}

/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 60;

/// A participant's chosen display name: trimmed, 1–60 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// Parses a name; an empty or blank input means "no name" and is an error here.
    pub fn parse(input: &str) -> Result<Self, InvalidId> {
        let trimmed = input.trim();
        let valid = !trimmed.is_empty()
            && trimmed.chars().count() <= MAX_NAME_CHARS
            && !trimmed.chars().any(char::is_control);
        if valid {
            Ok(Name(trimmed.to_owned()))
        } else {
            Err(InvalidId("name"))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Name::parse(&value)
    }
}

impl From<Name> for String {
    fn from(value: Name) -> Self {
        value.0
    }
}

/// An input that is not a valid value of the named kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {0}")]
pub struct InvalidId(pub &'static str);

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_codes_avoid_look_alikes_and_parse_what_people_type() {
        for forbidden in ['0', 'O', '1', 'I', 'L'] {
            assert!(!CODE_ALPHABET.contains(&(forbidden as u8)));
        }
        let mut rng = rand::rng();
        let code = JoinCode::random(&mut rng);
        assert_eq!(code.as_str().len(), CODE_LEN);
        let typed = format!(
            " {}-{} ",
            &code.as_str()[..3],
            code.as_str()[3..].to_lowercase()
        );
        assert_eq!(JoinCode::parse(&typed).unwrap(), code);
        assert!(JoinCode::parse("ABC0EFG").is_err());
        assert!(JoinCode::parse("ABCDEF").is_err());
        assert!(JoinCode::parse("ÆBCDEFG").is_err());
    }

    #[test]
    fn tokens_carry_160_bits_and_compare_exactly() {
        let mut rng = rand::rng();
        let a = Token::random(&mut rng);
        assert_eq!(a.expose().len(), 40);
        assert!(a.matches(&Token::parse(a.expose()).unwrap()));
        assert!(!a.matches(&Token::random(&mut rng)));
        assert!(Token::parse("xyz").is_err());
        assert_eq!(format!("{a:?}"), "Token(…)");
    }

    #[test]
    fn participant_ids_round_trip_and_reject_junk() {
        let id = ParticipantId::from_index(12);
        assert_eq!(ParticipantId::parse(&id.to_string()).unwrap(), id);
        for junk in ["", "p", "12", "p-1", "p1x", "p99999999999"] {
            assert!(ParticipantId::parse(junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        assert_eq!(Name::parse("  Anna ").unwrap().as_str(), "Anna");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"å".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(Name::parse(&"å".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(Name::parse("a\u{0}b").is_err());
    }

    #[test]
    fn op_ids_are_short_printable_ascii() {
        assert!(OpId::parse("3f2a-1").is_ok());
        assert!(OpId::parse("").is_err());
        assert!(OpId::parse("a b").is_err());
        assert!(OpId::parse(&"x".repeat(MAX_OP_ID_LEN + 1)).is_err());
    }
}
