//! JSON bytes exactly as Go's `encoding/json` writes them.
//!
//! kube-apiserver encodes with `json.NewEncoder(w).Encode(obj)` (compact, trailing newline) or
//! `json.MarshalIndent(obj, "", "  ")` (pretty, no trailing newline). Both escape `<`, `>`, `&`,
//! U+2028 and U+2029 as `\u003c`-style sequences, which serde_json does not do by itself; the
//! formatters here add that so byte-for-byte comparisons with recordings hold.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// Writes string fragments with Go's HTML-safe escaping, delegating everything else.
struct GoFormatter<F> {
    inner: F,
}

impl<F: Formatter> Formatter for GoFormatter<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (index, ch) in fragment.char_indices() {
            let escape = match ch {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..index])?;
            writer.write_all(escape.as_bytes())?;
            start = index + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_null<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.write_null(w)
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_value(w)
    }
}

/// Compact JSON followed by `"\n"`, as Go's `json.Encoder.Encode` writes it.
///
/// # Errors
/// Fails only when `value`'s `Serialize` implementation fails (e.g. a map with non-string keys).
pub fn to_go_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        GoFormatter {
            inner: CompactFormatter,
        },
    );
    value.serialize(&mut ser)?;
    out.push(b'\n');
    Ok(out)
}

/// Indented JSON (two spaces, no trailing newline), as Go's `json.MarshalIndent(v, "", "  ")` writes it.
///
/// # Errors
/// Fails only when `value`'s `Serialize` implementation fails.
pub fn to_go_json_pretty<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    let formatter = GoFormatter {
        inner: PrettyFormatter::with_indent(b"  "),
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut ser)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_characters_like_go() {
        let value = serde_json::json!({"m": "a<b>&c\u{2028}\"\n"});
        assert_eq!(
            String::from_utf8(to_go_json(&value).unwrap()).unwrap(),
            "{\"m\":\"a\\u003cb\\u003e\\u0026c\\u2028\\\"\\n\"}\n"
        );
    }

    #[test]
    fn pretty_output_has_two_space_indent_and_no_newline() {
        let value = serde_json::json!({"kind": "Status", "metadata": {}, "items": []});
        assert_eq!(
            String::from_utf8(to_go_json_pretty(&value).unwrap()).unwrap(),
            "{\n  \"kind\": \"Status\",\n  \"metadata\": {},\n  \"items\": []\n}"
        );
    }
}
