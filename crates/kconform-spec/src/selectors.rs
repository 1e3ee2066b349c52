//! Label and field selectors as apimachinery parses and matches them (`labels/selector.go`,
//! `fields/selector.go`), with the exact 400 texts (behaviour document §4.4 and the recordings).
//!
//! Label selectors: equality (`=`, `==`, `!=`), sets (`in (…)`, `notin (…)`), existence (`key`, `!key`),
//! and `>`/`<` with one integer. Field selectors: `=`, `==`, `!=` terms joined by `,`; Endpoints only
//! knows `metadata.name` and `metadata.namespace` ([`FieldSelector::check_endpoints_fields`]).

use std::collections::BTreeMap;

use crate::gotext::go_quote;
use crate::names;
use crate::version::K8sVersion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "in" => Tok::In,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The lexer of `labels.Parse`, producing every token up to the end of the string.
fn lex(s: &str) -> Vec<(Tok, String)> {
    let bytes = s.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < bytes.len() && is_space(bytes[pos]) {
            pos += 1;
        }
        // Go's reader returns 0 at the end, and a NUL byte in the input also ends the selector.
        if pos >= bytes.len() || bytes[pos] == 0 {
            out.push((Tok::End, String::new()));
            return out;
        }
        let start = pos;
        if is_special(bytes[pos]) {
            let mut last: Option<(Tok, usize)> = None;
            while pos < bytes.len() && is_special(bytes[pos]) {
                let candidate = String::from_utf8_lossy(&bytes[start..=pos]).into_owned();
                match keyword(&candidate) {
                    Some(tok) => {
                        last = Some((tok, pos + 1));
                        pos += 1;
                    }
                    None if last.is_some() => break,
                    None => pos += 1,
                }
            }
            match last {
                Some((tok, end)) => {
                    pos = end;
                    out.push((
                        tok,
                        String::from_utf8_lossy(&bytes[start..end]).into_owned(),
                    ));
                }
                None => {
                    let text = String::from_utf8_lossy(&bytes[start..pos]).into_owned();
                    out.push((
                        Tok::Error,
                        format!("error expected: keyword found '{text}'"),
                    ));
                }
            }
        } else {
            while pos < bytes.len()
                && bytes[pos] != 0
                && !is_special(bytes[pos])
                && !is_space(bytes[pos])
            {
                pos += 1;
            }
            let text = String::from_utf8_lossy(&bytes[start..pos]).into_owned();
            out.push((keyword(&text).unwrap_or(Tok::Identifier), text));
        }
    }
}

/// A label-selector operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelOp {
    /// `=`.
    Equals,
    /// `==`.
    DoubleEquals,
    /// `!=`.
    NotEquals,
    /// `in`.
    In,
    /// `notin`.
    NotIn,
    /// `key`.
    Exists,
    /// `!key`.
    DoesNotExist,
    /// `>` (`gt`).
    GreaterThan,
    /// `<` (`lt`).
    LessThan,
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub op: LabelOp,
    /// The values, sorted and deduplicated (Go's `sets.String.List()`).
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether `labels` satisfies this requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.op {
            LabelOp::Equals | LabelOp::DoubleEquals | LabelOp::In => {
                value.is_some_and(|v| self.values.contains(v))
            }
            LabelOp::NotEquals | LabelOp::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            LabelOp::Exists => value.is_some(),
            LabelOp::DoesNotExist => value.is_none(),
            LabelOp::GreaterThan | LabelOp::LessThan => {
                let (Some(Ok(have)), Some(Ok(want))) = (
                    value.map(|v| v.parse::<i64>()),
                    self.values.first().map(|v| v.parse::<i64>()),
                ) else {
                    return false;
                };
                if self.op == LabelOp::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

/// A parsed label selector (all requirements must hold; empty selects everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    /// The requirements, in the order written.
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Whether `labels` satisfies every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

struct Parser {
    items: Vec<(Tok, String)>,
    position: usize,
    v: K8sVersion,
}

impl Parser {
    fn at(&self, index: usize, values: bool) -> (Tok, String) {
        let (tok, lit) = self
            .items
            .get(index)
            .cloned()
            .unwrap_or((Tok::End, String::new()));
        let tok = if values && matches!(tok, Tok::In | Tok::NotIn) {
            Tok::Identifier
        } else {
            tok
        };
        (tok, lit)
    }

    fn lookahead(&self, values: bool) -> (Tok, String) {
        self.at(self.position, values)
    }

    fn consume(&mut self, values: bool) -> (Tok, String) {
        let item = self.at(self.position, values);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<LabelSelector, String> {
        let mut selector = LabelSelector::default();
        loop {
            let (tok, lit) = self.lookahead(true);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let requirement = self
                        .requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    selector.requirements.push(requirement);
                    let (t, l) = self.consume(true);
                    match t {
                        Tok::End => return Ok(selector),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(true);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::End => return Ok(selector),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let (mut tok, mut lit) = self.consume(true);
        let mut op: Option<LabelOp> = None;
        if tok == Tok::DoesNotExist {
            op = Some(LabelOp::DoesNotExist);
            (tok, lit) = self.consume(true);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        let key = lit;
        let key_errors = names::qualified_name(&key, self.v);
        if !key_errors.is_empty() {
            // The parser validates the key with a nil field path, which Go prints as "<nil>".
            return Err(format!(
                "<nil>: Invalid value: {}: {}",
                go_quote(&key),
                key_errors.join("; ")
            ));
        }
        let (next, _) = self.lookahead(true);
        if matches!(next, Tok::End | Tok::Comma) && op.is_none() {
            op = Some(LabelOp::Exists);
        }
        if let Some(op) = op {
            return new_requirement(key, op, Vec::new(), self.v);
        }
        let (tok, lit) = self.consume(false);
        let op = match tok {
            Tok::In => LabelOp::In,
            Tok::Equals => LabelOp::Equals,
            Tok::DoubleEquals => LabelOp::DoubleEquals,
            Tok::GreaterThan => LabelOp::GreaterThan,
            Tok::LessThan => LabelOp::LessThan,
            Tok::NotIn => LabelOp::NotIn,
            Tok::NotEquals => LabelOp::NotEquals,
            _ => {
                return Err(format!(
                    "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
                ));
            }
        };
        let values = match op {
            LabelOp::In | LabelOp::NotIn => self.set_values()?,
            _ => self.exact_value()?,
        };
        new_requirement(key, op, values, self.v)
    }

    fn set_values(&mut self) -> Result<Vec<String>, String> {
        let (tok, lit) = self.consume(true);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(true);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let values = self.identifier_list()?;
                let (closing, _) = self.consume(true);
                if closing != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(values)
            }
            Tok::ClosedPar => {
                self.consume(true);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn identifier_list(&mut self) -> Result<Vec<String>, String> {
        let mut set: Vec<String> = Vec::new();
        let insert = |set: &mut Vec<String>, value: String| {
            if !set.contains(&value) {
                set.push(value);
            }
        };
        loop {
            let (tok, lit) = self.consume(true);
            match tok {
                Tok::Identifier => {
                    insert(&mut set, lit);
                    let (t2, l2) = self.lookahead(true);
                    match t2 {
                        Tok::Comma => {}
                        Tok::ClosedPar => return Ok(sorted(set)),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if set.is_empty() {
                        insert(&mut set, String::new());
                    }
                    let (t2, _) = self.lookahead(true);
                    if t2 == Tok::ClosedPar {
                        insert(&mut set, String::new());
                        return Ok(sorted(set));
                    }
                    if t2 == Tok::Comma {
                        self.consume(true);
                        insert(&mut set, String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn exact_value(&mut self) -> Result<Vec<String>, String> {
        let (tok, _) = self.lookahead(true);
        if matches!(tok, Tok::End | Tok::Comma) {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(true);
        if tok == Tok::Identifier {
            Ok(vec![lit])
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

fn sorted(mut set: Vec<String>) -> Vec<String> {
    set.sort();
    set
}

/// `labels.NewRequirement`'s checks, errors aggregated like Go's `ErrorList.ToAggregate`.
fn new_requirement(
    key: String,
    op: LabelOp,
    values: Vec<String>,
    v: K8sVersion,
) -> Result<Requirement, String> {
    let mut errs: Vec<String> = Vec::new();
    let key_errors = names::qualified_name(&key, v);
    if !key_errors.is_empty() {
        errs.push(format!(
            "key: Invalid value: {}: {}",
            go_quote(&key),
            key_errors.join("; ")
        ));
    }
    if matches!(op, LabelOp::GreaterThan | LabelOp::LessThan) {
        for (i, value) in values.iter().enumerate() {
            if crate::gotext::go_parse_int(value).is_err() {
                errs.push(format!(
                    "values[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                    go_quote(value)
                ));
            }
        }
    }
    for (i, value) in values.iter().enumerate() {
        let value_errors = names::label_value(value, v);
        if !value_errors.is_empty() {
            errs.push(format!(
                "values[{i}][{key}]: Invalid value: {}: {}",
                go_quote(value),
                value_errors.join("; ")
            ));
        }
    }
    match errs.len() {
        0 => Ok(Requirement { key, op, values }),
        1 => Err(errs.remove(0)),
        _ => {
            errs.dedup();
            Err(format!("[{}]", errs.join(", ")))
        }
    }
}

/// A label selector `labels.Parse` rejects; `Display` is the text of kube-apiserver's 400, e.g.
/// `unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LabelSelectorError {
    message: String,
}

/// `labels.Parse` with the exact error text kube-apiserver returns in its 400.
///
/// # Errors
/// A [`LabelSelectorError`] whose text is the parser's message.
pub fn parse_label_selector(
    selector: &str,
    v: K8sVersion,
) -> Result<LabelSelector, LabelSelectorError> {
    // Every special character is a token on its own, so the lexer's error token cannot occur; were it to,
    // the parser would report it like any unexpected token.
    let items = lex(selector);
    Parser {
        items,
        position: 0,
        v,
    }
    .parse()
    .map_err(|message| LabelSelectorError { message })
}

/// One field-selector term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTerm {
    /// The field, e.g. `metadata.name`.
    pub field: String,
    /// True for `!=`.
    pub not_equal: bool,
    /// The unescaped value.
    pub value: String,
}

/// A field selector `fields.ParseSelector` rejects, or a field Endpoints do not know; `Display` is the
/// text of kube-apiserver's 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldSelectorError {
    /// A term without `=`, `==` or `!=`.
    #[error("invalid selector: '{selector}'; can't understand '{term}'")]
    Term {
        /// The whole selector.
        selector: String,
        /// The term that has no operator.
        term: String,
    },
    /// A backslash before anything but `\`, `,` and `=`, or at the end of a value.
    #[error("invalid field selector: invalid escape sequence: \\{escaped}")]
    Escape {
        /// What follows the backslash (empty at the end of a value).
        escaped: String,
    },
    /// An unescaped `,` or `=` in a value; Go prints the rune as its number.
    #[error("invalid field selector: unescaped character in value: {}", u32::from(*.character))]
    Unescaped {
        /// The character.
        character: char,
    },
    /// A field other than `metadata.name` and `metadata.namespace` ([`FieldSelector::check_endpoints_fields`]).
    #[error(
        "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        go_quote(.field)
    )]
    UnknownField {
        /// The field, e.g. `spec.foo`.
        field: String,
    },
}

/// A parsed field selector (terms sorted as Go sorts them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    /// The terms.
    pub terms: Vec<FieldTerm>,
}

fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

fn unescape_value(s: &str) -> Result<String, FieldSelectorError> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(FieldSelectorError::Escape {
                        escaped: c.to_string(),
                    });
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => return Err(FieldSelectorError::Unescaped { character: c }),
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err(FieldSelectorError::Escape {
            escaped: String::new(),
        });
    }
    Ok(out)
}

/// `fields.ParseSelector` with the exact error texts.
///
/// # Errors
/// A [`FieldSelectorError`]: `invalid selector: '<selector>'; can't understand '<term>'` or an escaping
/// error.
pub fn parse_field_selector(selector: &str) -> Result<FieldSelector, FieldSelectorError> {
    let mut parts = split_terms(selector);
    parts.sort_unstable();
    let mut terms = Vec::new();
    for part in parts {
        if part.is_empty() {
            continue;
        }
        let split = part.char_indices().find_map(|(i, _)| {
            let rest = &part[i..];
            ["!=", "==", "="]
                .iter()
                .find(|op| rest.starts_with(**op))
                .map(|op| (&part[..i], *op, &rest[op.len()..]))
        });
        let Some((field, op, value)) = split else {
            return Err(FieldSelectorError::Term {
                selector: selector.to_owned(),
                term: part.to_owned(),
            });
        };
        terms.push(FieldTerm {
            field: field.to_owned(),
            not_equal: op == "!=",
            value: unescape_value(value)?,
        });
    }
    Ok(FieldSelector { terms })
}

impl FieldSelector {
    /// The field-label conversion for Endpoints (`DefaultMetaV1FieldSelectorConversion`): only
    /// `metadata.name` and `metadata.namespace` are known. Runs after options validation.
    ///
    /// # Errors
    /// [`FieldSelectorError::UnknownField`]: `"spec.foo" is not a known field selector: only
    /// "metadata.name", "metadata.namespace"`.
    pub fn check_endpoints_fields(&self) -> Result<(), FieldSelectorError> {
        for term in &self.terms {
            if term.field != "metadata.name" && term.field != "metadata.namespace" {
                return Err(FieldSelectorError::UnknownField {
                    field: term.field.clone(),
                });
            }
        }
        Ok(())
    }

    /// `RequiresExactMatch(field)`: the value of the first `=`/`==` term on `field`.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.field == field && !t.not_equal)
            .map(|t| t.value.as_str())
    }

    /// Whether an object with this name and namespace matches.
    pub fn matches(&self, name: &str, namespace: &str) -> bool {
        self.terms.iter().all(|term| {
            let actual = match term.field.as_str() {
                "metadata.name" => name,
                "metadata.namespace" => namespace,
                _ => return false,
            };
            (actual == term.value) != term.not_equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: K8sVersion = K8sVersion::NEWEST;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn recorded_label_selector_errors() {
        let err = |s: &str| parse_label_selector(s, V).unwrap_err().to_string();
        assert_eq!(
            err("a b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(
            err("app in (a"),
            "unable to parse requirement: found '', expected: ',' or ')'"
        );
        assert_eq!(
            err("bad key!=x"),
            "unable to parse requirement: found 'key', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(
            err("app=bad value!"),
            "found 'value', expected: ',' or 'end of string'"
        );
        assert_eq!(
            err("tier>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
        assert_eq!(err("a=b,"), "found '', expected: identifier after ','");
        assert_eq!(
            err(",a"),
            "found ',', expected: !, identifier, or 'end of string'"
        );
    }

    #[test]
    fn label_selector_matching() {
        let a1 = labels(&[("app", "a"), ("tier", "1")]);
        let b = labels(&[("app", "b")]);
        let none = labels(&[]);
        let check = |s: &str| {
            let sel = parse_label_selector(s, V).unwrap();
            [&a1, &b, &none]
                .iter()
                .map(|l| sel.matches(l))
                .collect::<Vec<_>>()
        };
        assert_eq!(check("app=a"), [true, false, false]);
        assert_eq!(check("app==a"), [true, false, false]);
        assert_eq!(check("app!=a"), [false, true, true]);
        assert_eq!(check("app in (a,b)"), [true, true, false]);
        assert_eq!(check("app notin (a)"), [false, true, true]);
        assert_eq!(check("app"), [true, true, false]);
        assert_eq!(check("!app"), [false, false, true]);
        assert_eq!(check("tier>0"), [true, false, false]);
        assert_eq!(check("tier<1"), [false, false, false]);
        assert_eq!(check("app=a,tier=1"), [true, false, false]);
        assert_eq!(check(""), [true, true, true]);
        assert_eq!(
            parse_label_selector("x in (b,a,a)", V)
                .unwrap()
                .requirements[0]
                .values,
            vec!["a", "b"]
        );
    }

    #[test]
    fn field_selectors() {
        assert_eq!(
            parse_field_selector("foo").unwrap_err().to_string(),
            "invalid selector: 'foo'; can't understand 'foo'"
        );
        let unknown = parse_field_selector("spec.foo=x").unwrap();
        assert_eq!(
            unknown.check_endpoints_fields().unwrap_err().to_string(),
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        let sel = parse_field_selector("metadata.namespace=ns,metadata.name!=ep-1").unwrap();
        assert!(sel.check_endpoints_fields().is_ok());
        assert!(sel.matches("ep-2", "ns") && !sel.matches("ep-1", "ns"));
        assert_eq!(
            parse_field_selector("metadata.name==a\\,b")
                .unwrap()
                .requires_exact_match("metadata.name"),
            Some("a,b")
        );
        assert_eq!(
            parse_field_selector("a=b=c").unwrap_err().to_string(),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            parse_field_selector("a=b\\x").unwrap_err().to_string(),
            "invalid field selector: invalid escape sequence: \\x"
        );
        assert_eq!(
            parse_field_selector("a=b\\").unwrap_err().to_string(),
            "invalid field selector: invalid escape sequence: \\"
        );
        assert!(parse_field_selector("").unwrap().terms.is_empty());
    }
}
