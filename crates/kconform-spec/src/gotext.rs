//! Go's text rules that kube-apiserver's messages are made of: `strconv.Quote` (`%q`), `%#U` runes,
//! `strconv.IsPrint`, and the error texts of `strconv.ParseInt`/`ParseUint`.
//!
//! A leaf module: it uses nothing else in the crate, so every module that renders Go text can depend on
//! it without depending on each other.

/// Go's `strconv.Quote`: double quotes, `\"` and `\\`, short escapes for control characters,
/// `\xNN`/`\uNNNN` for other non-printable runes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !is_go_printable(c) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint`/`unicode.IsPrint`: letters, marks, numbers, punctuation,
/// symbols and the ASCII space. Rust has no category tables in std, so the known non-printable blocks
/// (C1 controls, other spaces, format characters, private use, noncharacters) are listed.
pub fn is_go_printable(c: char) -> bool {
    let n = c as u32;
    !(n < 0x20
        || (0x7f..=0xa0).contains(&n)
        || n == 0xad
        || (0x600..=0x605).contains(&n)
        || n == 0x61c
        || n == 0x6dd
        || n == 0x70f
        || n == 0x1680
        || n == 0x180e
        || (0x2000..=0x200f).contains(&n)
        || (0x2028..=0x202f).contains(&n)
        || (0x205f..=0x206f).contains(&n)
        || n == 0x3000
        || (0xd800..=0xf8ff).contains(&n)
        || n == 0xfeff
        || (0xfff9..=0xfffb).contains(&n)
        || n == 0xfffe
        || n == 0xffff
        || (0xf0000..=0x10ffff).contains(&n)
        || (0xe0000..=0xe007f).contains(&n))
}

/// Go's `%#U`: `U+0009` or `U+0041 'A'` for printable runes.
pub fn go_rune_u(ch: char) -> String {
    if is_go_printable(ch) && !(ch != ' ' && ch.is_whitespace()) {
        format!("U+{:04X} '{ch}'", ch as u32)
    } else {
        format!("U+{:04X}", ch as u32)
    }
}

/// A failed `strconv.ParseInt`/`ParseUint`; `Display` is Go's `*strconv.NumError` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("strconv.{func}: parsing {}: {}", go_quote(.input), .kind.text())]
pub struct NumError {
    /// The Go function: `ParseInt` or `ParseUint`.
    pub func: &'static str,
    /// The text that was parsed.
    pub input: String,
    /// Why it failed.
    pub kind: NumErrorKind,
}

/// Why a number did not parse (`strconv.ErrSyntax` or `strconv.ErrRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumErrorKind {
    /// `invalid syntax`.
    Syntax,
    /// `value out of range`.
    Range,
}

impl NumErrorKind {
    fn text(self) -> &'static str {
        match self {
            NumErrorKind::Syntax => "invalid syntax",
            NumErrorKind::Range => "value out of range",
        }
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
///
/// # Errors
/// `strconv.ParseInt: parsing "abc": invalid syntax` or `…: value out of range`.
pub fn go_parse_int(s: &str) -> Result<i64, NumError> {
    s.parse::<i64>().map_err(|e| NumError {
        func: "ParseInt",
        input: s.to_owned(),
        kind: match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                NumErrorKind::Range
            }
            _ => NumErrorKind::Syntax,
        },
    })
}

/// Go's `strconv.ParseUint(s, 10, 64)`: unlike Rust's parser it takes no leading `+`.
///
/// # Errors
/// `strconv.ParseUint: parsing "abc": invalid syntax` or `…: value out of range`.
pub fn go_parse_uint(s: &str) -> Result<u64, NumError> {
    let error = |kind| NumError {
        func: "ParseUint",
        input: s.to_owned(),
        kind,
    };
    if s.starts_with('+') {
        return Err(error(NumErrorKind::Syntax));
    }
    s.parse::<u64>().map_err(|e| {
        error(match e.kind() {
            std::num::IntErrorKind::PosOverflow => NumErrorKind::Range,
            _ => NumErrorKind::Syntax,
        })
    })
}

/// Go's `strconv.ParseBool`: `1 t T TRUE true True` and `0 f F FALSE false False`; anything else is
/// an error, here `None`.
pub fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_are_go_texts() {
        assert_eq!(
            go_parse_int("abc").unwrap_err().to_string(),
            "strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            go_parse_int("99999999999999999999")
                .unwrap_err()
                .to_string(),
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            go_parse_uint("+1").unwrap_err().to_string(),
            "strconv.ParseUint: parsing \"+1\": invalid syntax"
        );
        assert_eq!(go_parse_uint("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(go_parse_bool("T"), Some(true));
        assert_eq!(go_parse_bool("tRue"), None);
    }

    #[test]
    fn quote_and_runes() {
        assert_eq!(
            go_quote("a\"b\n\u{7f}\u{200b}"),
            "\"a\\\"b\\n\\x7f\\u200b\""
        );
        assert_eq!(go_rune_u('A'), "U+0041 'A'");
        assert_eq!(go_rune_u('\t'), "U+0009");
    }
}
