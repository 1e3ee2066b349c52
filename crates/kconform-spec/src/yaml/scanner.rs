//! libyaml's scanner as go-yaml v2.4 has it: characters to tokens, with the block indentation turned
//! into BLOCK-START/BLOCK-END tokens and simple keys found by looking ahead for `:`.
//!
//! The state, the order of checks and the error texts follow `scannerc.go` so that a malformed body
//! fails at the same place with the same problem; the code is our own.

use std::collections::{HashMap, VecDeque};

use super::reader::Decoded;
use super::{ErrorKind, Mark, SyntaxError};

/// libyaml's limits on nesting (`max_flow_level`, `max_indents`).
const MAX_FLOW_LEVEL: usize = 10000;
const MAX_INDENTS: usize = 10000;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    StreamStart,
    StreamEnd,
    VersionDirective { major: u8, minor: u8 },
    TagDirective { handle: Vec<u8>, prefix: Vec<u8> },
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias(String),
    Anchor(String),
    Tag { handle: Vec<u8>, suffix: Vec<u8> },
    Scalar { value: String, style: ScalarStyle },
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) start: Mark,
    pub(crate) end: Mark,
}

#[derive(Debug, Clone, Copy, Default)]
struct SimpleKey {
    possible: bool,
    required: bool,
    token_number: usize,
    mark: Mark,
}

type Scan<T> = Result<T, SyntaxError>;

pub(crate) struct Scanner {
    chars: Vec<char>,
    reader_error: Option<(usize, &'static str)>,
    pos: usize,
    mark: Mark,
    tokens: VecDeque<Token>,
    tokens_parsed: usize,
    token_available: bool,
    stream_start_produced: bool,
    stream_end_produced: bool,
    indent: i64,
    indents: Vec<i64>,
    simple_key_allowed: bool,
    simple_keys: Vec<SimpleKey>,
    simple_keys_by_tok: HashMap<usize, usize>,
    flow_level: usize,
    /// The first error is final, as in libyaml.
    failed: Option<SyntaxError>,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_breakz(c: char) -> bool {
    is_break(c) || c == '\0'
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_blankz(c: char) -> bool {
    is_blank(c) || is_breakz(c)
}

fn is_alpha(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn hex_value(c: char) -> Option<u32> {
    c.to_digit(16)
}

impl Scanner {
    pub(crate) fn new(decoded: Decoded) -> Scanner {
        Scanner {
            chars: decoded.chars,
            reader_error: decoded.limit,
            pos: 0,
            mark: Mark::default(),
            tokens: VecDeque::new(),
            tokens_parsed: 0,
            token_available: false,
            stream_start_produced: false,
            stream_end_produced: false,
            indent: 0,
            indents: Vec::new(),
            simple_key_allowed: false,
            simple_keys: Vec::new(),
            simple_keys_by_tok: HashMap::new(),
            flow_level: 0,
            failed: None,
        }
    }

    // ---- characters ----

    fn at(&self, k: usize) -> char {
        self.chars.get(self.pos + k).copied().unwrap_or('\0')
    }

    fn ch(&self) -> char {
        self.at(0)
    }

    /// `cache(parser, n)`: the reader's error surfaces when the scanner needs a character of its chunk.
    fn cache(&mut self, n: usize) -> Scan<()> {
        match self.reader_error {
            Some((limit, problem)) if self.pos + n > limit => Err(SyntaxError {
                kind: ErrorKind::Reader,
                problem: problem.to_owned(),
                problem_mark: Mark::default(),
                context_mark: Mark::default(),
            }),
            _ => Ok(()),
        }
    }

    fn skip(&mut self) {
        self.mark.index += 1;
        self.mark.column += 1;
        self.pos += 1;
    }

    fn skip_line(&mut self) {
        if self.ch() == '\r' && self.at(1) == '\n' {
            self.mark.index += 2;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 2;
        } else if is_break(self.ch()) {
            self.mark.index += 1;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 1;
        }
    }

    fn read(&mut self, s: &mut String) {
        s.push(self.ch());
        self.skip();
    }

    /// A line break is read as `\n`, except LS and PS, which are kept.
    fn read_line(&mut self, s: &mut String) {
        let c = self.ch();
        if c == '\r' && self.at(1) == '\n' {
            s.push('\n');
            self.pos += 2;
            self.mark.index += 1;
        } else if c == '\r' || c == '\n' || c == '\u{85}' {
            s.push('\n');
            self.pos += 1;
        } else if c == '\u{2028}' || c == '\u{2029}' {
            s.push(c);
            self.pos += 1;
        } else {
            return;
        }
        self.mark.index += 1;
        self.mark.column = 0;
        self.mark.line += 1;
    }

    fn error(&self, context_mark: Mark, problem: &str) -> SyntaxError {
        SyntaxError {
            kind: ErrorKind::Scanner,
            problem: problem.to_owned(),
            problem_mark: self.mark,
            context_mark,
        }
    }

    // ---- the token queue the parser reads ----

    /// The next token without consuming it.
    pub(crate) fn peek(&mut self) -> Scan<&Token> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        if !self.token_available
            && let Err(err) = self.fetch_more_tokens()
        {
            self.failed = Some(err.clone());
            return Err(err);
        }
        // fetch_more_tokens always leaves a token queued.
        self.tokens.front().ok_or_else(|| SyntaxError {
            kind: ErrorKind::Parser,
            problem: "did not find expected <stream-start>".to_owned(),
            problem_mark: Mark::default(),
            context_mark: Mark::default(),
        })
    }

    pub(crate) fn skip_token(&mut self) {
        self.token_available = false;
        self.tokens_parsed += 1;
        if let Some(token) = self.tokens.pop_front() {
            self.stream_end_produced = token.kind == TokenKind::StreamEnd;
        }
    }

    pub(crate) fn stream_end_produced(&self) -> bool {
        self.stream_end_produced
    }

    fn insert_token(&mut self, pos: Option<usize>, token: Token) {
        match pos {
            None => self.tokens.push_back(token),
            Some(at) => self.tokens.insert(at.min(self.tokens.len()), token),
        }
    }

    fn fetch_more_tokens(&mut self) -> Scan<()> {
        loop {
            if !self.tokens.is_empty() {
                let Some(&index) = self.simple_keys_by_tok.get(&self.tokens_parsed) else {
                    break;
                };
                if !self.simple_key_is_valid(index)? {
                    break;
                }
            }
            self.fetch_next_token()?;
        }
        self.token_available = true;
        Ok(())
    }

    fn fetch_next_token(&mut self) -> Scan<()> {
        self.cache(1)?;
        if !self.stream_start_produced {
            self.fetch_stream_start();
            return Ok(());
        }
        self.scan_to_next_token()?;
        self.unroll_indent(self.mark.column as i64);
        self.cache(4)?;
        let c = self.ch();
        if c == '\0' {
            return self.fetch_stream_end();
        }
        if self.mark.column == 0 && c == '%' {
            return self.fetch_directive();
        }
        let next = self.at(1);
        if self.mark.column == 0
            && c == '-'
            && next == '-'
            && self.at(2) == '-'
            && is_blankz(self.at(3))
        {
            return self.fetch_document_indicator(TokenKind::DocumentStart);
        }
        if self.mark.column == 0
            && c == '.'
            && next == '.'
            && self.at(2) == '.'
            && is_blankz(self.at(3))
        {
            return self.fetch_document_indicator(TokenKind::DocumentEnd);
        }
        match c {
            '[' => return self.fetch_flow_collection_start(TokenKind::FlowSequenceStart),
            '{' => return self.fetch_flow_collection_start(TokenKind::FlowMappingStart),
            ']' => return self.fetch_flow_collection_end(TokenKind::FlowSequenceEnd),
            '}' => return self.fetch_flow_collection_end(TokenKind::FlowMappingEnd),
            ',' => return self.fetch_flow_entry(),
            _ => {}
        }
        if c == '-' && is_blankz(next) {
            return self.fetch_block_entry();
        }
        if c == '?' && (self.flow_level > 0 || is_blankz(next)) {
            return self.fetch_key();
        }
        if c == ':' && (self.flow_level > 0 || is_blankz(next)) {
            return self.fetch_value();
        }
        match c {
            '*' => return self.fetch_anchor(true),
            '&' => return self.fetch_anchor(false),
            '!' => return self.fetch_tag(),
            '|' if self.flow_level == 0 => return self.fetch_block_scalar(true),
            '>' if self.flow_level == 0 => return self.fetch_block_scalar(false),
            '\'' => return self.fetch_flow_scalar(true),
            '"' => return self.fetch_flow_scalar(false),
            _ => {}
        }
        let indicator = is_blankz(c)
            || matches!(
                c,
                '-' | '?'
                    | ':'
                    | ','
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '#'
                    | '&'
                    | '*'
                    | '!'
                    | '|'
                    | '>'
                    | '\''
                    | '"'
                    | '%'
                    | '@'
                    | '`'
            );
        if !indicator
            || (c == '-' && !is_blank(next))
            || (self.flow_level == 0 && (c == '?' || c == ':') && !is_blankz(next))
        {
            return self.fetch_plain_scalar();
        }
        Err(self.error(self.mark, "found character that cannot start any token"))
    }

    // ---- simple keys ----

    fn simple_key_is_valid(&mut self, index: usize) -> Scan<bool> {
        let mark = self.mark;
        let Some(key) = self.simple_keys.get_mut(index) else {
            return Ok(false);
        };
        if !key.possible {
            return Ok(false);
        }
        // A simple key is one line and at most 1024 characters long.
        if key.mark.line < mark.line || key.mark.index + 1024 < mark.index {
            if key.required {
                let context = key.mark;
                return Err(self.error(context, "could not find expected ':'"));
            }
            key.possible = false;
            return Ok(false);
        }
        Ok(true)
    }

    fn save_simple_key(&mut self) -> Scan<()> {
        let required = self.flow_level == 0 && self.indent == self.mark.column as i64;
        if self.simple_key_allowed {
            let key = SimpleKey {
                possible: true,
                required,
                token_number: self.tokens_parsed + self.tokens.len(),
                mark: self.mark,
            };
            self.remove_simple_key()?;
            let last = self.simple_keys.len() - 1;
            self.simple_keys[last] = key;
            self.simple_keys_by_tok.insert(key.token_number, last);
        }
        Ok(())
    }

    fn remove_simple_key(&mut self) -> Scan<()> {
        let last = self.simple_keys.len() - 1;
        let key = self.simple_keys[last];
        if key.possible {
            if key.required {
                return Err(self.error(key.mark, "could not find expected ':'"));
            }
            self.simple_keys[last].possible = false;
            self.simple_keys_by_tok.remove(&key.token_number);
        }
        Ok(())
    }

    fn increase_flow_level(&mut self) -> Scan<()> {
        self.simple_keys.push(SimpleKey {
            possible: false,
            required: false,
            token_number: self.tokens_parsed + self.tokens.len(),
            mark: self.mark,
        });
        self.flow_level += 1;
        if self.flow_level > MAX_FLOW_LEVEL {
            let context = self.simple_keys[self.simple_keys.len() - 1].mark;
            return Err(self.error(context, &format!("exceeded max depth of {MAX_FLOW_LEVEL}")));
        }
        Ok(())
    }

    fn decrease_flow_level(&mut self) {
        if self.flow_level > 0 {
            self.flow_level -= 1;
            if let Some(key) = self.simple_keys.pop() {
                self.simple_keys_by_tok.remove(&key.token_number);
            }
        }
    }

    // ---- indentation ----

    /// Opens a block collection at `column`; `number` is the token number to insert before, if any.
    fn roll_indent(
        &mut self,
        column: i64,
        number: Option<usize>,
        kind: TokenKind,
        mark: Mark,
    ) -> Scan<()> {
        if self.flow_level > 0 {
            return Ok(());
        }
        if self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            if self.indents.len() > MAX_INDENTS {
                let context = self.simple_keys[self.simple_keys.len() - 1].mark;
                return Err(self.error(context, &format!("exceeded max depth of {MAX_INDENTS}")));
            }
            let at = number.map(|n| n.saturating_sub(self.tokens_parsed));
            self.insert_token(
                at,
                Token {
                    kind,
                    start: mark,
                    end: mark,
                },
            );
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: i64) {
        if self.flow_level > 0 {
            return;
        }
        while self.indent > column {
            self.insert_token(
                None,
                Token {
                    kind: TokenKind::BlockEnd,
                    start: self.mark,
                    end: self.mark,
                },
            );
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    // ---- fetchers ----

    fn push_simple(&mut self, kind: TokenKind, start: Mark) {
        let end = self.mark;
        self.insert_token(None, Token { kind, start, end });
    }

    fn fetch_stream_start(&mut self) {
        self.indent = -1;
        self.simple_keys.push(SimpleKey::default());
        self.simple_key_allowed = true;
        self.stream_start_produced = true;
        self.push_simple(TokenKind::StreamStart, self.mark);
    }

    fn fetch_stream_end(&mut self) -> Scan<()> {
        // The end of the stream is on a line of its own.
        if self.mark.column != 0 {
            self.mark.column = 0;
            self.mark.line += 1;
        }
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        self.push_simple(TokenKind::StreamEnd, self.mark);
        Ok(())
    }

    fn fetch_directive(&mut self) -> Scan<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_directive()?;
        self.insert_token(None, token);
        Ok(())
    }

    fn fetch_document_indicator(&mut self, kind: TokenKind) -> Scan<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.skip();
        self.skip();
        self.push_simple(kind, start);
        Ok(())
    }

    fn fetch_flow_collection_start(&mut self, kind: TokenKind) -> Scan<()> {
        self.save_simple_key()?;
        self.increase_flow_level()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push_simple(kind, start);
        Ok(())
    }

    fn fetch_flow_collection_end(&mut self, kind: TokenKind) -> Scan<()> {
        self.remove_simple_key()?;
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.push_simple(kind, start);
        Ok(())
    }

    fn fetch_flow_entry(&mut self) -> Scan<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push_simple(TokenKind::FlowEntry, start);
        Ok(())
    }

    fn fetch_block_entry(&mut self) -> Scan<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.error(
                    self.mark,
                    "block sequence entries are not allowed in this context",
                ));
            }
            self.roll_indent(
                self.mark.column as i64,
                None,
                TokenKind::BlockSequenceStart,
                self.mark,
            )?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push_simple(TokenKind::BlockEntry, start);
        Ok(())
    }

    fn fetch_key(&mut self) -> Scan<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.error(self.mark, "mapping keys are not allowed in this context"));
            }
            self.roll_indent(
                self.mark.column as i64,
                None,
                TokenKind::BlockMappingStart,
                self.mark,
            )?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = self.flow_level == 0;
        let start = self.mark;
        self.skip();
        self.push_simple(TokenKind::Key, start);
        Ok(())
    }

    fn fetch_value(&mut self) -> Scan<()> {
        let last = self.simple_keys.len() - 1;
        if self.simple_key_is_valid(last)? {
            let key = self.simple_keys[last];
            // The KEY token goes before the key's first token, and the mapping start before that.
            self.insert_token(
                Some(key.token_number.saturating_sub(self.tokens_parsed)),
                Token {
                    kind: TokenKind::Key,
                    start: key.mark,
                    end: key.mark,
                },
            );
            self.roll_indent(
                key.mark.column as i64,
                Some(key.token_number),
                TokenKind::BlockMappingStart,
                key.mark,
            )?;
            self.simple_keys[last].possible = false;
            self.simple_keys_by_tok.remove(&key.token_number);
            self.simple_key_allowed = false;
        } else {
            if self.flow_level == 0 {
                if !self.simple_key_allowed {
                    return Err(
                        self.error(self.mark, "mapping values are not allowed in this context")
                    );
                }
                self.roll_indent(
                    self.mark.column as i64,
                    None,
                    TokenKind::BlockMappingStart,
                    self.mark,
                )?;
            }
            self.simple_key_allowed = self.flow_level == 0;
        }
        let start = self.mark;
        self.skip();
        self.push_simple(TokenKind::Value, start);
        Ok(())
    }

    fn fetch_anchor(&mut self, alias: bool) -> Scan<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_anchor(alias)?;
        self.insert_token(None, token);
        Ok(())
    }

    fn fetch_tag(&mut self) -> Scan<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_tag()?;
        self.insert_token(None, token);
        Ok(())
    }

    fn fetch_block_scalar(&mut self, literal: bool) -> Scan<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let token = self.scan_block_scalar(literal)?;
        self.insert_token(None, token);
        Ok(())
    }

    fn fetch_flow_scalar(&mut self, single: bool) -> Scan<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_flow_scalar(single)?;
        self.insert_token(None, token);
        Ok(())
    }

    fn fetch_plain_scalar(&mut self) -> Scan<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_plain_scalar()?;
        self.insert_token(None, token);
        Ok(())
    }

    // ---- scanners ----

    fn scan_to_next_token(&mut self) -> Scan<()> {
        loop {
            self.cache(1)?;
            if self.mark.column == 0 && self.ch() == '\u{FEFF}' {
                self.skip();
            }
            self.cache(1)?;
            // Tabs separate tokens only where they cannot be taken for indentation.
            while self.ch() == ' '
                || ((self.flow_level > 0 || !self.simple_key_allowed) && self.ch() == '\t')
            {
                self.skip();
                self.cache(1)?;
            }
            if self.ch() == '#' {
                while !is_breakz(self.ch()) {
                    self.skip();
                    self.cache(1)?;
                }
            }
            if is_break(self.ch()) {
                self.cache(2)?;
                self.skip_line();
                if self.flow_level == 0 {
                    self.simple_key_allowed = true;
                }
            } else {
                return Ok(());
            }
        }
    }

    fn skip_blanks(&mut self) -> Scan<()> {
        self.cache(1)?;
        while is_blank(self.ch()) {
            self.skip();
            self.cache(1)?;
        }
        Ok(())
    }

    fn skip_comment(&mut self) -> Scan<()> {
        if self.ch() == '#' {
            while !is_breakz(self.ch()) {
                self.skip();
                self.cache(1)?;
            }
        }
        Ok(())
    }

    fn scan_directive(&mut self) -> Scan<Token> {
        let start = self.mark;
        self.skip();
        let name = self.scan_directive_name(start)?;
        let kind = if name == "YAML" {
            self.skip_blanks()?;
            let major = self.scan_version_directive_number(start)?;
            if self.ch() != '.' {
                return Err(self.error(start, "did not find expected digit or '.' character"));
            }
            self.skip();
            let minor = self.scan_version_directive_number(start)?;
            TokenKind::VersionDirective { major, minor }
        } else if name == "TAG" {
            self.skip_blanks()?;
            let handle = self.scan_tag_handle(true, start)?;
            self.cache(1)?;
            if !is_blank(self.ch()) {
                return Err(self.error(start, "did not find expected whitespace"));
            }
            self.skip_blanks()?;
            let prefix = self.scan_tag_uri(&[], start)?;
            self.cache(1)?;
            if !is_blankz(self.ch()) {
                return Err(self.error(start, "did not find expected whitespace or line break"));
            }
            TokenKind::TagDirective { handle, prefix }
        } else {
            return Err(self.error(start, "found unknown directive name"));
        };
        let end = self.mark;
        self.skip_blanks()?;
        self.skip_comment()?;
        if !is_breakz(self.ch()) {
            return Err(self.error(start, "did not find expected comment or line break"));
        }
        if is_break(self.ch()) {
            self.cache(2)?;
            self.skip_line();
        }
        Ok(Token { kind, start, end })
    }

    fn scan_directive_name(&mut self, start: Mark) -> Scan<String> {
        self.cache(1)?;
        let mut name = String::new();
        while is_alpha(self.ch()) {
            self.read(&mut name);
            self.cache(1)?;
        }
        if name.is_empty() {
            return Err(self.error(start, "could not find expected directive name"));
        }
        if !is_blankz(self.ch()) {
            return Err(self.error(start, "found unexpected non-alphabetical character"));
        }
        Ok(name)
    }

    fn scan_version_directive_number(&mut self, start: Mark) -> Scan<u8> {
        self.cache(1)?;
        let mut value: u8 = 0;
        let mut length = 0;
        while let Some(digit) = self.ch().to_digit(10) {
            length += 1;
            if length > 2 {
                return Err(self.error(start, "found extremely long version number"));
            }
            // Two decimal digits fit a u8.
            value = value * 10 + digit as u8;
            self.skip();
            self.cache(1)?;
        }
        if length == 0 {
            return Err(self.error(start, "did not find expected version number"));
        }
        Ok(value)
    }

    fn scan_anchor(&mut self, alias: bool) -> Scan<Token> {
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        let mut name = String::new();
        while is_alpha(self.ch()) {
            self.read(&mut name);
            self.cache(1)?;
        }
        let end = self.mark;
        let c = self.ch();
        if name.is_empty()
            || !(is_blankz(c) || matches!(c, '?' | ':' | ',' | ']' | '}' | '%' | '@' | '`'))
        {
            // libyaml's context (`while scanning an alias` / `an anchor`) is not part of go-yaml's text.
            return Err(self.error(
                start,
                "did not find expected alphabetic or numeric character",
            ));
        }
        let kind = if alias {
            TokenKind::Alias(name)
        } else {
            TokenKind::Anchor(name)
        };
        Ok(Token { kind, start, end })
    }

    fn scan_tag(&mut self) -> Scan<Token> {
        let start = self.mark;
        self.cache(2)?;
        let (handle, suffix);
        if self.at(1) == '<' {
            self.skip();
            self.skip();
            suffix = self.scan_tag_uri(&[], start)?;
            if self.ch() != '>' {
                return Err(self.error(start, "did not find the expected '>'"));
            }
            self.skip();
            handle = Vec::new();
        } else {
            let first = self.scan_tag_handle(false, start)?;
            if first.len() > 1 && first[0] == b'!' && first[first.len() - 1] == b'!' {
                suffix = self.scan_tag_uri(&[], start)?;
                handle = first;
            } else {
                // `!foo`: the handle is `!` and what was read as a handle starts the suffix.
                let uri = self.scan_tag_uri(&first, start)?;
                if uri.is_empty() {
                    handle = Vec::new();
                    suffix = b"!".to_vec();
                } else {
                    handle = b"!".to_vec();
                    suffix = uri;
                }
            }
        }
        self.cache(1)?;
        if !is_blankz(self.ch()) {
            return Err(self.error(start, "did not find expected whitespace or line break"));
        }
        Ok(Token {
            kind: TokenKind::Tag { handle, suffix },
            start,
            end: self.mark,
        })
    }

    fn scan_tag_handle(&mut self, directive: bool, start: Mark) -> Scan<Vec<u8>> {
        self.cache(1)?;
        if self.ch() != '!' {
            return Err(self.error(start, "did not find expected '!'"));
        }
        let mut s = String::new();
        self.read(&mut s);
        self.cache(1)?;
        while is_alpha(self.ch()) {
            self.read(&mut s);
            self.cache(1)?;
        }
        if self.ch() == '!' {
            self.read(&mut s);
        } else if directive && s != "!" {
            return Err(self.error(start, "did not find expected '!'"));
        }
        Ok(s.into_bytes())
    }

    fn scan_tag_uri(&mut self, head: &[u8], start: Mark) -> Scan<Vec<u8>> {
        let mut has_tag = !head.is_empty();
        let mut s: Vec<u8> = head.get(1..).unwrap_or_default().to_vec();
        self.cache(1)?;
        loop {
            let c = self.ch();
            let uri_char = is_alpha(c)
                || matches!(
                    c,
                    ';' | '/'
                        | '?'
                        | ':'
                        | '@'
                        | '&'
                        | '='
                        | '+'
                        | '$'
                        | ','
                        | '.'
                        | '!'
                        | '~'
                        | '*'
                        | '\''
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '%'
                );
            if !uri_char {
                break;
            }
            if c == '%' {
                self.scan_uri_escapes(start, &mut s)?;
            } else {
                let mut one = String::new();
                self.read(&mut one);
                s.extend_from_slice(one.as_bytes());
            }
            self.cache(1)?;
            has_tag = true;
        }
        if !has_tag {
            return Err(self.error(start, "did not find expected tag URI"));
        }
        Ok(s)
    }

    fn scan_uri_escapes(&mut self, start: Mark, s: &mut Vec<u8>) -> Scan<()> {
        let mut width = 1024;
        while width > 0 {
            self.cache(3)?;
            let (Some(high), Some(low)) = (hex_value(self.at(1)), hex_value(self.at(2))) else {
                return Err(self.error(start, "did not find URI escaped octet"));
            };
            if self.ch() != '%' {
                return Err(self.error(start, "did not find URI escaped octet"));
            }
            // Two hex digits are one octet.
            let octet = (high * 16 + low) as u8;
            if width == 1024 {
                width = match octet {
                    o if o & 0x80 == 0 => 1,
                    o if o & 0xE0 == 0xC0 => 2,
                    o if o & 0xF0 == 0xE0 => 3,
                    o if o & 0xF8 == 0xF0 => 4,
                    _ => {
                        return Err(self.error(start, "found an incorrect leading UTF-8 octet"));
                    }
                };
            } else if octet & 0xC0 != 0x80 {
                return Err(self.error(start, "found an incorrect trailing UTF-8 octet"));
            }
            s.push(octet);
            self.skip();
            self.skip();
            self.skip();
            width -= 1;
        }
        Ok(())
    }

    fn scan_block_scalar(&mut self, literal: bool) -> Scan<Token> {
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        let mut chomping = 0i8;
        let mut increment = 0i64;
        if self.ch() == '+' || self.ch() == '-' {
            chomping = if self.ch() == '+' { 1 } else { -1 };
            self.skip();
            self.cache(1)?;
            if let Some(digit) = self.ch().to_digit(10) {
                if digit == 0 {
                    return Err(self.error(start, "found an indentation indicator equal to 0"));
                }
                increment = i64::from(digit);
                self.skip();
            }
        } else if let Some(digit) = self.ch().to_digit(10) {
            if digit == 0 {
                return Err(self.error(start, "found an indentation indicator equal to 0"));
            }
            increment = i64::from(digit);
            self.skip();
            self.cache(1)?;
            if self.ch() == '+' || self.ch() == '-' {
                chomping = if self.ch() == '+' { 1 } else { -1 };
                self.skip();
            }
        }
        self.skip_blanks()?;
        self.skip_comment()?;
        if !is_breakz(self.ch()) {
            return Err(self.error(start, "did not find expected comment or line break"));
        }
        if is_break(self.ch()) {
            self.cache(2)?;
            self.skip_line();
        }
        let mut end = self.mark;
        let mut indent = 0i64;
        if increment > 0 {
            indent = if self.indent >= 0 {
                self.indent + increment
            } else {
                increment
            };
        }
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        self.cache(1)?;
        let mut leading_blank = false;
        while self.mark.column as i64 == indent && self.ch() != '\0' {
            let trailing_blank = is_blank(self.ch());
            // Folding: a single break between two non-indented lines becomes a space.
            if !literal && !leading_blank && !trailing_blank && leading_break.starts_with('\n') {
                if trailing_breaks.is_empty() {
                    s.push(' ');
                }
            } else {
                s.push_str(&leading_break);
            }
            leading_break.clear();
            s.push_str(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = is_blank(self.ch());
            while !is_breakz(self.ch()) {
                self.read(&mut s);
                self.cache(1)?;
            }
            self.cache(2)?;
            self.read_line(&mut leading_break);
            self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        }
        if chomping != -1 {
            s.push_str(&leading_break);
        }
        if chomping == 1 {
            s.push_str(&trailing_breaks);
        }
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        Ok(Token {
            kind: TokenKind::Scalar { value: s, style },
            start,
            end,
        })
    }

    fn scan_block_scalar_breaks(
        &mut self,
        indent: &mut i64,
        breaks: &mut String,
        start: Mark,
        end: &mut Mark,
    ) -> Scan<()> {
        *end = self.mark;
        let mut max_indent = 0i64;
        loop {
            self.cache(1)?;
            while (*indent == 0 || (self.mark.column as i64) < *indent) && self.ch() == ' ' {
                self.skip();
                self.cache(1)?;
            }
            if self.mark.column as i64 > max_indent {
                max_indent = self.mark.column as i64;
            }
            if (*indent == 0 || (self.mark.column as i64) < *indent) && self.ch() == '\t' {
                return Err(self.error(
                    start,
                    "found a tab character where an indentation space is expected",
                ));
            }
            if !is_break(self.ch()) {
                break;
            }
            self.cache(2)?;
            self.read_line(breaks);
            *end = self.mark;
        }
        if *indent == 0 {
            *indent = max_indent.max(self.indent + 1).max(1);
        }
        Ok(())
    }

    fn document_indicator_here(&self) -> bool {
        self.mark.column == 0
            && ((self.at(0) == '-' && self.at(1) == '-' && self.at(2) == '-')
                || (self.at(0) == '.' && self.at(1) == '.' && self.at(2) == '.'))
            && is_blankz(self.at(3))
    }

    fn scan_flow_scalar(&mut self, single: bool) -> Scan<Token> {
        let start = self.mark;
        self.skip();
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        loop {
            self.cache(4)?;
            if self.document_indicator_here() {
                return Err(self.error(start, "found unexpected document indicator"));
            }
            if self.ch() == '\0' {
                return Err(self.error(start, "found unexpected end of stream"));
            }
            let mut leading_blanks = false;
            while !is_blankz(self.ch()) {
                let c = self.ch();
                if single && c == '\'' && self.at(1) == '\'' {
                    s.push('\'');
                    self.skip();
                    self.skip();
                } else if (single && c == '\'') || (!single && c == '"') {
                    break;
                } else if !single && c == '\\' && is_break(self.at(1)) {
                    self.cache(3)?;
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == '\\' {
                    let mut code_length = 0;
                    match self.at(1) {
                        '0' => s.push('\0'),
                        'a' => s.push('\u{07}'),
                        'b' => s.push('\u{08}'),
                        't' | '\t' => s.push('\t'),
                        'n' => s.push('\n'),
                        'v' => s.push('\u{0B}'),
                        'f' => s.push('\u{0C}'),
                        'r' => s.push('\r'),
                        'e' => s.push('\u{1B}'),
                        ' ' => s.push(' '),
                        '"' => s.push('"'),
                        '\'' => s.push('\''),
                        '\\' => s.push('\\'),
                        'N' => s.push('\u{85}'),
                        '_' => s.push('\u{A0}'),
                        'L' => s.push('\u{2028}'),
                        'P' => s.push('\u{2029}'),
                        'x' => code_length = 2,
                        'u' => code_length = 4,
                        'U' => code_length = 8,
                        _ => return Err(self.error(start, "found unknown escape character")),
                    }
                    self.skip();
                    self.skip();
                    if code_length > 0 {
                        self.cache(code_length)?;
                        let mut value: u32 = 0;
                        for k in 0..code_length {
                            let Some(digit) = hex_value(self.at(k)) else {
                                return Err(
                                    self.error(start, "did not find expected hexdecimal number")
                                );
                            };
                            value = (value << 4) + digit;
                        }
                        let Some(decoded) = char::from_u32(value) else {
                            return Err(
                                self.error(start, "found invalid Unicode character escape code")
                            );
                        };
                        s.push(decoded);
                        for _ in 0..code_length {
                            self.skip();
                        }
                    }
                } else {
                    self.read(&mut s);
                }
                self.cache(2)?;
            }
            self.cache(1)?;
            if (single && self.ch() == '\'') || (!single && self.ch() == '"') {
                break;
            }
            while is_blank(self.ch()) || is_break(self.ch()) {
                if is_blank(self.ch()) {
                    if leading_blanks {
                        self.skip();
                    } else {
                        self.read(&mut whitespaces);
                    }
                } else {
                    self.cache(2)?;
                    if leading_blanks {
                        self.read_line(&mut trailing_breaks);
                    } else {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    }
                }
                self.cache(1)?;
            }
            if leading_blanks {
                join_folded(&mut s, &mut leading_break, &mut trailing_breaks);
            } else {
                s.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        let style = if single {
            ScalarStyle::SingleQuoted
        } else {
            ScalarStyle::DoubleQuoted
        };
        Ok(Token {
            kind: TokenKind::Scalar { value: s, style },
            start,
            end: self.mark,
        })
    }

    fn scan_plain_scalar(&mut self) -> Scan<Token> {
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        let mut leading_blanks = false;
        let indent = self.indent + 1;
        let start = self.mark;
        let mut end = self.mark;
        loop {
            self.cache(4)?;
            if self.document_indicator_here() || self.ch() == '#' {
                break;
            }
            while !is_blankz(self.ch()) {
                let c = self.ch();
                if (c == ':' && is_blankz(self.at(1)))
                    || (self.flow_level > 0 && matches!(c, ',' | '?' | '[' | ']' | '{' | '}'))
                {
                    break;
                }
                if leading_blanks || !whitespaces.is_empty() {
                    if leading_blanks {
                        join_folded(&mut s, &mut leading_break, &mut trailing_breaks);
                        leading_blanks = false;
                    } else {
                        s.push_str(&whitespaces);
                        whitespaces.clear();
                    }
                }
                self.read(&mut s);
                end = self.mark;
                self.cache(2)?;
            }
            if !(is_blank(self.ch()) || is_break(self.ch())) {
                break;
            }
            self.cache(1)?;
            while is_blank(self.ch()) || is_break(self.ch()) {
                if is_blank(self.ch()) {
                    if leading_blanks && (self.mark.column as i64) < indent && self.ch() == '\t' {
                        return Err(
                            self.error(start, "found a tab character that violates indentation")
                        );
                    }
                    if leading_blanks {
                        self.skip();
                    } else {
                        self.read(&mut whitespaces);
                    }
                } else {
                    self.cache(2)?;
                    if leading_blanks {
                        self.read_line(&mut trailing_breaks);
                    } else {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    }
                }
                self.cache(1)?;
            }
            if self.flow_level == 0 && (self.mark.column as i64) < indent {
                break;
            }
        }
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(Token {
            kind: TokenKind::Scalar {
                value: s,
                style: ScalarStyle::Plain,
            },
            start,
            end,
        })
    }
}

/// Line folding inside flow and plain scalars: one line break is a space, more are kept less one.
fn join_folded(s: &mut String, leading_break: &mut String, trailing_breaks: &mut String) {
    if leading_break.starts_with('\n') {
        if trailing_breaks.is_empty() {
            s.push(' ');
        } else {
            s.push_str(trailing_breaks);
        }
    } else {
        s.push_str(leading_break);
        s.push_str(trailing_breaks);
    }
    trailing_breaks.clear();
    leading_break.clear();
}
