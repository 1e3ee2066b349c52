//! Label and field selectors with apimachinery's grammar and error texts
//! (`k8s.io/apimachinery/pkg/labels/selector.go`, `pkg/fields/selector.go`).
//!
//! Parse errors are returned as the exact strings kube-apiserver puts in its 400 BadRequest messages.

use std::collections::BTreeMap;

/// One label requirement operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One parsed requirement (`app in (a,b)`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
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

fn keyword(text: &str) -> Option<Token> {
    Some(match text {
        ")" => Token::ClosedPar,
        "," => Token::Comma,
        "!" => Token::DoesNotExist,
        "==" => Token::DoubleEquals,
        "=" => Token::Equals,
        ">" => Token::GreaterThan,
        "in" => Token::In,
        "<" => Token::LessThan,
        "!=" => Token::NotEquals,
        "notin" => Token::NotIn,
        "(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

/// Go's label lexer, producing every token up front.
fn lex(input: &str) -> Vec<(Token, String)> {
    let chars: Vec<char> = input.chars().collect();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < chars.len() && is_whitespace(chars[pos]) {
            pos += 1;
        }
        if pos >= chars.len() {
            out.push((Token::End, String::new()));
            return out;
        }
        if is_special(chars[pos]) {
            let mut buffer = String::new();
            let mut last: Option<(Token, String)> = None;
            while pos < chars.len() && is_special(chars[pos]) {
                buffer.push(chars[pos]);
                if let Some(token) = keyword(&buffer) {
                    last = Some((token, buffer.clone()));
                    pos += 1;
                } else if last.is_some() {
                    break;
                } else {
                    pos += 1;
                }
            }
            match last {
                Some(item) => out.push(item),
                None => {
                    out.push((
                        Token::Error,
                        format!("error expected: keyword found '{buffer}'"),
                    ));
                }
            }
        } else {
            let start = pos;
            while pos < chars.len() && !is_special(chars[pos]) && !is_whitespace(chars[pos]) {
                pos += 1;
            }
            let text: String = chars[start..pos].iter().collect();
            let token = keyword(&text).unwrap_or(Token::Identifier);
            out.push((token, text));
        }
    }
}

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

/// Whether `in`/`notin` count as identifiers (the Values context) or keywords.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

impl Parser {
    fn lookahead(&self, context: Context) -> (Token, String) {
        let (token, literal) = self.items[self.position.min(self.items.len() - 1)].clone();
        if context == Context::Values && matches!(token, Token::In | Token::NotIn) {
            return (Token::Identifier, literal);
        }
        (token, literal)
    }

    fn consume(&mut self, context: Context) -> (Token, String) {
        let item = self.lookahead(context);
        if self.position < self.items.len() - 1 {
            self.position += 1;
        }
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut requirements = Vec::new();
        loop {
            let (token, literal) = self.lookahead(Context::Values);
            match token {
                Token::Identifier | Token::DoesNotExist => {
                    let requirement = self
                        .parse_requirement()
                        .map_err(|err| format!("unable to parse requirement: {err}"))?;
                    requirements.push(requirement);
                    let (token, literal) = self.consume(Context::Values);
                    match token {
                        Token::End => return Ok(requirements),
                        Token::Comma => {
                            let (next, next_literal) = self.lookahead(Context::Values);
                            if next != Token::Identifier && next != Token::DoesNotExist {
                                return Err(format!(
                                    "found '{next_literal}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => {
                            return Err(format!(
                                "found '{literal}', expected: ',' or 'end of string'"
                            ));
                        }
                    }
                }
                Token::End => return Ok(requirements),
                _ => {
                    return Err(format!(
                        "found '{literal}', expected: !, identifier, or 'end of string'"
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        if let Some(op) = inferred {
            return new_requirement(key, op, Vec::new());
        }
        let op = self.parse_operator()?;
        let values = match op {
            Op::In | Op::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        new_requirement(key, op, values)
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Op>), String> {
        let mut op = None;
        let (mut token, mut literal) = self.consume(Context::Values);
        if token == Token::DoesNotExist {
            op = Some(Op::DoesNotExist);
            (token, literal) = self.consume(Context::Values);
        }
        if token != Token::Identifier {
            return Err(format!("found '{literal}', expected: identifier"));
        }
        if let Some(err) = label_key_error(&literal, "") {
            return Err(err);
        }
        let (next, _) = self.lookahead(Context::Values);
        if (next == Token::End || next == Token::Comma) && op.is_none() {
            op = Some(Op::Exists);
        }
        Ok((literal, op))
    }

    fn parse_operator(&mut self) -> Result<Op, String> {
        let (token, literal) = self.consume(Context::KeyAndOperator);
        Ok(match token {
            Token::In => Op::In,
            Token::Equals | Token::DoubleEquals => Op::Equals,
            Token::GreaterThan => Op::GreaterThan,
            Token::LessThan => Op::LessThan,
            Token::NotIn => Op::NotIn,
            Token::NotEquals => Op::NotEquals,
            _ => {
                return Err(format!(
                    "found '{literal}', expected: in, notin, =, ==, !=, gt, lt"
                ));
            }
        })
    }

    fn parse_values(&mut self) -> Result<Vec<String>, String> {
        let (token, literal) = self.consume(Context::Values);
        if token != Token::OpenPar {
            return Err(format!("found '{literal}' expected: '('"));
        }
        let (token, literal) = self.lookahead(Context::Values);
        match token {
            Token::Identifier | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                let (token, _) = self.consume(Context::Values);
                if token != Token::ClosedPar {
                    return Err(format!("found '{literal}', expected: ')'"));
                }
                Ok(values)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(vec![String::new()])
            }
            _ => Err(format!(
                "found '{literal}', expected: ',', ')' or identifier"
            )),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<Vec<String>, String> {
        let mut values: Vec<String> = Vec::new();
        let insert = |values: &mut Vec<String>, value: String| {
            if !values.contains(&value) {
                values.push(value);
            }
        };
        loop {
            let (token, literal) = self.consume(Context::Values);
            match token {
                Token::Identifier => {
                    insert(&mut values, literal);
                    let (next, next_literal) = self.lookahead(Context::Values);
                    match next {
                        Token::Comma => continue,
                        Token::ClosedPar => break,
                        _ => return Err(format!("found '{next_literal}', expected: ',' or ')'")),
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        insert(&mut values, String::new());
                    }
                    let (next, _) = self.lookahead(Context::Values);
                    if next == Token::ClosedPar {
                        insert(&mut values, String::new());
                        break;
                    }
                    if next == Token::Comma {
                        self.consume(Context::Values);
                        insert(&mut values, String::new());
                    }
                }
                _ => return Err(format!("found '{literal}', expected: ',', or identifier")),
            }
        }
        values.sort();
        Ok(values)
    }

    fn parse_exact_value(&mut self) -> Result<Vec<String>, String> {
        let (token, _) = self.lookahead(Context::Values);
        if token == Token::End || token == Token::Comma {
            return Ok(vec![String::new()]);
        }
        let (token, literal) = self.consume(Context::Values);
        if token == Token::Identifier {
            return Ok(vec![literal]);
        }
        Err(format!("found '{literal}', expected: identifier"))
    }
}

/// `NewRequirement`'s checks, with its error aggregation (`[e1, e2]` for several).
fn new_requirement(key: String, op: Op, values: Vec<String>) -> Result<Requirement, String> {
    let mut errors = Vec::new();
    if let Some(err) = label_key_error(&key, "key") {
        errors.push(err);
    }
    if matches!(op, Op::GreaterThan | Op::LessThan) {
        for (i, value) in values.iter().enumerate() {
            if value.parse::<i64>().is_err() {
                errors.push(format!(
                    "values[{i}]: Invalid value: {value:?}: for 'Gt', 'Lt' operators, the value must be an integer"
                ));
            }
        }
    }
    for (i, value) in values.iter().enumerate() {
        let problems = label_value_problems(value);
        if !problems.is_empty() {
            errors.push(format!(
                "values[{i}][{key}]: Invalid value: {value:?}: {}",
                problems.join("; ")
            ));
        }
    }
    match errors.len() {
        0 => Ok(Requirement { key, op, values }),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

fn label_key_error(key: &str, path: &str) -> Option<String> {
    let problems = qualified_name_problems(key);
    if problems.is_empty() {
        return None;
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    };
    Some(format!(
        "{prefix}Invalid value: {key:?}: {}",
        problems.join("; ")
    ))
}

// TODO(spec): move to kconform-spec once it exports its qualified-name and label-value checks; these
// texts are the 1.28–1.34 wordings (the spec crate owns the per-version variants).
const QUALIFIED_NAME_FMT: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

fn is_name_part(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

fn qualified_name_problems(key: &str) -> Vec<String> {
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                return vec!["prefix part must be non-empty".to_owned()];
            }
            if !is_dns_subdomain(prefix) {
                return vec!["prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_owned()];
            }
            name
        }
        _ => {
            return vec!["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_owned()];
        }
    };
    let mut problems = Vec::new();
    if name.is_empty() {
        problems.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        problems.push("name part must be no more than 63 characters".to_owned());
    }
    if !is_name_part(name) {
        problems.push(QUALIFIED_NAME_FMT.to_owned());
    }
    problems
}

fn label_value_problems(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.len() > 63 {
        problems.push("must be no more than 63 characters".to_owned());
    }
    if !value.is_empty() && !is_name_part(value) {
        problems.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_owned());
    }
    problems
}

impl LabelSelector {
    /// Parse `labelSelector`; the error is the exact 400 message.
    ///
    /// # Errors
    /// The apimachinery parser's message, e.g. `unable to parse requirement: found 'b', expected: in, ...`.
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut parser = Parser {
            items: lex(text),
            position: 0,
        };
        let requirements = parser.parse()?;
        Ok(LabelSelector { requirements })
    }

    /// Whether the selector has no requirements (matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether an object with these labels is selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|req| {
            let value = labels.get(&req.key);
            match req.op {
                Op::Equals | Op::In => value.is_some_and(|v| req.values.contains(v)),
                Op::NotEquals | Op::NotIn => value.is_none_or(|v| !req.values.contains(v)),
                Op::Exists => value.is_some(),
                Op::DoesNotExist => value.is_none(),
                Op::GreaterThan | Op::LessThan => {
                    let (Some(have), Some(want)) = (
                        value.and_then(|v| v.parse::<i64>().ok()),
                        req.values.first().and_then(|v| v.parse::<i64>().ok()),
                    ) else {
                        return false;
                    };
                    if req.op == Op::GreaterThan {
                        have > want
                    } else {
                        have < want
                    }
                }
            }
        })
    }
}

/// A parsed field selector over `metadata.name` and `metadata.namespace`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    /// `(field, equals, value)`: `equals` false for `!=`.
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    /// Parse `fieldSelector` and check it only uses the fields Endpoints support.
    ///
    /// # Errors
    /// The exact 400 message (`invalid selector: ...`, `"x" is not a known field selector: ...`).
    pub fn parse(text: &str) -> Result<FieldSelector, String> {
        let mut parts = split_unescaped_commas(text);
        parts.sort();
        let mut terms = Vec::new();
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((lhs, op, rhs)) = split_term(&part) else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{part}'"
                ));
            };
            let value = unescape_value(rhs)?;
            terms.push((lhs.to_owned(), op != "!=", value));
        }
        for (field, _, _) in &terms {
            if field != "metadata.name" && field != "metadata.namespace" {
                return Err(format!(
                    "\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                ));
            }
        }
        Ok(FieldSelector { terms })
    }

    /// Whether the selector has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The name required by a `metadata.name=X` term, if any (a watch by name, a name-scoped request).
    pub fn required_name(&self) -> Option<&str> {
        self.terms
            .iter()
            .find(|(field, equals, _)| field == "metadata.name" && *equals)
            .map(|(_, _, value)| value.as_str())
    }

    /// Whether an object with this namespace and name is selected.
    pub fn matches(&self, namespace: &str, name: &str) -> bool {
        self.terms.iter().all(|(field, equals, value)| {
            let actual = if field == "metadata.name" {
                name
            } else {
                namespace
            };
            (actual == value) == *equals
        })
    }
}

fn split_unescaped_commas(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == ',' {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    for (i, _) in term.char_indices() {
        let remaining = &term[i..];
        for op in ["!=", "==", "="] {
            if remaining.starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
    }
    None
}

fn unescape_value(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut in_slash = false;
    for c in text.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{c}"
                    ));
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    u32::from(c)
                ));
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn label_selectors_match_like_kubernetes() {
        let a = labels(&[("app", "a"), ("tier", "1")]);
        let b = labels(&[("app", "b")]);
        let none = labels(&[]);
        let cases = [
            ("app=a", [true, false, false]),
            ("app==a", [true, false, false]),
            ("app!=a", [false, true, true]),
            ("app in (a,b)", [true, true, false]),
            ("app notin (a)", [false, true, true]),
            ("app", [true, true, false]),
            ("!app", [false, false, true]),
            ("tier>0", [true, false, false]),
            ("tier<1", [false, false, false]),
            ("app=a,tier=1", [true, false, false]),
            ("", [true, true, true]),
        ];
        for (text, expected) in cases {
            let selector = LabelSelector::parse(text).unwrap();
            assert_eq!(
                [
                    selector.matches(&a),
                    selector.matches(&b),
                    selector.matches(&none)
                ],
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn label_selector_errors_have_the_recorded_texts() {
        let cases = [
            (
                "a b",
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "app in (a",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "bad key!=x",
                "unable to parse requirement: found 'key', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "app=bad value!",
                "found 'value', expected: ',' or 'end of string'",
            ),
            (
                "tier>x",
                "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                LabelSelector::parse(text),
                Err(message.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn field_selectors_parse_and_match() {
        let selector = FieldSelector::parse("metadata.name=ep-1,metadata.namespace=ns").unwrap();
        assert!(selector.matches("ns", "ep-1"));
        assert!(!selector.matches("ns", "ep-2"));
        assert_eq!(selector.required_name(), Some("ep-1"));
        assert!(
            FieldSelector::parse("metadata.name!=ep-1")
                .unwrap()
                .matches("ns", "ep-2")
        );
        assert!(
            FieldSelector::parse("metadata.name==ep-2")
                .unwrap()
                .matches("x", "ep-2")
        );
        assert_eq!(
            FieldSelector::parse("spec.foo=x"),
            Err("\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"".to_owned())
        );
        assert_eq!(
            FieldSelector::parse("foo"),
            Err("invalid selector: 'foo'; can't understand 'foo'".to_owned())
        );
    }
}
