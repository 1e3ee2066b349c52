//! go-yaml v2's `resolve`: what a scalar means under YAML 1.1 (booleans `y`/`yes`/`on`…, ints in every
//! base Go's `strconv.ParseInt(s, 0, 64)` reads, floats, nulls, timestamps), with Go's number rules.

/// The long form of the `!!` tags.
pub(crate) const STR_TAG: &str = "tag:yaml.org,2002:str";
pub(crate) const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
pub(crate) const INT_TAG: &str = "tag:yaml.org,2002:int";
pub(crate) const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
pub(crate) const NULL_TAG: &str = "tag:yaml.org,2002:null";
pub(crate) const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
pub(crate) const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
pub(crate) const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

/// A resolved scalar, typed as go-yaml types it for an `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    /// Go `int` (64 bits).
    Int(i64),
    /// Go `uint64`, for integers above `MaxInt64`.
    Uint(u64),
    Float(f64),
    Str(String),
    /// Looks like a timestamp; an `interface{}` gets the text.
    Timestamp,
}

/// `!!foo` for a long tag, as go-yaml's `shortTag` writes tags in messages.
pub(crate) fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_owned(),
    }
}

fn resolvable(tag: &str) -> bool {
    matches!(
        tag,
        "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG
    )
}

/// The YAML 1.1 words go-yaml looks up before anything else.
fn lookup(s: &str) -> Option<(&'static str, Scalar)> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            (BOOL_TAG, Scalar::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            (BOOL_TAG, Scalar::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => (NULL_TAG, Scalar::Null),
        ".nan" | ".NaN" | ".NAN" => (FLOAT_TAG, Scalar::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            (FLOAT_TAG, Scalar::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => (FLOAT_TAG, Scalar::Float(f64::NEG_INFINITY)),
        "<<" => (MERGE_TAG, Scalar::Str("<<".to_owned())),
        _ => return None,
    })
}

/// `resolve(tag, in)`: the resolved tag and value, or go-yaml's `cannot decode` text when an explicit
/// tag does not fit the value.
pub(crate) fn resolve(tag: &str, value: &str) -> Result<(String, Scalar), String> {
    if !resolvable(tag) {
        return Ok((tag.to_owned(), Scalar::Str(value.to_owned())));
    }
    let (rtag, out) = resolve_plain(tag, value);
    if tag.is_empty() || tag == rtag || tag == STR_TAG || tag == BINARY_TAG {
        return Ok((rtag.to_owned(), out));
    }
    // go-yaml turns an int into a float for `!!float` (not a uint64).
    if tag == FLOAT_TAG
        && rtag == INT_TAG
        && let Scalar::Int(i) = out
    {
        return Ok((FLOAT_TAG.to_owned(), Scalar::Float(i as f64)));
    }
    Err(format!(
        "cannot decode {} `{value}` as a {}",
        short_tag(rtag),
        short_tag(tag)
    ))
}

fn resolve_plain(tag: &str, s: &str) -> (&'static str, Scalar) {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint != 0 && tag != STR_TAG && tag != BINARY_TAG {
        if let Some(found) = lookup(s) {
            return found;
        }
        match hint {
            b'.' => {
                if let Some(f) = parse_float(s) {
                    return (FLOAT_TAG, Scalar::Float(f));
                }
            }
            b'D' | b'S' => {
                if (tag.is_empty() || tag == TIMESTAMP_TAG) && is_timestamp(s) {
                    return (TIMESTAMP_TAG, Scalar::Timestamp);
                }
                let plain: String = s.chars().filter(|&c| c != '_').collect();
                if let Some(i) = parse_int(&plain, 0) {
                    return (INT_TAG, Scalar::Int(i));
                }
                if let Some(u) = parse_uint(&plain, 0) {
                    return (INT_TAG, Scalar::Uint(u));
                }
                if yaml_style_float(&plain)
                    && let Some(f) = parse_float(&plain)
                {
                    return (FLOAT_TAG, Scalar::Float(f));
                }
                if let Some(rest) = plain.strip_prefix("0b") {
                    if let Some(i) = parse_int(rest, 2) {
                        return (INT_TAG, Scalar::Int(i));
                    }
                    if let Some(u) = parse_uint(rest, 2) {
                        return (INT_TAG, Scalar::Uint(u));
                    }
                } else if let Some(rest) = plain.strip_prefix("-0b")
                    && let Some(i) = parse_int(&format!("-{rest}"), 2)
                {
                    return (INT_TAG, Scalar::Int(i));
                }
            }
            _ => {}
        }
    }
    (STR_TAG, Scalar::Str(s.to_owned()))
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - from
    };
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 (prefixes `0b`, `0o`, `0x`, and `0` for octal)
/// and base 2; `None` for a syntax or range error.
pub(crate) fn parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (base, digits) = if base == 0 {
        let lower = s.get(1..2).map(str::to_ascii_lowercase);
        if s.starts_with('0') {
            match lower.as_deref() {
                Some("b") if s.len() >= 3 => (2, &s[2..]),
                Some("o") if s.len() >= 3 => (8, &s[2..]),
                Some("x") if s.len() >= 3 => (16, &s[2..]),
                _ => (8, s.strip_prefix('0').unwrap_or(s)),
            }
        } else {
            (10, s)
        }
    } else {
        (base, s)
    };
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(36).filter(|&d| d < base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`.
pub(crate) fn parse_int(s: &str, base: u32) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_uint(rest, base)?;
    if negative {
        if magnitude <= 1 << 63 {
            Some((magnitude as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscores_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(b'+' | b'-') = b.first() {
        b = &b[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms go-yaml hands it; out of range is an error.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscores_ok(s) {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    // Go's decimal float syntax: digits with one optional dot, an optional exponent.
    let body = cleaned.trim_start_matches(['+', '-']);
    if cleaned.len() - body.len() > 1 || !yaml_style_float(body) {
        return None;
    }
    let value: f64 = cleaned.parse().ok()?;
    value.is_finite().then_some(value)
}

/// go-yaml's `parseTimestamp`: `YYYY-` and then one of the formats `time.Parse` accepts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_digits != 4 || b.len() == 4 || b[4] != b'-' {
        return false;
    }
    go_time_parse(s)
}

/// `time.Parse` with `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999`
/// or `2006-1-2`.
fn go_time_parse(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let number = |i: &mut usize, max: usize| -> Option<u32> {
        let from = *i;
        while *i < b.len() && *i - from < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == from {
            return None;
        }
        s[from..*i].parse().ok()
    };
    let Some(year) = number(&mut i, 4) else {
        return false;
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(month) = number(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(day) = number(&mut i, 2) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let zoned = match b[i] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    i += 1;
    let mut clock = [0u32; 3];
    for (k, slot) in clock.iter_mut().enumerate() {
        if k > 0 {
            if i >= b.len() || b[i] != b':' {
                return false;
            }
            i += 1;
        }
        match number(&mut i, 2) {
            Some(v) => *slot = v,
            None => return false,
        }
    }
    if clock[0] > 23 || clock[1] > 59 || clock[2] > 59 {
        return false;
    }
    // Optional fraction after the seconds: a dot or comma and at least one digit.
    if i < b.len() && (b[i] == b'.' || b[i] == b',') && b.get(i + 1).is_some_and(u8::is_ascii_digit)
    {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if !zoned {
        return i == b.len();
    }
    match &s[i..] {
        "Z" => true,
        zone => {
            let z = zone.as_bytes();
            z.len() == 6
                && (z[0] == b'+' || z[0] == b'-')
                && z[1].is_ascii_digit()
                && z[2].is_ascii_digit()
                && z[3] == b':'
                && z[4].is_ascii_digit()
                && z[5].is_ascii_digit()
        }
    }
}

fn days_in(year: u32, month: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Scalar {
        resolve("", s).expect("resolves").1
    }

    #[test]
    fn yaml_1_1_words() {
        for word in ["y", "Y", "yes", "on", "ON", "True"] {
            assert_eq!(plain(word), Scalar::Bool(true), "{word}");
        }
        for word in ["n", "no", "off", "Off", "FALSE"] {
            assert_eq!(plain(word), Scalar::Bool(false), "{word}");
        }
        assert_eq!(plain("~"), Scalar::Null);
        assert_eq!(plain(""), Scalar::Null);
        assert_eq!(plain("yEs"), Scalar::Str("yEs".to_owned()));
    }

    #[test]
    fn numbers_as_go_reads_them() {
        assert_eq!(plain("0x1F90"), Scalar::Int(8080));
        assert_eq!(plain("+80"), Scalar::Int(80));
        assert_eq!(plain("010"), Scalar::Int(8));
        assert_eq!(plain("0o17"), Scalar::Int(15));
        assert_eq!(plain("0b101"), Scalar::Int(5));
        assert_eq!(plain("1_000"), Scalar::Int(1000));
        assert_eq!(plain("08"), Scalar::Float(8.0));
        assert_eq!(plain("443.0"), Scalar::Float(443.0));
        assert_eq!(plain("1e3"), Scalar::Float(1000.0));
        assert_eq!(plain(".5"), Scalar::Float(0.5));
        assert_eq!(
            plain("9223372036854775808"),
            Scalar::Uint(9_223_372_036_854_775_808)
        );
        assert_eq!(plain("-9223372036854775808"), Scalar::Int(i64::MIN));
        assert_eq!(plain("1e400"), Scalar::Str("1e400".to_owned()));
        assert_eq!(plain("-inf"), Scalar::Str("-inf".to_owned()));
        assert!(matches!(plain(".NaN"), Scalar::Float(f) if f.is_nan()));
        assert_eq!(plain("0x"), Scalar::Str("0x".to_owned()));
    }

    #[test]
    fn timestamps_and_explicit_tags() {
        assert_eq!(plain("2026-01-01"), Scalar::Timestamp);
        assert_eq!(plain("2026-1-2T3:04:05Z"), Scalar::Timestamp);
        assert_eq!(plain("2026-02-30"), Scalar::Str("2026-02-30".to_owned()));
        assert_eq!(
            resolve(INT_TAG, "abc").unwrap_err(),
            "cannot decode !!str `abc` as a !!int"
        );
        assert_eq!(
            resolve(FLOAT_TAG, "3").unwrap(),
            (FLOAT_TAG.to_owned(), Scalar::Float(3.0))
        );
        assert_eq!(
            resolve(STR_TAG, "true").unwrap().1,
            Scalar::Str("true".to_owned())
        );
        assert_eq!(resolve("!foo", "1").unwrap().1, Scalar::Str("1".to_owned()));
    }
}
