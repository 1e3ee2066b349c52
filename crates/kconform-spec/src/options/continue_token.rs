//! The continue token of a paged list (`pkg/storage/continue.go`): base64url JSON `{"v","rv","start"}`,
//! with the 1.36 leading-slash `start`, and the 400 texts of a token that does not decode.

use serde_json::Value;

use crate::gojson::{self, Node};
use crate::status::Status;
use crate::version::K8sVersion;

/// A decoded continue token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueToken {
    /// The list's resourceVersion (`-1`: continue at latest, from a 410 answer).
    pub resource_version: i64,
    /// The key to continue from, relative to the list prefix, NUL-terminated: `ep-1\0` or `ns1/ep-1\0`.
    pub start: String,
}

const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64_raw_url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64_URL[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Go's `base64.RawURLEncoding.DecodeString` (non-strict: `\r` and `\n` are skipped).
fn base64_raw_url_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut count = 0;
    let mut last_index = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'\r' || b == b'\n' {
            continue;
        }
        let Some(value) = BASE64_URL.iter().position(|&c| c == b) else {
            return Err(format!("illegal base64 data at input byte {i}"));
        };
        acc = (acc << 6) | value as u32;
        count += 1;
        last_index = i;
        if count == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            count = 0;
        }
    }
    match count {
        0 => {}
        1 => return Err(format!("illegal base64 data at input byte {last_index}")),
        2 => out.push((acc >> 4) as u8),
        _ => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
    }
    Ok(out)
}

/// Go's `path.Clean`.
pub fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// Encodes a continue token after `last_key` (relative to the list prefix: `ep-1`, or `ns1/ep-1` across
/// namespaces). From 1.36 the `start` carries a leading slash (recordings, "disagree" item 5).
pub fn encode_continue(resource_version: i64, last_key: &str, v: K8sVersion) -> String {
    let start = if v.at_least(36) {
        format!("/{last_key}\u{0}")
    } else {
        format!("{last_key}\u{0}")
    };
    let mut token = serde_json::Map::new();
    token.insert("v".to_owned(), Value::String("meta.k8s.io/v1".to_owned()));
    token.insert("rv".to_owned(), Value::from(resource_version));
    token.insert("start".to_owned(), Value::String(start));
    let mut json = crate::json::to_go_json(&Value::Object(token)).unwrap_or_default();
    json.pop(); // json.Marshal has no trailing newline.
    base64_raw_url_encode(&json)
}

fn continue_error(detail: &str) -> Status {
    Status::bad_request(format!(
        "invalid continue token: continue key is not valid: {detail}"
    ))
}

/// Decodes a continue token (both the old and the 1.36 leading-slash `start` are accepted).
///
/// # Errors
/// The 400 `invalid continue token: continue key is not valid: …` Status.
pub fn decode_continue(token: &str) -> Result<ContinueToken, Status> {
    let data = base64_raw_url_decode(token).map_err(|e| continue_error(&e))?;
    let node = gojson::parse(&data).map_err(|e| continue_error(&e.to_string()))?;
    let mut version = String::new();
    let mut resource_version = 0i64;
    let mut start = String::new();
    match &node {
        Node::Object(members) => {
            for (key, value) in members {
                // encoding/json matches field names case-insensitively.
                let field = key.to_ascii_lowercase();
                let type_error = |ty: &str| {
                    continue_error(&format!(
                        "json: cannot unmarshal {} into Go struct field continueToken.{field} of type {ty}",
                        value.kind_word()
                    ))
                };
                match (field.as_str(), value) {
                    (_, Node::Null) => {}
                    ("v", Node::String(s)) => version = s.clone(),
                    ("start", Node::String(s)) => start = s.clone(),
                    ("rv", Node::Number(n)) => {
                        resource_version = n.parse::<i64>().map_err(|_| {
                            continue_error(&format!("json: cannot unmarshal number {n} into Go struct field continueToken.rv of type int64"))
                        })?;
                    }
                    ("v" | "start", _) => return Err(type_error("string")),
                    ("rv", _) => return Err(type_error("int64")),
                    _ => {}
                }
            }
        }
        Node::Null => {}
        other => {
            return Err(continue_error(&format!(
                "json: cannot unmarshal {} into Go value of type storage.continueToken",
                other.kind_word()
            )));
        }
    }
    if version != "meta.k8s.io/v1" {
        return Err(continue_error(&format!(
            "server does not recognize this encoded version {version}"
        )));
    }
    if resource_version == 0 {
        return Err(continue_error(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    if start.is_empty() {
        return Err(continue_error(
            "encoded start key empty (version meta.k8s.io/v1)",
        ));
    }
    let key = if start.starts_with('/') {
        start.clone()
    } else {
        format!("/{start}")
    };
    if path_clean(&key) != key {
        return Err(continue_error(&start));
    }
    Ok(ContinueToken {
        resource_version,
        start: key[1..].to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::query::{V28, V36};
    use super::*;

    #[test]
    fn continue_tokens() {
        assert_eq!(
            encode_continue(-1, "ep2", V28),
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiZXAyXHUwMDAwIn0"
        );
        let token = encode_continue(7, "ns1/ep-1", V36);
        assert_eq!(
            decode_continue(&token).unwrap(),
            ContinueToken {
                resource_version: 7,
                start: "ns1/ep-1\u{0}".into()
            }
        );
        assert_eq!(
            decode_continue(&encode_continue(7, "ep-1", V28))
                .unwrap()
                .start,
            "ep-1\u{0}"
        );
        assert_eq!(
            decode_continue("not-a-token").unwrap_err().message,
            "invalid continue token: continue key is not valid: invalid character '\\u009e' looking for beginning of value"
        );
        let encode = |json: &str| base64_raw_url_encode(json.as_bytes());
        assert!(
            decode_continue(&encode(
                r#"{"v":"meta.k8s.io/v1","rv":0,"start":"a\u0000"}"#
            ))
            .unwrap_err()
            .message
            .ends_with("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        );
        assert!(
            decode_continue(&encode(r#"{"v":"v9","rv":1,"start":"a"}"#))
                .unwrap_err()
                .message
                .ends_with("server does not recognize this encoded version v9")
        );
        assert!(
            decode_continue(&encode(r#"{"v":"meta.k8s.io/v1","rv":1,"start":""}"#))
                .unwrap_err()
                .message
                .ends_with("encoded start key empty (version meta.k8s.io/v1)")
        );
        assert!(
            decode_continue(&encode(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"../x"}"#))
                .unwrap_err()
                .message
                .ends_with("not valid: ../x")
        );
        assert_eq!(
            decode_continue("a").unwrap_err().message,
            "invalid continue token: continue key is not valid: illegal base64 data at input byte 0"
        );
        assert_eq!(path_clean("/a/./b/../c//"), "/a/c");
    }
}
