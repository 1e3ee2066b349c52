//! The notation of the recordings of real kube-apiservers (`k8s-transcript`, `seq-diff`): the
//! placeholders that stand for server-chosen values, and the abbreviation of long request strings.
//!
//! One grammar, read here only: the replayer, the suite's recorded checks and this crate's recording
//! tests all use it.
//!
//! - Placeholders: `<ns>` (a second namespace is `<ns>-b`, the placeholder followed by `-b`),
//!   `<server>`, `<time>`, `<uid-N>`, `<rv-N>`, `<rv-N+>` (at or after `<rv-N>`), `<continue-N>`,
//!   `<gen-N>` (a generated name).
//! - Long strings: a request string longer than 2000 characters is written `<N x 'c'>` when it
//!   repeats one character (the character as Python's `repr` writes it), else `<N chars>`, which
//!   cannot be expanded.

use std::ops::Range;

use serde_json::Value;

/// A placeholder of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `<ns>`: the scenario's namespace.
    Namespace,
    /// `<server>`: the server's host and port.
    Server,
    /// `<time>`: a timestamp.
    Time,
    /// `<uid-N>`: the N-th uid of the scenario.
    Uid(u32),
    /// `<rv-N>`: the N-th distinct object resourceVersion, in numeric order.
    Rv(u32),
    /// `<rv-N+>`: a cluster-wide resourceVersion at or after `<rv-N>`.
    RvAtOrAfter(u32),
    /// `<continue-N>`: the N-th continue token.
    Continue(u32),
    /// `<gen-N>`: the N-th generated name.
    Gen(u32),
}

impl Placeholder {
    /// The placeholder `symbol` (with its angle brackets) stands for, if it is one.
    pub fn parse(symbol: &str) -> Option<Placeholder> {
        let inner = symbol.strip_prefix('<')?.strip_suffix('>')?;
        match inner {
            "ns" => return Some(Placeholder::Namespace),
            "server" => return Some(Placeholder::Server),
            "time" => return Some(Placeholder::Time),
            _ => {}
        }
        let (kind, n) = inner.split_once('-')?;
        let number = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        match kind {
            "uid" => number(n).map(Placeholder::Uid),
            "rv" => match n.strip_suffix('+') {
                Some(n) => number(n).map(Placeholder::RvAtOrAfter),
                None => number(n).map(Placeholder::Rv),
            },
            "continue" => number(n).map(Placeholder::Continue),
            "gen" => number(n).map(Placeholder::Gen),
            _ => None,
        }
    }
}

/// Every placeholder in `text`, with its byte range, left to right.
pub fn placeholders(text: &str) -> Vec<(Range<usize>, Placeholder)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find('<').map(|i| from + i) {
        let Some(close) = text[open..].find('>').map(|i| open + i) else {
            break;
        };
        // A `<` inside the candidate starts a new candidate (`<<ns>`).
        let start = text[open..close].rfind('<').map_or(open, |i| open + i);
        if let Some(p) = Placeholder::parse(&text[start..=close]) {
            found.push((start..close + 1, p));
        }
        from = close + 1;
    }
    found
}

/// A long request string as a recording writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LongString {
    /// `<N x 'c'>`: `count` times `ch`.
    Repeated {
        /// How many characters.
        count: usize,
        /// The character.
        ch: char,
    },
    /// `<N chars>`: a string of `len` characters that the recording did not keep.
    Opaque {
        /// How many characters.
        len: usize,
    },
}

impl LongString {
    /// The abbreviation `text` is, if it is one.
    pub fn parse(text: &str) -> Option<LongString> {
        let inner = text.strip_prefix('<')?.strip_suffix('>')?;
        let (count, rest) = inner.split_once(' ')?;
        let count: usize = count.parse().ok()?;
        if rest == "chars" {
            return Some(LongString::Opaque { len: count });
        }
        let ch = python_char_repr(rest.strip_prefix("x ")?)?;
        Some(LongString::Repeated { count, ch })
    }

    /// The string it stands for, when the recording kept it.
    pub fn expand(&self) -> Option<String> {
        match self {
            LongString::Repeated { count, ch } => Some(ch.to_string().repeat(*count)),
            LongString::Opaque { .. } => None,
        }
    }
}

/// The one character a Python `repr` of a one-character string denotes: `'c'`, `"'"`, `'\\'`,
/// `'\n'`, `'\x00'`, `'\u2028'`.
fn python_char_repr(repr: &str) -> Option<char> {
    let quote = repr.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let body = repr.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut chars = body.chars();
    let first = chars.next()?;
    if first != '\\' {
        return chars.next().is_none().then_some(first);
    }
    let escaped = chars.next()?;
    let rest: String = chars.collect();
    let hex = |digits: usize| {
        (rest.len() == digits)
            .then(|| u32::from_str_radix(&rest, 16).ok().and_then(char::from_u32))
            .flatten()
    };
    match escaped {
        '\\' | '\'' | '"' if rest.is_empty() => Some(escaped),
        'n' if rest.is_empty() => Some('\n'),
        't' if rest.is_empty() => Some('\t'),
        'r' if rest.is_empty() => Some('\r'),
        'x' => hex(2),
        'u' => hex(4),
        'U' => hex(8),
        _ => None,
    }
}

/// Expands every `<N x 'c'>` string in `value` (object keys are never abbreviated); returns the
/// `<N chars>` strings left as they are, which cannot be replayed exactly.
pub fn expand_long_strings(value: &mut Value) -> Vec<String> {
    let mut opaque = Vec::new();
    expand_into(value, &mut opaque);
    opaque
}

fn expand_into(value: &mut Value, opaque: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(long) = LongString::parse(s) {
                match long.expand() {
                    Some(expanded) => *s = expanded,
                    None => opaque.push(s.clone()),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| expand_into(v, opaque)),
        Value::Object(map) => map.values_mut().for_each(|v| expand_into(v, opaque)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn placeholders_of_every_kind() {
        assert_eq!(Placeholder::parse("<ns>"), Some(Placeholder::Namespace));
        assert_eq!(Placeholder::parse("<uid-12>"), Some(Placeholder::Uid(12)));
        assert_eq!(Placeholder::parse("<rv-3>"), Some(Placeholder::Rv(3)));
        assert_eq!(
            Placeholder::parse("<rv-3+>"),
            Some(Placeholder::RvAtOrAfter(3))
        );
        assert_eq!(
            Placeholder::parse("<continue-1>"),
            Some(Placeholder::Continue(1))
        );
        assert_eq!(Placeholder::parse("<gen-2>"), Some(Placeholder::Gen(2)));
        for not in [
            "<rv->",
            "<rv-+>",
            "<uid-a>",
            "<ns-b>",
            "ns",
            "<100 x 'a'>",
            "<rv-1++>",
        ] {
            assert_eq!(Placeholder::parse(not), None, "{not}");
        }
    }

    #[test]
    fn placeholders_are_found_in_text() {
        let text = "/api/v1/namespaces/<ns>-b/endpoints?resourceVersion=<rv-2+>&x=<a><<time>";
        let found: Vec<(&str, Placeholder)> = placeholders(text)
            .into_iter()
            .map(|(r, p)| (&text[r], p))
            .collect();
        assert_eq!(
            found,
            [
                ("<ns>", Placeholder::Namespace),
                ("<rv-2+>", Placeholder::RvAtOrAfter(2)),
                ("<time>", Placeholder::Time),
            ]
        );
    }

    #[test]
    fn long_strings_in_python_repr() {
        let expand = |s: &str| LongString::parse(s).and_then(|l| l.expand());
        assert_eq!(expand("<3 x 'a'>").as_deref(), Some("aaa"));
        assert_eq!(expand("<2 x \"'\">").as_deref(), Some("''"));
        assert_eq!(expand("<2 x '\\\\'>").as_deref(), Some("\\\\"));
        assert_eq!(expand("<2 x '\\n'>").as_deref(), Some("\n\n"));
        assert_eq!(expand("<1 x '\\x00'>").as_deref(), Some("\0"));
        assert_eq!(expand("<1 x 'é'>").as_deref(), Some("é"));
        assert_eq!(
            LongString::parse("<2001 chars>"),
            Some(LongString::Opaque { len: 2001 })
        );
        for not in ["<3 x 'ab'>", "<x x 'a'>", "<3 x a>", "<ns>", "3 x 'a'"] {
            assert_eq!(LongString::parse(not), None, "{not}");
        }
    }

    #[test]
    fn values_expand_in_place_and_report_what_cannot() {
        let mut v = json!({"a": ["<4 x 'z'>", {"b": "<2001 chars>"}], "<3 x 'k'>": "x"});
        let opaque = expand_long_strings(&mut v);
        assert_eq!(
            v,
            json!({"a": ["zzzz", {"b": "<2001 chars>"}], "<3 x 'k'>": "x"})
        );
        assert_eq!(opaque, ["<2001 chars>"]);
    }
}
