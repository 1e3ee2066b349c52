//! YAML as kube-apiserver reads and writes it: `sigs.k8s.io/yaml` over go-yaml v2, a port of libyaml.
//!
//! Reading ([`yaml_to_json`]): go-yaml's reader, scanner and parser turn the first document of a
//! body into nodes (`reader`, `scanner`, `parser`), its YAML 1.1 rules give each scalar a Go type
//! (`resolve`), and the Go value is converted to JSON as `YAMLToJSON` does (`to_json`). Errors carry
//! go-yaml's texts and its line numbering (`yaml: line 7: found unexpected end of stream`).
//!
//! Writing ([`to_yaml`], `emit`): a JSON value as go-yaml's emitter writes the Go map
//! `sigs.k8s.io/yaml` makes of it: keys sorted, each string in the style go-yaml picks for it.
//!
//! All of it is our own code, written from reading go-yaml's sources; nothing is transpiled.

mod emit;
mod parser;
mod reader;
mod resolve;
mod scanner;
mod to_json;

pub use emit::to_yaml;

/// A position in the decoded text, counted in characters; `line` is 0-based, as in libyaml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) index: usize,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Which stage of libyaml failed: go-yaml numbers their lines differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    Reader,
    Scanner,
    Parser,
}

/// libyaml's error state: the problem and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) kind: ErrorKind,
    pub(crate) problem: String,
    pub(crate) problem_mark: Mark,
    pub(crate) context_mark: Mark,
}

impl SyntaxError {
    /// go-yaml's `parser.fail`: `line N: ` from the problem mark (one more for scanner errors, whose
    /// mark is 0-based), else from the context mark, else nothing.
    fn go_text(&self) -> String {
        let line = if self.problem_mark.line != 0 {
            match self.kind {
                ErrorKind::Scanner => self.problem_mark.line + 1,
                ErrorKind::Reader | ErrorKind::Parser => self.problem_mark.line,
            }
        } else {
            self.context_mark.line
        };
        let problem = if self.problem.is_empty() {
            "unknown problem parsing YAML content"
        } else {
            &self.problem
        };
        if line == 0 {
            problem.to_owned()
        } else {
            format!("line {line}: {problem}")
        }
    }
}

/// Why a YAML body cannot become JSON; `Display` is the text kube-apiserver puts in its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// go-yaml failed: a syntax error, an unknown anchor, a tag the value does not fit…
    #[error("yaml: {0}")]
    Yaml(String),
    /// go-yaml's strict mode found keys set twice (`yaml: unmarshal errors:` and one line each).
    #[error("yaml: unmarshal errors:\n  {}", .0.join("\n  "))]
    Unmarshal(Vec<String>),
    /// The Go value has no JSON form (`json: unsupported value: NaN`, a null map key).
    #[error("{0}")]
    Json(String),
    /// Nested deeper than [`crate::gojson::MAX_DEPTH`]: the JSON it becomes is refused like a JSON body
    /// that deep.
    #[error("exceeded max depth")]
    TooDeep,
}

/// `sigs.k8s.io/yaml.YAMLToJSON`: the first document of `body` as the JSON text Go produces (keys
/// sorted, numbers printed as Go prints them).
///
/// # Errors
/// [`YamlError`] with go-yaml's or `encoding/json`'s text.
pub fn yaml_to_json(body: &[u8]) -> Result<Vec<u8>, YamlError> {
    convert(body, false)
}

/// `sigs.k8s.io/yaml.YAMLToJSONStrict`: like [`yaml_to_json`], but a key set twice in one mapping
/// is an error, as kube-apiserver's strict decoding checks it.
///
/// # Errors
/// [`YamlError`] with go-yaml's or `encoding/json`'s text.
pub fn yaml_to_json_strict(body: &[u8]) -> Result<Vec<u8>, YamlError> {
    convert(body, true)
}

fn convert(body: &[u8], strict: bool) -> Result<Vec<u8>, YamlError> {
    // go-yaml reads an empty body as a single line break.
    let body = if body.is_empty() { &b"\n"[..] } else { body };
    let decoded = reader::decode(body);
    let mut parser = parser::Parser::new(scanner::Scanner::new(decoded));
    let document = parser::compose(&mut parser).map_err(|err| match err {
        parser::ComposeError::Syntax(syntax) => YamlError::Yaml(syntax.go_text()),
        parser::ComposeError::Go(text) => YamlError::Yaml(text),
    })?;
    to_json::document_to_json(&document, strict, crate::gojson::MAX_DEPTH).map_err(
        |err| match err {
            to_json::ConvertError::Yaml(text) => YamlError::Yaml(text),
            to_json::ConvertError::Unmarshal(lines) => YamlError::Unmarshal(lines),
            to_json::ConvertError::Json(text) => YamlError::Json(text),
            to_json::ConvertError::TooDeep => YamlError::TooDeep,
        },
    )
}

#[cfg(test)]
mod tests;
