//! libyaml's parser (tokens to events) and go-yaml v2's composer (events to a node tree), for the
//! first document of a stream only, as `yaml.Unmarshal` reads it.
//!
//! The state machine and its error texts follow `parserc.go`; the composer follows go-yaml's
//! `parser` in `decode.go`, but keeps an explicit stack so nesting cannot exhaust ours.

use std::collections::HashMap;

use super::scanner::{ScalarStyle, Scanner, Token, TokenKind};
use super::{ErrorKind, Mark, SyntaxError};

#[derive(Debug, Clone)]
pub(crate) enum EventKind {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias(String),
    Scalar {
        anchor: Option<String>,
        tag: Vec<u8>,
        value: String,
        /// `plain_implicit`: plain without a tag, or tagged `!`.
        implicit: bool,
    },
    SequenceStart {
        anchor: Option<String>,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<String>,
    },
    MappingEnd,
}

#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) kind: EventKind,
    pub(crate) start: Mark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StreamStart,
    ImplicitDocumentStart,
    DocumentStart,
    DocumentContent,
    DocumentEnd,
    BlockNode,
    BlockSequenceFirstEntry,
    BlockSequenceEntry,
    IndentlessSequenceEntry,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingValue,
    FlowSequenceFirstEntry,
    FlowSequenceEntry,
    FlowSequenceEntryMappingKey,
    FlowSequenceEntryMappingValue,
    FlowSequenceEntryMappingEnd,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingValue,
    FlowMappingEmptyValue,
    End,
}

type Parse<T> = Result<T, SyntaxError>;

pub(crate) struct Parser {
    scanner: Scanner,
    state: State,
    states: Vec<State>,
    marks: Vec<Mark>,
    tag_directives: Vec<(Vec<u8>, Vec<u8>)>,
}

fn parser_error(problem: &str, problem_mark: Mark, context_mark: Mark) -> SyntaxError {
    SyntaxError {
        kind: ErrorKind::Parser,
        problem: problem.to_owned(),
        problem_mark,
        context_mark,
    }
}

impl Parser {
    pub(crate) fn new(scanner: Scanner) -> Parser {
        Parser {
            scanner,
            state: State::StreamStart,
            states: Vec::new(),
            marks: Vec::new(),
            tag_directives: Vec::new(),
        }
    }

    fn peek(&mut self) -> Parse<Token> {
        self.scanner.peek().cloned()
    }

    fn skip(&mut self) {
        self.scanner.skip_token();
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    /// The next event; `None` once the stream has ended.
    pub(crate) fn next_event(&mut self) -> Parse<Option<Event>> {
        if self.scanner.stream_end_produced() || self.state == State::End {
            return Ok(None);
        }
        self.state_machine().map(Some)
    }

    fn event(kind: EventKind, start: Mark) -> Event {
        Event { kind, start }
    }

    fn state_machine(&mut self) -> Parse<Event> {
        match self.state {
            State::StreamStart => {
                let token = self.peek()?;
                if token.kind != TokenKind::StreamStart {
                    return Err(parser_error(
                        "did not find expected <stream-start>",
                        token.start,
                        Mark::default(),
                    ));
                }
                self.state = State::ImplicitDocumentStart;
                self.skip();
                Ok(Self::event(EventKind::StreamStart, token.start))
            }
            State::ImplicitDocumentStart => self.document_start(true),
            State::DocumentStart => self.document_start(false),
            State::DocumentContent => {
                let token = self.peek()?;
                if matches!(
                    token.kind,
                    TokenKind::VersionDirective { .. }
                        | TokenKind::TagDirective { .. }
                        | TokenKind::DocumentStart
                        | TokenKind::DocumentEnd
                        | TokenKind::StreamEnd
                ) {
                    self.pop_state();
                    return Ok(empty_scalar(token.start));
                }
                self.node(true, false)
            }
            State::DocumentEnd => {
                let token = self.peek()?;
                if token.kind == TokenKind::DocumentEnd {
                    self.skip();
                }
                self.tag_directives.clear();
                self.state = State::DocumentStart;
                Ok(Self::event(EventKind::DocumentEnd, token.start))
            }
            State::BlockNode => self.node(true, false),
            State::BlockSequenceFirstEntry => self.block_sequence_entry(true),
            State::BlockSequenceEntry => self.block_sequence_entry(false),
            State::IndentlessSequenceEntry => self.indentless_sequence_entry(),
            State::BlockMappingFirstKey => self.block_mapping_key(true),
            State::BlockMappingKey => self.block_mapping_key(false),
            State::BlockMappingValue => self.block_mapping_value(),
            State::FlowSequenceFirstEntry => self.flow_sequence_entry(true),
            State::FlowSequenceEntry => self.flow_sequence_entry(false),
            State::FlowSequenceEntryMappingKey => self.flow_sequence_entry_mapping_key(),
            State::FlowSequenceEntryMappingValue => self.flow_sequence_entry_mapping_value(),
            State::FlowSequenceEntryMappingEnd => {
                let token = self.peek()?;
                self.state = State::FlowSequenceEntry;
                Ok(Self::event(EventKind::MappingEnd, token.start))
            }
            State::FlowMappingFirstKey => self.flow_mapping_key(true),
            State::FlowMappingKey => self.flow_mapping_key(false),
            State::FlowMappingValue => self.flow_mapping_value(false),
            State::FlowMappingEmptyValue => self.flow_mapping_value(true),
            // next_event never runs the machine in the end state.
            State::End => Ok(Self::event(EventKind::StreamEnd, Mark::default())),
        }
    }

    fn document_start(&mut self, implicit: bool) -> Parse<Event> {
        let mut token = self.peek()?;
        if !implicit {
            while token.kind == TokenKind::DocumentEnd {
                self.skip();
                token = self.peek()?;
            }
        }
        let directive_or_start = matches!(
            token.kind,
            TokenKind::VersionDirective { .. }
                | TokenKind::TagDirective { .. }
                | TokenKind::DocumentStart
                | TokenKind::StreamEnd
        );
        if implicit && !directive_or_start {
            self.process_directives()?;
            self.states.push(State::DocumentEnd);
            self.state = State::BlockNode;
            Ok(Self::event(EventKind::DocumentStart, token.start))
        } else if token.kind != TokenKind::StreamEnd {
            let start = token.start;
            self.process_directives()?;
            let token = self.peek()?;
            if token.kind != TokenKind::DocumentStart {
                return Err(parser_error(
                    "did not find expected <document start>",
                    token.start,
                    Mark::default(),
                ));
            }
            self.states.push(State::DocumentEnd);
            self.state = State::DocumentContent;
            self.skip();
            Ok(Self::event(EventKind::DocumentStart, start))
        } else {
            self.state = State::End;
            self.skip();
            Ok(Self::event(EventKind::StreamEnd, token.start))
        }
    }

    fn process_directives(&mut self) -> Parse<()> {
        let mut version_seen = false;
        let mut token = self.peek()?;
        loop {
            match &token.kind {
                TokenKind::VersionDirective { major, minor } => {
                    if version_seen {
                        return Err(parser_error(
                            "found duplicate %YAML directive",
                            token.start,
                            Mark::default(),
                        ));
                    }
                    if *major != 1 || *minor != 1 {
                        return Err(parser_error(
                            "found incompatible YAML document",
                            token.start,
                            Mark::default(),
                        ));
                    }
                    version_seen = true;
                }
                TokenKind::TagDirective { handle, prefix } => {
                    if self.tag_directives.iter().any(|(h, _)| h == handle) {
                        return Err(parser_error(
                            "found duplicate %TAG directive",
                            token.start,
                            Mark::default(),
                        ));
                    }
                    self.tag_directives.push((handle.clone(), prefix.clone()));
                }
                _ => break,
            }
            self.skip();
            token = self.peek()?;
        }
        for (handle, prefix) in [(&b"!"[..], &b"!"[..]), (b"!!", b"tag:yaml.org,2002:")] {
            if !self.tag_directives.iter().any(|(h, _)| h == handle) {
                self.tag_directives.push((handle.to_vec(), prefix.to_vec()));
            }
        }
        Ok(())
    }

    fn node(&mut self, block: bool, indentless_sequence: bool) -> Parse<Event> {
        let mut token = self.peek()?;
        if let TokenKind::Alias(name) = &token.kind {
            self.pop_state();
            let event = Self::event(EventKind::Alias(name.clone()), token.start);
            self.skip();
            return Ok(event);
        }
        let mut start = token.start;
        let mut anchor: Option<String> = None;
        let mut tag_token: Option<(Vec<u8>, Vec<u8>, Mark)> = None;
        if let TokenKind::Anchor(name) = &token.kind {
            anchor = Some(name.clone());
            self.skip();
            token = self.peek()?;
            if let TokenKind::Tag { handle, suffix } = &token.kind {
                tag_token = Some((handle.clone(), suffix.clone(), token.start));
                self.skip();
                token = self.peek()?;
            }
        } else if let TokenKind::Tag { handle, suffix } = &token.kind {
            tag_token = Some((handle.clone(), suffix.clone(), token.start));
            start = token.start;
            self.skip();
            token = self.peek()?;
            if let TokenKind::Anchor(name) = &token.kind {
                anchor = Some(name.clone());
                self.skip();
                token = self.peek()?;
            }
        }
        let mut tag = Vec::new();
        if let Some((handle, suffix, tag_mark)) = tag_token {
            if handle.is_empty() {
                tag = suffix;
            } else {
                match self.tag_directives.iter().find(|(h, _)| *h == handle) {
                    Some((_, prefix)) => {
                        tag = prefix.clone();
                        tag.extend_from_slice(&suffix);
                    }
                    None => {
                        return Err(parser_error("found undefined tag handle", tag_mark, start));
                    }
                }
            }
        }
        if indentless_sequence && token.kind == TokenKind::BlockEntry {
            self.state = State::IndentlessSequenceEntry;
            return Ok(Self::event(EventKind::SequenceStart { anchor }, start));
        }
        match &token.kind {
            TokenKind::Scalar { value, style } => {
                let implicit = (tag.is_empty() && *style == ScalarStyle::Plain) || tag == b"!";
                self.pop_state();
                let event = Self::event(
                    EventKind::Scalar {
                        anchor,
                        tag,
                        value: value.clone(),
                        implicit,
                    },
                    start,
                );
                self.skip();
                return Ok(event);
            }
            TokenKind::FlowSequenceStart => {
                self.state = State::FlowSequenceFirstEntry;
                return Ok(Self::event(EventKind::SequenceStart { anchor }, start));
            }
            TokenKind::FlowMappingStart => {
                self.state = State::FlowMappingFirstKey;
                return Ok(Self::event(EventKind::MappingStart { anchor }, start));
            }
            TokenKind::BlockSequenceStart if block => {
                self.state = State::BlockSequenceFirstEntry;
                return Ok(Self::event(EventKind::SequenceStart { anchor }, start));
            }
            TokenKind::BlockMappingStart if block => {
                self.state = State::BlockMappingFirstKey;
                return Ok(Self::event(EventKind::MappingStart { anchor }, start));
            }
            _ => {}
        }
        if anchor.is_some() || !tag.is_empty() {
            self.pop_state();
            let implicit = tag.is_empty();
            return Ok(Self::event(
                EventKind::Scalar {
                    anchor,
                    tag,
                    value: String::new(),
                    implicit,
                },
                start,
            ));
        }
        Err(parser_error(
            "did not find expected node content",
            token.start,
            start,
        ))
    }

    fn block_sequence_entry(&mut self, first: bool) -> Parse<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start);
            self.skip();
        }
        let token = self.peek()?;
        if token.kind == TokenKind::BlockEntry {
            let mark = token.end;
            self.skip();
            let token = self.peek()?;
            if token.kind != TokenKind::BlockEntry && token.kind != TokenKind::BlockEnd {
                self.states.push(State::BlockSequenceEntry);
                return self.node(true, false);
            }
            self.state = State::BlockSequenceEntry;
            return Ok(empty_scalar(mark));
        }
        if token.kind == TokenKind::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.skip();
            return Ok(Self::event(EventKind::SequenceEnd, token.start));
        }
        let context = self.marks.pop().unwrap_or_default();
        Err(parser_error(
            "did not find expected '-' indicator",
            token.start,
            context,
        ))
    }

    fn indentless_sequence_entry(&mut self) -> Parse<Event> {
        let token = self.peek()?;
        if token.kind == TokenKind::BlockEntry {
            let mark = token.end;
            self.skip();
            let token = self.peek()?;
            if !matches!(
                token.kind,
                TokenKind::BlockEntry | TokenKind::Key | TokenKind::Value | TokenKind::BlockEnd
            ) {
                self.states.push(State::IndentlessSequenceEntry);
                return self.node(true, false);
            }
            self.state = State::IndentlessSequenceEntry;
            return Ok(empty_scalar(mark));
        }
        self.pop_state();
        Ok(Self::event(EventKind::SequenceEnd, token.start))
    }

    fn block_mapping_key(&mut self, first: bool) -> Parse<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start);
            self.skip();
        }
        let token = self.peek()?;
        if token.kind == TokenKind::Key {
            let mark = token.end;
            self.skip();
            let token = self.peek()?;
            if !matches!(
                token.kind,
                TokenKind::Key | TokenKind::Value | TokenKind::BlockEnd
            ) {
                self.states.push(State::BlockMappingValue);
                return self.node(true, true);
            }
            self.state = State::BlockMappingValue;
            return Ok(empty_scalar(mark));
        }
        if token.kind == TokenKind::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.skip();
            return Ok(Self::event(EventKind::MappingEnd, token.start));
        }
        let context = self.marks.pop().unwrap_or_default();
        Err(parser_error(
            "did not find expected key",
            token.start,
            context,
        ))
    }

    fn block_mapping_value(&mut self) -> Parse<Event> {
        let token = self.peek()?;
        if token.kind == TokenKind::Value {
            let mark = token.end;
            self.skip();
            let token = self.peek()?;
            if !matches!(
                token.kind,
                TokenKind::Key | TokenKind::Value | TokenKind::BlockEnd
            ) {
                self.states.push(State::BlockMappingKey);
                return self.node(true, true);
            }
            self.state = State::BlockMappingKey;
            return Ok(empty_scalar(mark));
        }
        self.state = State::BlockMappingKey;
        Ok(empty_scalar(token.start))
    }

    fn flow_sequence_entry(&mut self, first: bool) -> Parse<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start);
            self.skip();
        }
        let mut token = self.peek()?;
        if token.kind != TokenKind::FlowSequenceEnd {
            if !first {
                if token.kind == TokenKind::FlowEntry {
                    self.skip();
                    token = self.peek()?;
                } else {
                    let context = self.marks.pop().unwrap_or_default();
                    return Err(parser_error(
                        "did not find expected ',' or ']'",
                        token.start,
                        context,
                    ));
                }
            }
            if token.kind == TokenKind::Key {
                self.state = State::FlowSequenceEntryMappingKey;
                self.skip();
                return Ok(Self::event(
                    EventKind::MappingStart { anchor: None },
                    token.start,
                ));
            }
            if token.kind != TokenKind::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntry);
                return self.node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip();
        Ok(Self::event(EventKind::SequenceEnd, token.start))
    }

    fn flow_sequence_entry_mapping_key(&mut self) -> Parse<Event> {
        let token = self.peek()?;
        if !matches!(
            token.kind,
            TokenKind::Value | TokenKind::FlowEntry | TokenKind::FlowSequenceEnd
        ) {
            self.states.push(State::FlowSequenceEntryMappingValue);
            return self.node(false, false);
        }
        let mark = token.end;
        self.skip();
        self.state = State::FlowSequenceEntryMappingValue;
        Ok(empty_scalar(mark))
    }

    fn flow_sequence_entry_mapping_value(&mut self) -> Parse<Event> {
        let mut token = self.peek()?;
        if token.kind == TokenKind::Value {
            self.skip();
            token = self.peek()?;
            if token.kind != TokenKind::FlowEntry && token.kind != TokenKind::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntryMappingEnd);
                return self.node(false, false);
            }
        }
        self.state = State::FlowSequenceEntryMappingEnd;
        Ok(empty_scalar(token.start))
    }

    fn flow_mapping_key(&mut self, first: bool) -> Parse<Event> {
        if first {
            let token = self.peek()?;
            self.marks.push(token.start);
            self.skip();
        }
        let mut token = self.peek()?;
        if token.kind != TokenKind::FlowMappingEnd {
            if !first {
                if token.kind == TokenKind::FlowEntry {
                    self.skip();
                    token = self.peek()?;
                } else {
                    let context = self.marks.pop().unwrap_or_default();
                    return Err(parser_error(
                        "did not find expected ',' or '}'",
                        token.start,
                        context,
                    ));
                }
            }
            if token.kind == TokenKind::Key {
                self.skip();
                token = self.peek()?;
                if !matches!(
                    token.kind,
                    TokenKind::Value | TokenKind::FlowEntry | TokenKind::FlowMappingEnd
                ) {
                    self.states.push(State::FlowMappingValue);
                    return self.node(false, false);
                }
                self.state = State::FlowMappingValue;
                return Ok(empty_scalar(token.start));
            }
            if token.kind != TokenKind::FlowMappingEnd {
                self.states.push(State::FlowMappingEmptyValue);
                return self.node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip();
        Ok(Self::event(EventKind::MappingEnd, token.start))
    }

    fn flow_mapping_value(&mut self, empty: bool) -> Parse<Event> {
        let mut token = self.peek()?;
        if empty {
            self.state = State::FlowMappingKey;
            return Ok(empty_scalar(token.start));
        }
        if token.kind == TokenKind::Value {
            self.skip();
            token = self.peek()?;
            if token.kind != TokenKind::FlowEntry && token.kind != TokenKind::FlowMappingEnd {
                self.states.push(State::FlowMappingKey);
                return self.node(false, false);
            }
        }
        self.state = State::FlowMappingKey;
        Ok(empty_scalar(token.start))
    }
}

fn empty_scalar(mark: Mark) -> Event {
    Event {
        kind: EventKind::Scalar {
            anchor: None,
            tag: Vec::new(),
            value: String::new(),
            implicit: true,
        },
        start: mark,
    }
}

// ---- the composer ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Scalar {
        tag: String,
        value: String,
        implicit: bool,
    },
    Sequence(Vec<usize>),
    Mapping(Vec<usize>),
    /// The anchor's name and the node it stands for.
    Alias(String, usize),
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    /// 0-based, as go-yaml keeps it (its messages add one).
    pub(crate) line: usize,
}

/// The first document's nodes; `root` is `None` for an empty stream.
#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: Option<usize>,
}

/// Why the stream cannot become a document: a syntax error, or go-yaml's own composer failure.
#[derive(Debug)]
pub(crate) enum ComposeError {
    Syntax(SyntaxError),
    /// `failf` texts of go-yaml's composer (without the `yaml: ` prefix).
    Go(String),
}

impl From<SyntaxError> for ComposeError {
    fn from(err: SyntaxError) -> Self {
        ComposeError::Syntax(err)
    }
}

impl Parser {
    fn expect_next(&mut self) -> Result<Event, ComposeError> {
        match self.next_event()? {
            Some(event) => Ok(event),
            None => Err(ComposeError::Go(
                "attempted to go past the end of stream; corrupted value?".to_owned(),
            )),
        }
    }
}

/// `yaml.Unmarshal`'s `p.parse()`: the node tree of the first document.
pub(crate) fn compose(parser: &mut Parser) -> Result<Document, ComposeError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut anchors: HashMap<String, usize> = HashMap::new();
    let first = parser.expect_next()?;
    if !matches!(first.kind, EventKind::StreamStart) {
        return Err(ComposeError::Go("expected STREAM-START event".to_owned()));
    }
    let event = parser.expect_next()?;
    match event.kind {
        EventKind::StreamEnd => return Ok(Document { nodes, root: None }),
        EventKind::DocumentStart => {}
        _ => {
            return Err(ComposeError::Go("expected DOCUMENT-START event".to_owned()));
        }
    }
    // Open collections: the node index of each.
    let mut open: Vec<usize> = Vec::new();
    let mut root = None;
    loop {
        let event = parser.expect_next()?;
        let line = event.start.line;
        let is_sequence = matches!(event.kind, EventKind::SequenceStart { .. });
        let new_node = match event.kind {
            EventKind::SequenceEnd | EventKind::MappingEnd => {
                open.pop();
                if open.is_empty() {
                    break;
                }
                continue;
            }
            EventKind::Scalar {
                anchor,
                tag,
                value,
                implicit,
            } => {
                let index = nodes.len();
                nodes.push(Node {
                    kind: NodeKind::Scalar {
                        tag: String::from_utf8_lossy(&tag).into_owned(),
                        value,
                        implicit,
                    },
                    line,
                });
                if let Some(anchor) = anchor {
                    anchors.insert(anchor, index);
                }
                index
            }
            EventKind::Alias(name) => {
                let Some(&target) = anchors.get(&name) else {
                    return Err(ComposeError::Go(format!(
                        "unknown anchor '{name}' referenced"
                    )));
                };
                nodes.push(Node {
                    kind: NodeKind::Alias(name, target),
                    line,
                });
                nodes.len() - 1
            }
            EventKind::SequenceStart { anchor } | EventKind::MappingStart { anchor } => {
                let index = nodes.len();
                let kind = if is_sequence {
                    NodeKind::Sequence(Vec::new())
                } else {
                    NodeKind::Mapping(Vec::new())
                };
                nodes.push(Node { kind, line });
                // The anchor is known before the children, so an alias inside refers to its parent.
                if let Some(anchor) = anchor {
                    anchors.insert(anchor, index);
                }
                attach(&mut nodes, &open, index);
                if open.is_empty() {
                    root = Some(index);
                }
                open.push(index);
                continue;
            }
            other => {
                return Err(ComposeError::Go(format!(
                    "attempted to parse unknown event: {other:?}"
                )));
            }
        };
        attach(&mut nodes, &open, new_node);
        if open.is_empty() {
            root = Some(new_node);
            break;
        }
    }
    // The document must end here; what follows (a second document) is never read.
    let end = parser.expect_next()?;
    if !matches!(end.kind, EventKind::DocumentEnd) {
        return Err(ComposeError::Go("expected DOCUMENT-END event".to_owned()));
    }
    Ok(Document { nodes, root })
}

fn attach(nodes: &mut [Node], open: &[usize], child: usize) {
    if let Some(&parent) = open.last()
        && let NodeKind::Sequence(children) | NodeKind::Mapping(children) = &mut nodes[parent].kind
    {
        children.push(child);
    }
}
