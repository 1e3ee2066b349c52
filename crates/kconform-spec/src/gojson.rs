//! A JSON reader with Go's `encoding/json` syntax-error texts, keeping duplicate keys and number literals.
//!
//! kube-apiserver's 400 messages quote Go's scanner errors verbatim (`invalid character 'h' in literal
//! true (expecting 'r')`, `unexpected end of JSON input`), and strict decoding needs duplicate keys and
//! the exact number text, none of which serde_json keeps. The parser is iterative, so deep nesting
//! cannot overflow the stack; nesting beyond [`MAX_DEPTH`] is rejected.

/// A parsed JSON value with object members in document order, duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its literal text.
    Number(String),
    /// A string (invalid UTF-8 replaced by U+FFFD, as Go does).
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object's members in order, duplicates included.
    Object(Vec<(String, Node)>),
}

/// Nesting deeper than this is rejected. Go allows 10000; a lower bound keeps recursive consumers
/// (conversion, drop) comfortably within a thread's stack. Bodies this deep are not Endpoints anyway.
pub const MAX_DEPTH: usize = 512;

/// Go's `quoteChar` for a scanner byte: `'x'`, `'\''`, `'"'`, or `'\u009e'` for bytes ≥ 0x80.
pub fn quote_char(b: u8) -> String {
    match b {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        _ => {
            let quoted = crate::gotext::go_quote(&char::from(b).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

impl Node {
    /// The Go `UnmarshalTypeError` value word for this node: "string", "number", "bool", "array", "object".
    pub fn kind_word(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "bool",
            Node::Number(_) => "number",
            Node::String(_) => "string",
            Node::Array(_) => "array",
            Node::Object(_) => "object",
        }
    }

    /// Converts to a serde_json value (later duplicates win, as in Go). Numbers that are not integers
    /// become floats; integers beyond i64/u64 become floats too.
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(text) => {
                if let Ok(i) = text.parse::<i64>() {
                    Value::from(i)
                } else if let Ok(u) = text.parse::<u64>() {
                    Value::from(u)
                } else {
                    text.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map_or(Value::Null, Value::Number)
                }
            }
            Node::String(s) => Value::String(s.clone()),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(members) => {
                let mut map = serde_json::Map::new();
                for (key, value) in members {
                    map.insert(key.clone(), value.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

enum Frame {
    Array(Vec<Node>),
    Object(Vec<(String, Node)>, Option<String>),
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

const EOF_ERR: &str = "unexpected end of JSON input";

impl Reader<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.data.len()
            && matches!(self.data[self.pos], b' ' | b'\t' | b'\r' | b'\n')
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn err_at(&self, context: &str) -> String {
        match self.peek() {
            Some(b) => format!("invalid character {} {context}", quote_char(b)),
            None => EOF_ERR.to_owned(),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        // The first byte is already known to match.
        for (i, expected) in word.bytes().enumerate().skip(1) {
            match self.data.get(self.pos + i) {
                Some(&b) if b == expected => {}
                Some(&b) => {
                    return Err(format!(
                        "invalid character {} in literal {word} (expecting {})",
                        quote_char(b),
                        quote_char(expected)
                    ));
                }
                None => return Err(EOF_ERR.to_owned()),
            }
        }
        self.pos += word.len();
        Ok(())
    }

    fn number(&mut self) -> Result<String, String> {
        let start = self.pos;
        let digits = |r: &mut Reader<'_>| {
            while r.peek().is_some_and(|b| b.is_ascii_digit()) {
                r.pos += 1;
            }
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
            match self.peek() {
                Some(b'0'..=b'9') => {}
                _ => return Err(self.err_at("in numeric literal")),
            }
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            digits(self);
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.err_at("after decimal point in numeric literal"));
            }
            digits(self);
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.err_at("in exponent of numeric literal"));
            }
            digits(self);
        }
        Ok(String::from_utf8_lossy(&self.data[start..self.pos]).into_owned())
    }

    fn string(&mut self) -> Result<String, String> {
        // Positioned on the opening quote.
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(EOF_ERR.to_owned());
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(EOF_ERR.to_owned());
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&first) {
                                // A high surrogate combines with a following \uDC00-\uDFFF; otherwise U+FFFD.
                                let save = self.pos;
                                if self.data.get(self.pos..self.pos + 2) == Some(b"\\u") {
                                    self.pos += 2;
                                    match self.hex4() {
                                        Ok(second) if (0xDC00..0xE000).contains(&second) => {
                                            char::from_u32(
                                                0x10000
                                                    + ((first - 0xD800) << 10)
                                                    + (second - 0xDC00),
                                            )
                                        }
                                        _ => {
                                            self.pos = save;
                                            None
                                        }
                                    }
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(first)
                            };
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(
                                ch.unwrap_or('\u{FFFD}').encode_utf8(&mut buf).as_bytes(),
                            );
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.err_at("in string escape code"));
                        }
                    }
                }
                0..=0x1f => return Err(self.err_at("in string literal")),
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut n = 0u32;
        for _ in 0..4 {
            let Some(b) = self.peek() else {
                return Err(EOF_ERR.to_owned());
            };
            let digit = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                b'a'..=b'f' => u32::from(b - b'a') + 10,
                b'A'..=b'F' => u32::from(b - b'A') + 10,
                _ => return Err(self.err_at("in \\u hexadecimal character escape")),
            };
            n = n * 16 + digit;
            self.pos += 1;
        }
        Ok(n)
    }
}

/// A document `encoding/json` rejects; `Display` is Go's `*json.SyntaxError` text, e.g. `invalid
/// character 'h' in literal true (expecting 'r')` or `unexpected end of JSON input`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    message: String,
}

/// Parses one JSON document with Go's error texts.
///
/// # Errors
/// A [`SyntaxError`] with Go's `encoding/json` text for the first problem.
pub fn parse(data: &[u8]) -> Result<Node, SyntaxError> {
    parse_document(data).map_err(|message| SyntaxError { message })
}

fn parse_document(data: &[u8]) -> Result<Node, String> {
    let mut r = Reader { data, pos: 0 };
    let mut stack: Vec<Frame> = Vec::new();
    r.skip_ws();
    if r.peek().is_none() {
        return Err(EOF_ERR.to_owned());
    }
    loop {
        // Read one value (scalars directly, containers by pushing a frame).
        r.skip_ws();
        let value: Option<Node> = match r.peek() {
            None => return Err(EOF_ERR.to_owned()),
            Some(b'{') => {
                r.pos += 1;
                r.skip_ws();
                if r.peek() == Some(b'}') {
                    r.pos += 1;
                    Some(Node::Object(Vec::new()))
                } else {
                    if r.peek() != Some(b'"') {
                        return Err(r.err_at("looking for beginning of object key string"));
                    }
                    let key = r.string()?;
                    r.skip_ws();
                    if r.peek() != Some(b':') {
                        return Err(r.err_at("after object key"));
                    }
                    r.pos += 1;
                    stack.push(Frame::Object(Vec::new(), Some(key)));
                    None
                }
            }
            Some(b'[') => {
                r.pos += 1;
                r.skip_ws();
                if r.peek() == Some(b']') {
                    r.pos += 1;
                    Some(Node::Array(Vec::new()))
                } else {
                    stack.push(Frame::Array(Vec::new()));
                    None
                }
            }
            Some(b'"') => Some(Node::String(r.string()?)),
            Some(b'-' | b'0'..=b'9') => Some(Node::Number(r.number()?)),
            Some(b't') => r.literal("true").map(|()| Some(Node::Bool(true)))?,
            Some(b'f') => r.literal("false").map(|()| Some(Node::Bool(false)))?,
            Some(b'n') => r.literal("null").map(|()| Some(Node::Null))?,
            Some(_) => return Err(r.err_at("looking for beginning of value")),
        };
        if stack.len() > MAX_DEPTH {
            return Err("exceeded max depth".to_owned());
        }
        let Some(mut value) = value else { continue };
        // Attach the finished value to its parent, closing containers as far as possible.
        loop {
            match stack.last_mut() {
                None => {
                    r.skip_ws();
                    return match r.peek() {
                        None => Ok(value),
                        Some(_) => Err(r.err_at("after top-level value")),
                    };
                }
                Some(Frame::Array(items)) => {
                    items.push(value);
                    r.skip_ws();
                    match r.peek() {
                        Some(b',') => {
                            r.pos += 1;
                            break;
                        }
                        Some(b']') => {
                            r.pos += 1;
                            let Some(Frame::Array(items)) = stack.pop() else {
                                unreachable!("top frame is an array")
                            };
                            value = Node::Array(items);
                        }
                        _ => return Err(r.err_at("after array element")),
                    }
                }
                Some(Frame::Object(members, key)) => {
                    members.push((key.take().unwrap_or_default(), value));
                    r.skip_ws();
                    match r.peek() {
                        Some(b',') => {
                            r.pos += 1;
                            r.skip_ws();
                            if r.peek() != Some(b'"') {
                                return Err(r.err_at("looking for beginning of object key string"));
                            }
                            *key = Some(r.string()?);
                            r.skip_ws();
                            if r.peek() != Some(b':') {
                                return Err(r.err_at("after object key"));
                            }
                            r.pos += 1;
                            break;
                        }
                        Some(b'}') => {
                            r.pos += 1;
                            let Some(Frame::Object(members, _)) = stack.pop() else {
                                unreachable!("top frame is an object")
                            };
                            value = Node::Object(members);
                        }
                        _ => return Err(r.err_at("after object key:value pair")),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_error_texts() {
        assert_eq!(
            parse(b"this is not json").unwrap_err().to_string(),
            "invalid character 'h' in literal true (expecting 'r')"
        );
        assert_eq!(
            parse(b"").unwrap_err().to_string(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            parse(b"{\"a\":").unwrap_err().to_string(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            parse(b"nul").unwrap_err().to_string(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            parse(b"{\"a\" 1}").unwrap_err().to_string(),
            "invalid character '1' after object key"
        );
        assert_eq!(
            parse(b"{\"a\":1 2}").unwrap_err().to_string(),
            "invalid character '2' after object key:value pair"
        );
        assert_eq!(
            parse(b"[1 2]").unwrap_err().to_string(),
            "invalid character '2' after array element"
        );
        assert_eq!(
            parse(b"{} x").unwrap_err().to_string(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(
            parse(b"01").unwrap_err().to_string(),
            "invalid character '1' after top-level value"
        );
        assert_eq!(
            parse(b"\x9e").unwrap_err().to_string(),
            "invalid character '\\u009e' looking for beginning of value"
        );
        assert_eq!(
            parse(b"{,}").unwrap_err().to_string(),
            "invalid character ',' looking for beginning of object key string"
        );
        assert_eq!(
            parse(b"1.x").unwrap_err().to_string(),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            parse(b"\"\\q\"").unwrap_err().to_string(),
            "invalid character 'q' in string escape code"
        );
        assert_eq!(
            parse(b"'a'").unwrap_err().to_string(),
            "invalid character '\\'' looking for beginning of value"
        );
    }

    #[test]
    fn keeps_duplicates_literals_and_depth_limit() {
        let node = parse(b"{\"a\":1,\"a\":2.50,\"b\":[true,null,\"\\u00e9\"]}").unwrap();
        let Node::Object(members) = &node else {
            panic!("object expected")
        };
        assert_eq!(members.len(), 3);
        assert_eq!(members[1].1, Node::Number("2.50".into()));
        assert_eq!(
            node.to_value(),
            serde_json::json!({"a": 2.5, "b": [true, null, "é"]})
        );
        let deep = "[".repeat(MAX_DEPTH + 5);
        assert_eq!(
            parse(deep.as_bytes()).unwrap_err().to_string(),
            "exceeded max depth"
        );
    }
}
