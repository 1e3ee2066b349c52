//! Request URLs as kube-apiserver reads them: Go's `net/url` decoding of the path and the query,
//! go-restful's path tokens, and the namer's refusal of names that cannot be a path segment.
//!
//! Go's HTTP server percent-decodes the whole path before anything routes it (`URL.Path`), so an
//! escaped slash (`a%2Fb`) is a second segment and matches no route, `caf%C3%A9` is the name `café`
//! and `%2E` is the name `.`; `+` stays a plus sign in a path.
//! go-restful's router trims slashes at both ends before it splits the path, so a trailing slash after
//! the collection is the collection and one after a name is the name.
//! The query is read with `url.ParseQuery`, whose malformed pairs are dropped, and
//! apimachinery's parameter codec takes the first value of a repeated parameter.
//! The recordings in `transcripts/paths/` show each of these at 1.28 and 1.36.

use crate::names::path_segment_name;
use crate::status::Status;

/// Why a request path cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// A `%` not followed by two hex digits (Go's `url.EscapeError`).
    #[error("invalid URL escape {}", crate::gotext::go_quote(.0))]
    InvalidEscape(String),
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Go's `unescape`: `%XX` becomes the byte, a `+` becomes a space only in a query component, and a
/// `%` without two hex digits is an error naming at most three bytes from it.
fn unescape(text: &str, plus_is_space: bool) -> Result<Vec<u8>, UrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let decoded = bytes
                    .get(i + 1)
                    .and_then(|&hi| hex_value(hi))
                    .zip(bytes.get(i + 2).and_then(|&lo| hex_value(lo)));
                let Some((hi, lo)) = decoded else {
                    let end = (i + 3).min(bytes.len());
                    return Err(UrlError::InvalidEscape(
                        String::from_utf8_lossy(&bytes[i..end]).into_owned(),
                    ));
                };
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// The decoded path, as Go's `url.ParseRequestURI` sets `URL.Path`: every `%XX` decoded, `+` kept.
///
/// Go keeps bytes that are not UTF-8; a Rust string cannot, so they become U+FFFD here. Stored names
/// are always UTF-8 (Go's JSON decoder replaces invalid bytes the same way), so such a name is never
/// found either way; only the not-found message differs (`"\xff"` in Go).
///
/// # Errors
/// [`UrlError::InvalidEscape`] for a `%` without two hex digits; Go's HTTP server then answers
/// `400 Bad Request` before kube-apiserver sees the request.
pub fn unescape_path(raw: &str) -> Result<String, UrlError> {
    unescape(raw, false).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// go-restful's path tokens: slashes trimmed at both ends, then split on `/`; `/` alone has none.
/// Empty segments inside the path stay (empty strings).
pub fn path_segments(path: &str) -> Vec<&str> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split('/').collect()
}

/// Go's `url.ParseQuery`, its errors ignored as `URL.Query()` does: pairs split on `&`, a pair
/// containing `;` or a malformed escape dropped, `+` a space, a key without `=` given the value `""`.
/// The pairs keep their request order; the parameter codec reads the first value of a name.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|part| !part.is_empty() && !part.contains(';'))
        .filter_map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let key = unescape(key, true).ok()?;
            let value = unescape(value, true).ok()?;
            Some((
                String::from_utf8_lossy(&key).into_owned(),
                String::from_utf8_lossy(&value).into_owned(),
            ))
        })
        .collect()
}

/// The namer's check of a name taken from the URL (`ContextBasedNaming.Name`, then the store's key
/// function): `.` and `..` are refused, and so is a name containing `/` or `%`.
///
/// A name from a path never contains `/` (an escaped slash is a second segment), but one from
/// anywhere else may.
///
/// # Errors
/// [`Status::name_parameter_invalid`] with every reason, joined by `;`.
pub fn check_path_name(name: &str) -> Result<(), Status> {
    let errors = path_segment_name(name, false);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Status::name_parameter_invalid(name, &errors))
    }
}

/// Percent-encodes a name for a path segment: everything but RFC 3986's unreserved characters is
/// escaped, so kube-apiserver decodes it back to `name`.
pub fn escape_path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_decode_like_go() {
        assert_eq!(unescape_path("caf%C3%A9").unwrap(), "café");
        assert_eq!(unescape_path("x%25y").unwrap(), "x%y");
        assert_eq!(unescape_path("%2E").unwrap(), ".");
        assert_eq!(unescape_path("%2e").unwrap(), ".");
        assert_eq!(unescape_path("a+b").unwrap(), "a+b");
        assert_eq!(unescape_path("%20").unwrap(), " ");
        assert_eq!(
            unescape_path("/api/v1/namespaces/x%2Fy/endpoints/z").unwrap(),
            "/api/v1/namespaces/x/y/endpoints/z"
        );
        assert_eq!(
            unescape_path("a%zzb"),
            Err(UrlError::InvalidEscape("%zz".to_owned()))
        );
        assert_eq!(
            unescape_path("a%4"),
            Err(UrlError::InvalidEscape("%4".to_owned()))
        );
        assert_eq!(
            UrlError::InvalidEscape("%4".to_owned()).to_string(),
            "invalid URL escape \"%4\""
        );
    }

    #[test]
    fn segments_trim_slashes_at_both_ends() {
        assert_eq!(
            path_segments("/api/v1/namespaces/kube-system/endpoints/"),
            ["api", "v1", "namespaces", "kube-system", "endpoints"]
        );
        assert_eq!(
            path_segments("/api/v1/namespaces/kube-system/endpoints/x/"),
            ["api", "v1", "namespaces", "kube-system", "endpoints", "x"]
        );
        assert_eq!(
            path_segments("/api/v1/namespaces/a/b/endpoints/z"),
            ["api", "v1", "namespaces", "a", "b", "endpoints", "z"]
        );
        assert_eq!(
            path_segments("/api/v1/namespaces//endpoints"),
            ["api", "v1", "namespaces", "", "endpoints"]
        );
        assert!(path_segments("/").is_empty());
        assert!(path_segments("").is_empty());
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn queries_parse_like_go() {
        assert_eq!(
            parse_query("limit=1&limit=2"),
            pairs(&[("limit", "1"), ("limit", "2")])
        );
        assert_eq!(
            parse_query("fieldSelector=metadata.name%21%3Dx%2Cmetadata.name%3Dy"),
            pairs(&[("fieldSelector", "metadata.name!=x,metadata.name=y")])
        );
        assert_eq!(
            parse_query("labelSelector=%3D%3D"),
            pairs(&[("labelSelector", "==")])
        );
        assert_eq!(parse_query("a=x+y%2B"), pairs(&[("a", "x y+")]));
        assert_eq!(
            parse_query("flag&=v&&b=1"),
            pairs(&[("flag", ""), ("", "v"), ("b", "1")])
        );
        assert_eq!(parse_query("a=1=2"), pairs(&[("a", "1=2")]));
        // Malformed escapes and semicolons drop their pair, not the query.
        assert_eq!(
            parse_query("bad=%zz&end=%4&limit=5&x=1;y=2"),
            pairs(&[("limit", "5")])
        );
        assert_eq!(parse_query("b%zzd=1&ok=2"), pairs(&[("ok", "2")]));
        assert!(parse_query("").is_empty());
    }

    #[test]
    fn path_names_are_refused_with_the_recorded_texts() {
        let refused = |name: &str| check_path_name(name).unwrap_err();
        let dot = refused(".");
        assert_eq!(
            (dot.code, dot.reason.as_str(), dot.message.as_str()),
            (
                400,
                "BadRequest",
                "Name parameter invalid: \".\": may not be '.'"
            )
        );
        assert_eq!(
            refused("..").message,
            "Name parameter invalid: \"..\": may not be '..'"
        );
        assert_eq!(
            refused("x%y").message,
            "Name parameter invalid: \"x%y\": may not contain '%'"
        );
        assert_eq!(
            refused("a/b").message,
            "Name parameter invalid: \"a/b\": may not contain '/'"
        );
        assert_eq!(
            refused("a/%b").message,
            "Name parameter invalid: \"a/%b\": may not contain '/';may not contain '%'"
        );
        assert_eq!(
            refused("caf\u{e9}\t%").message,
            "Name parameter invalid: \"café\\t%\": may not contain '%'"
        );
        for accepted in ["café", "a+b", " ", "...", ".x", "x."] {
            assert_eq!(check_path_name(accepted), Ok(()), "{accepted:?}");
        }
    }

    #[test]
    fn escaping_keeps_unreserved_characters() {
        assert_eq!(escape_path_segment("ep-1.a_b~"), "ep-1.a_b~");
        assert_eq!(escape_path_segment("café"), "caf%C3%A9");
        assert_eq!(escape_path_segment("x%y/z+ "), "x%25y%2Fz%2B%20");
    }

    proptest! {
        /// Every name the namer accepts comes back from any percent-encoding of it, each byte
        /// escaped or not, in either hex case.
        #[test]
        fn accepted_names_round_trip_through_percent_encoding(
            name in "[^/%]{1,40}",
            escapes in proptest::collection::vec(0u8..3, 160),
        ) {
            prop_assume!(check_path_name(&name).is_ok());
            let mut encoded = String::new();
            for (i, byte) in name.bytes().enumerate() {
                match escapes[i % escapes.len()] {
                    0 if byte.is_ascii() => encoded.push(char::from(byte)),
                    1 => encoded.push_str(&format!("%{byte:02x}")),
                    _ => encoded.push_str(&format!("%{byte:02X}")),
                }
            }
            let decoded = unescape_path(&encoded).unwrap();
            prop_assert_eq!(&decoded, &name);
            prop_assert_eq!(unescape_path(&escape_path_segment(&name)).unwrap(), name);
        }
    }
}
