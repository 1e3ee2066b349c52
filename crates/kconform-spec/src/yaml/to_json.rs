//! go-yaml v2's decoder into an `interface{}`, then `sigs.k8s.io/yaml`'s `convertToJSONableObject` and
//! `json.Marshal`: the node tree becomes the JSON text kube-apiserver decodes next.
//!
//! Go values are kept as Go has them (`int`, `uint64`, `float64`, maps keyed by any scalar), so keys
//! are stringified and numbers printed exactly as Go does.

use std::collections::{HashMap, HashSet};

use super::parser::{Document, NodeKind};
use super::resolve::{self, BINARY_TAG, MERGE_TAG, Scalar};

/// A Go value as go-yaml leaves it in an `interface{}`.
#[derive(Debug, Clone)]
enum GoValue {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// Go strings are bytes; `!!binary` can make them invalid UTF-8.
    Str(Vec<u8>),
    Seq(Vec<GoValue>),
    /// `map[interface{}]interface{}` in insertion order.
    Map(Vec<(GoValue, GoValue)>),
}

impl GoValue {
    /// The key Go's map compares this value by (`==` on the dynamic type and value), if it can be a
    /// key that equals another: NaN never does, and lists and maps are refused before.
    fn map_key(&self) -> Option<MapKey> {
        Some(match self {
            GoValue::Nil => MapKey::Nil,
            GoValue::Bool(b) => MapKey::Bool(*b),
            GoValue::Int(i) => MapKey::Int(*i),
            GoValue::Uint(u) => MapKey::Uint(*u),
            // +0 and -0 are one key in Go.
            GoValue::Float(f) if *f == 0.0 => MapKey::Float(0),
            GoValue::Float(f) if f.is_nan() => return None,
            GoValue::Float(f) => MapKey::Float(f.to_bits()),
            GoValue::Str(s) => MapKey::Str(s.clone()),
            GoValue::Seq(_) | GoValue::Map(_) => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum MapKey {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(Vec<u8>),
}

/// A Go map being filled: its pairs in insertion order and where each key is.
#[derive(Default)]
struct GoMap {
    pairs: Vec<(GoValue, GoValue)>,
    index: HashMap<MapKey, usize>,
}

/// Why the first document cannot become JSON; the texts are Go's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConvertError {
    /// go-yaml's decoder (`yaml: ` and its text).
    Yaml(String),
    /// go-yaml's strict mode: `yaml: unmarshal errors:` and one line per problem.
    Unmarshal(Vec<String>),
    /// `convertToJSONableObject` or `json.Marshal`, printed as is.
    Json(String),
    /// Nested deeper than the JSON reader accepts.
    TooDeep,
}

// go-yaml's alias-expansion budget (`allowedAliasRatio`).
const ALIAS_RATIO_RANGE_LOW: usize = 400_000;
const ALIAS_RATIO_RANGE_HIGH: usize = 4_000_000;

fn allowed_alias_ratio(decode_count: usize) -> f64 {
    if decode_count <= ALIAS_RATIO_RANGE_LOW {
        0.99
    } else if decode_count >= ALIAS_RATIO_RANGE_HIGH {
        0.10
    } else {
        0.99 - 0.89
            * ((decode_count - ALIAS_RATIO_RANGE_LOW) as f64
                / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW) as f64)
    }
}

struct Decoder<'a> {
    doc: &'a Document,
    strict: bool,
    max_depth: usize,
    aliases: HashSet<usize>,
    terrors: Vec<String>,
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
}

type Decode<T> = Result<T, ConvertError>;

impl Decoder<'_> {
    fn unmarshal(&mut self, index: usize, depth: usize) -> Decode<GoValue> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(ConvertError::Yaml(
                "document contains excessive aliasing".to_owned(),
            ));
        }
        if depth > self.max_depth {
            return Err(ConvertError::TooDeep);
        }
        let node = &self.doc.nodes[index];
        match &node.kind {
            NodeKind::Alias(name, target) => {
                if !self.aliases.insert(index) {
                    return Err(ConvertError::Yaml(format!(
                        "anchor '{name}' value contains itself"
                    )));
                }
                self.alias_depth += 1;
                let value = self.unmarshal(*target, depth);
                self.alias_depth -= 1;
                self.aliases.remove(&index);
                value
            }
            NodeKind::Scalar {
                tag,
                value,
                implicit,
            } => scalar(tag, value, *implicit),
            NodeKind::Sequence(children) => {
                let mut items = Vec::with_capacity(children.len());
                for &child in children {
                    items.push(self.unmarshal(child, depth + 1)?);
                }
                Ok(GoValue::Seq(items))
            }
            NodeKind::Mapping(_) => {
                let mut map = GoMap::default();
                self.mapping(index, &mut map, depth)?;
                Ok(GoValue::Map(map.pairs))
            }
        }
    }

    /// `d.mapping` into an existing map (a merge writes into its parent's map).
    fn mapping(&mut self, index: usize, map: &mut GoMap, depth: usize) -> Decode<()> {
        let NodeKind::Mapping(children) = &self.doc.nodes[index].kind else {
            return Ok(());
        };
        for pair in children.chunks(2) {
            let [key_index, value_index] = *pair else {
                continue;
            };
            if self.is_merge(key_index) {
                self.merge(value_index, map, depth)?;
                continue;
            }
            let key = self.unmarshal(key_index, depth + 1)?;
            if matches!(key, GoValue::Map(_) | GoValue::Seq(_)) {
                return Err(ConvertError::Yaml(format!(
                    "invalid map key: {}",
                    go_sharp_v(&key, false)
                )));
            }
            let value = self.unmarshal(value_index, depth + 1)?;
            let existing = key.map_key().and_then(|k| map.index.get(&k).copied());
            match existing {
                Some(_) if self.strict => {
                    let line = self.doc.nodes[value_index].line + 1;
                    self.terrors.push(format!(
                        "line {line}: key {} already set in map",
                        go_sharp_v(&key, false)
                    ));
                }
                Some(at) => map.pairs[at].1 = value,
                None => {
                    if let Some(k) = key.map_key() {
                        map.index.insert(k, map.pairs.len());
                    }
                    map.pairs.push((key, value));
                }
            }
        }
        Ok(())
    }

    fn is_merge(&self, index: usize) -> bool {
        matches!(&self.doc.nodes[index].kind,
            NodeKind::Scalar { tag, value, implicit }
                if value == "<<" && (*implicit || tag == MERGE_TAG))
    }

    fn merge(&mut self, index: usize, map: &mut GoMap, depth: usize) -> Decode<()> {
        let want_map =
            || ConvertError::Yaml("map merge requires map or sequence of maps as the value".into());
        let nodes = &self.doc.nodes;
        match &nodes[index].kind {
            NodeKind::Mapping(_) => self.merge_one(index, map, depth + 1),
            NodeKind::Alias(_, target) => {
                if !matches!(nodes[*target].kind, NodeKind::Mapping(_)) {
                    return Err(want_map());
                }
                self.merge_one(index, map, depth + 1)
            }
            NodeKind::Sequence(children) => {
                // Earlier maps win, so they are merged last.
                for &child in children.iter().rev() {
                    let ok = match &nodes[child].kind {
                        NodeKind::Alias(_, target) => {
                            matches!(nodes[*target].kind, NodeKind::Mapping(_))
                        }
                        NodeKind::Mapping(_) => true,
                        _ => false,
                    };
                    if !ok {
                        return Err(want_map());
                    }
                    self.merge_one(child, map, depth + 1)?;
                }
                Ok(())
            }
            NodeKind::Scalar { .. } => Err(want_map()),
        }
    }

    /// `d.unmarshal(n, out)` with `out` the parent's map: counted like any other node. A merge nests
    /// like a child (`depth` is one more), so a chain of merges cannot exhaust the stack either.
    fn merge_one(&mut self, index: usize, map: &mut GoMap, depth: usize) -> Decode<()> {
        if depth > self.max_depth {
            return Err(ConvertError::TooDeep);
        }
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        match &self.doc.nodes[index].kind {
            NodeKind::Alias(name, target) => {
                if !self.aliases.insert(index) {
                    return Err(ConvertError::Yaml(format!(
                        "anchor '{name}' value contains itself"
                    )));
                }
                self.alias_depth += 1;
                let target = *target;
                let result = self.merge_target(target, map, depth);
                self.alias_depth -= 1;
                self.aliases.remove(&index);
                result
            }
            _ => self.mapping(index, map, depth),
        }
    }

    fn merge_target(&mut self, index: usize, map: &mut GoMap, depth: usize) -> Decode<()> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        self.mapping(index, map, depth)
    }
}

fn scalar(tag: &str, value: &str, implicit: bool) -> Decode<GoValue> {
    if tag.is_empty() && !implicit {
        return Ok(GoValue::Str(value.as_bytes().to_vec()));
    }
    let (rtag, resolved) = resolve::resolve(tag, value).map_err(ConvertError::Yaml)?;
    if rtag == BINARY_TAG {
        let Some(bytes) = base64_decode(value) else {
            return Err(ConvertError::Yaml(
                "!!binary value contains invalid base64 data".to_owned(),
            ));
        };
        return Ok(GoValue::Str(bytes));
    }
    Ok(match resolved {
        Scalar::Null => GoValue::Nil,
        Scalar::Bool(b) => GoValue::Bool(b),
        Scalar::Int(i) => GoValue::Int(i),
        Scalar::Uint(u) => GoValue::Uint(u),
        Scalar::Float(f) => GoValue::Float(f),
        Scalar::Str(s) => GoValue::Str(s.into_bytes()),
        // For backward compatibility go-yaml gives an interface{} the text of a timestamp.
        Scalar::Timestamp => GoValue::Str(value.as_bytes().to_vec()),
    })
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, line breaks ignored.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text.bytes().filter(|&b| b != b'\n' && b != b'\r').collect();
    if !symbols.len().is_multiple_of(4) {
        return None;
    }
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => u32::from(b - b'A'),
            b'a'..=b'z' => u32::from(b - b'a') + 26,
            b'0'..=b'9' => u32::from(b - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    let quanta = symbols.len() / 4;
    for (n, quantum) in symbols.chunks(4).enumerate() {
        let padding = quantum.iter().rev().take_while(|&&b| b == b'=').count();
        if padding > 2 || (padding > 0 && n + 1 != quanta) {
            return None;
        }
        let mut bits = 0u32;
        for &b in &quantum[..4 - padding] {
            bits = (bits << 6) | value(b)?;
        }
        bits <<= 6 * padding as u32;
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - padding]);
    }
    Some(out)
}

/// The first document as JSON, or Go's error; `strict` is `yaml.UnmarshalStrict`.
pub(crate) fn document_to_json(
    doc: &Document,
    strict: bool,
    max_depth: usize,
) -> Result<Vec<u8>, ConvertError> {
    let value = match doc.root {
        None => GoValue::Nil,
        Some(root) => {
            let mut decoder = Decoder {
                doc,
                strict,
                max_depth,
                aliases: HashSet::new(),
                terrors: Vec::new(),
                decode_count: 0,
                alias_count: 0,
                alias_depth: 0,
            };
            // The document node itself counts as one decode, as in go-yaml.
            decoder.decode_count += 1;
            let value = decoder.unmarshal(root, 0)?;
            if !decoder.terrors.is_empty() {
                return Err(ConvertError::Unmarshal(decoder.terrors));
            }
            value
        }
    };
    let jsonable = jsonable(value)?;
    let mut out = Vec::new();
    marshal(&jsonable, &mut out)?;
    Ok(out)
}

/// A value `json.Marshal` can write: maps keyed by strings, sorted as Go sorts them.
enum Jsonable {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(Vec<u8>),
    Seq(Vec<Jsonable>),
    Map(Vec<(Vec<u8>, Jsonable)>),
}

/// `convertToJSONableObject` without a target: keys become strings.
fn jsonable(value: GoValue) -> Result<Jsonable, ConvertError> {
    Ok(match value {
        GoValue::Nil => Jsonable::Nil,
        GoValue::Bool(b) => Jsonable::Bool(b),
        GoValue::Int(i) => Jsonable::Int(i),
        GoValue::Uint(u) => Jsonable::Uint(u),
        GoValue::Float(f) => Jsonable::Float(f),
        GoValue::Str(s) => Jsonable::Str(s),
        GoValue::Seq(items) => {
            Jsonable::Seq(items.into_iter().map(jsonable).collect::<Result<_, _>>()?)
        }
        GoValue::Map(pairs) => {
            let mut members: Vec<(Vec<u8>, Jsonable)> = Vec::with_capacity(pairs.len());
            let mut index: HashMap<Vec<u8>, usize> = HashMap::with_capacity(pairs.len());
            for (key, value) in pairs {
                let name = match &key {
                    GoValue::Str(s) => s.clone(),
                    GoValue::Int(i) => i.to_string().into_bytes(),
                    GoValue::Float(f) => match format_g(*f, true).as_str() {
                        "+Inf" => b".inf".to_vec(),
                        "-Inf" => b"-.inf".to_vec(),
                        "NaN" => b".nan".to_vec(),
                        other => other.as_bytes().to_vec(),
                    },
                    GoValue::Bool(b) => b.to_string().into_bytes(),
                    GoValue::Nil | GoValue::Uint(_) | GoValue::Seq(_) | GoValue::Map(_) => {
                        let type_name = match &key {
                            GoValue::Uint(_) => "uint64",
                            _ => "%!s(<nil>)",
                        };
                        return Err(ConvertError::Json(format!(
                            "unsupported map key of type: {type_name}, key: {}, value: {}",
                            go_sharp_v(&key, true),
                            go_sharp_v(&value, true)
                        )));
                    }
                };
                let value = jsonable(value)?;
                // Keys equal after stringifying: Go's map keeps whichever it wrote last.
                match index.get(&name) {
                    Some(&at) => members[at].1 = value,
                    None => {
                        index.insert(name.clone(), members.len());
                        members.push((name, value));
                    }
                }
            }
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Jsonable::Map(members)
        }
    })
}

/// `json.Marshal`.
fn marshal(value: &Jsonable, out: &mut Vec<u8>) -> Result<(), ConvertError> {
    match value {
        Jsonable::Nil => out.extend_from_slice(b"null"),
        Jsonable::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Jsonable::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Jsonable::Uint(u) => out.extend_from_slice(u.to_string().as_bytes()),
        Jsonable::Float(f) => {
            if !f.is_finite() {
                return Err(ConvertError::Json(format!(
                    "json: unsupported value: {}",
                    format_g(*f, false)
                )));
            }
            out.extend_from_slice(json_float(*f).as_bytes());
        }
        Jsonable::Str(s) => write_string(s, out),
        Jsonable::Seq(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                marshal(item, out)?;
            }
            out.push(b']');
        }
        Jsonable::Map(members) => {
            out.push(b'{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                marshal(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON string; invalid UTF-8 becomes U+FFFD byte by byte, as `encoding/json` writes it.
fn write_string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    let mut rest = bytes;
    while !rest.is_empty() {
        let (valid, skip) = match std::str::from_utf8(rest) {
            Ok(s) => (s, 0),
            Err(e) => {
                let (good, _) = rest.split_at(e.valid_up_to());
                // The prefix is valid by construction.
                (std::str::from_utf8(good).unwrap_or(""), 1)
            }
        };
        for c in valid.chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                c if (c as u32) < 0x20 => {
                    out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
                }
                c => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        rest = &rest[valid.len()..];
        if skip > 0 {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            rest = &rest[1..];
        }
    }
    out.push(b'"');
}

/// `encoding/json`'s float: shortest digits, `e` notation below 1e-6 and from 1e21 on.
pub(crate) fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        // Go writes e+21 and e-07, which encoding/json then shortens to e-7.
        if exponent < 0 {
            format!("{mantissa}e-{}", -exponent)
        } else {
            format!("{mantissa}e+{exponent:02}")
        }
    } else {
        format!("{f}")
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32 or 64)`.
pub(crate) fn format_g(f: f64, bits32: bool) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let text = if bits32 {
        format!("{:e}", f as f32)
    } else {
        format!("{f:e}")
    };
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    // Plain notation: place the point `exponent + 1` digits in.
    let point = exponent + 1;
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    if point <= 0 {
        s.push_str("0.");
        for _ in 0..-point {
            s.push('0');
        }
        s.push_str(&digits);
    } else if point as usize >= digits.len() {
        s.push_str(&digits);
        for _ in digits.len()..point as usize {
            s.push('0');
        }
    } else {
        s.push_str(&digits[..point as usize]);
        s.push('.');
        s.push_str(&digits[point as usize..]);
    }
    s
}

/// Go's `%#v` (with `+`, the same for these types) of a decoded value, as go-yaml and
/// sigs.k8s.io/yaml put it in messages; `top` is a bare `interface{}` argument, where nil is `<nil>`.
fn go_sharp_v(value: &GoValue, top: bool) -> String {
    match value {
        GoValue::Nil if top => "<nil>".to_owned(),
        GoValue::Nil => "interface {}(nil)".to_owned(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Uint(u) => format!("0x{u:x}"),
        GoValue::Float(f) => format_g(*f, false),
        GoValue::Str(s) => crate::gotext::go_quote(&String::from_utf8_lossy(s)),
        GoValue::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items
                .iter()
                .map(|v| go_sharp_v(v, false))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        GoValue::Map(pairs) => {
            let mut entries: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (go_sharp_v(k, false), go_sharp_v(v, false)))
                .collect();
            entries.sort();
            format!(
                "map[interface {{}}]interface {{}}{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(json_float(443.0), "443");
        assert_eq!(json_float(1.5), "1.5");
        assert_eq!(json_float(1e21), "1e+21");
        assert_eq!(json_float(1.5e-7), "1.5e-7");
        assert_eq!(json_float(-0.0), "-0");
        assert_eq!(json_float(18446744073709551616.0), "18446744073709552000");
        assert_eq!(format_g(1e6, true), "1e+06");
        assert_eq!(format_g(123456.0, true), "123456");
        assert_eq!(format_g(0.1, true), "0.1");
        assert_eq!(format_g(0.00001, false), "1e-05");
        assert_eq!(format_g(f64::NAN, false), "NaN");
    }

    #[test]
    fn base64_as_go_decodes_it() {
        assert_eq!(base64_decode("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64_decode("aG\nk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64_decode("aGk"), None);
        assert_eq!(base64_decode("a=Gk"), None);
    }

    #[test]
    fn invalid_utf8_becomes_one_replacement_per_byte() {
        let mut out = Vec::new();
        write_string(b"a\xE2\x82b", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\u{FFFD}\u{FFFD}b\"");
    }
}
