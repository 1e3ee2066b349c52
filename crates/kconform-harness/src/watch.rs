//! The watch-stream reader: newline-delimited JSON events from a chunked response, or Kubernetes
//! protobuf frames (a 4-byte big-endian length, then a `WatchEvent`) when the server answered
//! `application/vnd.kubernetes.protobuf;stream=watch`, with bounded waits.
//!
//! Every wait is bounded twice: by a per-event timeout (how long to wait for the next event) and by
//! an overall cap (how long the whole watch may take).
//! The reader reports who ended the stream ([`StreamEnd`]), turns a line that is not a watch event
//! into [`WatchItem::Malformed`] instead of failing, and refuses lines longer than a limit, so a
//! hostile or broken server can neither hang nor exhaust the harness.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use serde_json::Value;

use crate::client::{
    BodyStream, EVIDENCE_BODY_LIMIT, PROTOBUF, StreamResponse, hex_snippet, snippet,
};
use crate::model::Exchange;

/// Bounds for reading one watch stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchLimits {
    /// Longest wait for the next event.
    pub per_event: Duration,
    /// Longest time the whole stream is read, from [`WatchReader::new`].
    pub overall: Duration,
    /// Longest accepted line (or protobuf frame), in bytes (excluding the newline or length).
    pub max_line: usize,
}

impl Default for WatchLimits {
    fn default() -> Self {
        WatchLimits {
            per_event: Duration::from_secs(5),
            overall: Duration::from_secs(15),
            max_line: 8 * 1024 * 1024,
        }
    }
}

/// One decoded watch event.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR` (as sent; not validated here).
    pub kind: String,
    /// The `object` member.
    pub object: Value,
    /// Arrival time, from the start of reading.
    pub at: Duration,
}

impl WatchEvent {
    /// `object.metadata.resourceVersion`, if present.
    pub fn resource_version(&self) -> Option<&str> {
        self.object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
    }

    /// `object.metadata.name`, if present.
    pub fn name(&self) -> Option<&str> {
        self.object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
    }
}

/// Why a stream stopped delivering events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The server ended the response cleanly.
    Server,
    /// The connection failed mid-stream (reset, protocol error).
    Broken(String),
    /// No event arrived within the per-event timeout; the client stopped waiting
    /// (only reported by [`WatchReader::read_until`] and [`WatchReader::drain`]).
    IdleTimeout,
    /// The overall cap was reached; the client stopped reading.
    Cap,
    /// A line exceeded [`WatchLimits::max_line`]; the client stopped reading.
    LineTooLong(usize),
}

impl StreamEnd {
    /// Whether the server (rather than the client) ended the stream.
    pub fn by_server(&self) -> bool {
        matches!(self, StreamEnd::Server | StreamEnd::Broken(_))
    }
}

impl std::fmt::Display for StreamEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamEnd::Server => f.write_str("the server ended the stream"),
            StreamEnd::Broken(e) => write!(f, "the connection broke: {e}"),
            StreamEnd::IdleTimeout => f.write_str("no event within the per-event timeout"),
            StreamEnd::Cap => f.write_str("the overall cap was reached"),
            StreamEnd::LineTooLong(n) => write!(f, "a line exceeded {n} bytes"),
        }
    }
}

/// What reading the next line produced.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchItem {
    /// A well-formed event.
    Event(WatchEvent),
    /// A line that is not a watch event (bad JSON, no `type`, no `object`).
    Malformed {
        /// The line (truncated).
        line: String,
        /// What is wrong with it.
        error: String,
    },
    /// Nothing arrived within the wait; the stream is still open and can be read again.
    Idle,
    /// The stream ended; every later call returns the same end.
    End(StreamEnd),
}

/// Everything read from a stream until it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Drained {
    /// Events in arrival order.
    pub events: Vec<WatchEvent>,
    /// Malformed lines with their errors.
    pub malformed: Vec<(String, String)>,
    /// How it ended.
    pub end: StreamEnd,
}

/// How the events of a stream are delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One JSON `{"type":…,"object":…}` per line.
    JsonLines,
    /// Kubernetes protobuf frames: a 4-byte big-endian length, then a bare `WatchEvent` whose
    /// object is a whole `k8s\0` envelope.
    Protobuf,
}

/// Reads events from a watch response body.
pub struct WatchReader {
    body: BodyStream,
    framing: Framing,
    buf: BytesMut,
    limits: WatchLimits,
    started: Instant,
    end: Option<StreamEnd>,
    transcript: String,
    exchange: Option<Exchange>,
}

impl std::fmt::Debug for WatchReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchReader")
            .field("limits", &self.limits)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

impl WatchReader {
    /// A reader over a body stream.
    pub fn new(body: BodyStream, limits: WatchLimits) -> WatchReader {
        WatchReader {
            body,
            framing: Framing::JsonLines,
            buf: BytesMut::new(),
            limits,
            started: Instant::now(),
            end: None,
            transcript: String::new(),
            exchange: None,
        }
    }

    /// A reader over a body stream with the given framing.
    pub fn with_framing(body: BodyStream, framing: Framing, limits: WatchLimits) -> WatchReader {
        let mut r = WatchReader::new(body, limits);
        r.framing = framing;
        r
    }

    /// A reader over a streamed response, framed as its Content-Type says; its exchange becomes
    /// the reader's evidence.
    pub fn from_response(resp: StreamResponse, limits: WatchLimits) -> WatchReader {
        let protobuf = resp.header("content-type").is_some_and(|t| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case(PROTOBUF)
        });
        let framing = if protobuf {
            Framing::Protobuf
        } else {
            Framing::JsonLines
        };
        let mut r = WatchReader::with_framing(resp.body, framing, limits);
        r.exchange = Some(resp.exchange);
        r
    }

    /// How this stream's events are delimited.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Time since the reader was created.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// How the stream ended, if it has.
    pub fn ended(&self) -> Option<&StreamEnd> {
        self.end.as_ref()
    }

    /// The request and the lines read so far (bounded), as evidence.
    pub fn exchange(&self) -> Option<Exchange> {
        let mut ex = self.exchange.clone()?;
        if let Some(r) = ex.response.as_mut() {
            r.body = self.transcript.clone();
            if let Some(end) = &self.end {
                r.body.push_str(&format!("[{end}]"));
            }
        }
        Some(ex)
    }

    fn note(&mut self, line: &[u8]) {
        if self.transcript.len() < EVIDENCE_BODY_LIMIT {
            let room = EVIDENCE_BODY_LIMIT - self.transcript.len();
            self.transcript.push_str(&snippet(line, room));
            self.transcript.push('\n');
        }
    }

    /// Reads the next item, waiting at most the per-event timeout (and never past the overall cap).
    pub async fn next(&mut self) -> WatchItem {
        self.next_within(self.limits.per_event).await
    }

    /// Reads the next item, waiting at most `wait` (and never past the overall cap).
    pub async fn next_within(&mut self, wait: Duration) -> WatchItem {
        if let Some(end) = &self.end {
            return WatchItem::End(end.clone());
        }
        let remaining = self.limits.overall.saturating_sub(self.started.elapsed());
        let cap = wait >= remaining;
        let wait = wait.min(remaining);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if self.framing == Framing::Protobuf {
                match self.protobuf_frame() {
                    Ok(Some(item)) => return item,
                    Ok(None) => {}
                    Err(end) => return self.finish(end),
                }
            } else if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line = self.buf.split_to(pos + 1).freeze();
                let line = &line[..pos];
                let trimmed = trim_ascii(line);
                if trimmed.is_empty() {
                    continue;
                }
                self.note(trimmed);
                return parse_line(trimmed, self.started.elapsed());
            }
            if self.framing == Framing::JsonLines && self.buf.len() > self.limits.max_line {
                return self.finish(StreamEnd::LineTooLong(self.limits.max_line));
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) if cap => return self.finish(StreamEnd::Cap),
                Err(_) => return WatchItem::Idle,
                Ok(None) if self.framing == Framing::Protobuf => {
                    self.end = Some(StreamEnd::Server);
                    let rest = self.buf.split().freeze();
                    if !rest.is_empty() {
                        let line = format!("[{} bytes of an incomplete frame]", rest.len());
                        self.note(line.as_bytes());
                        return WatchItem::Malformed {
                            line: hex_snippet(&rest, 64),
                            error: format!(
                                "the stream ended inside a protobuf frame ({} bytes)",
                                rest.len()
                            ),
                        };
                    }
                    return WatchItem::End(StreamEnd::Server);
                }
                Ok(None) => {
                    // A final line without a newline still counts as an event.
                    let rest = self.buf.split().freeze();
                    let trimmed = trim_ascii(&rest);
                    self.end = Some(StreamEnd::Server);
                    if !trimmed.is_empty() {
                        self.note(trimmed);
                        return parse_line(trimmed, self.started.elapsed());
                    }
                    return WatchItem::End(StreamEnd::Server);
                }
                Ok(Some(Err(e))) => return self.finish(StreamEnd::Broken(e.to_string())),
                Ok(Some(Ok(chunk))) => self.push(chunk),
            }
        }
    }

    /// The next whole protobuf frame as an item, `Ok(None)` until more bytes arrive, or the end
    /// when the announced length exceeds the limit (nothing of it is buffered beyond the limit).
    fn protobuf_frame(&mut self) -> Result<Option<WatchItem>, StreamEnd> {
        let Some(prefix) = self.buf.first_chunk::<4>() else {
            return Ok(None);
        };
        let length = u32::from_be_bytes(*prefix);
        let length = usize::try_from(length)
            .ok()
            .filter(|n| *n <= self.limits.max_line)
            .ok_or(StreamEnd::LineTooLong(self.limits.max_line))?;
        if self.buf.len() < 4 + length {
            return Ok(None);
        }
        let _ = self.buf.split_to(4);
        let frame = self.buf.split_to(length).freeze();
        let at = self.started.elapsed();
        Ok(Some(
            match kconform_spec::protobuf::decode_watch_event(&frame) {
                Ok((kind, object)) => {
                    let line = format!("{kind} {object}");
                    self.note(line.as_bytes());
                    WatchItem::Event(WatchEvent { kind, object, at })
                }
                Err(e) => {
                    let line = hex_snippet(&frame, 64);
                    self.note(line.as_bytes());
                    WatchItem::Malformed {
                        line,
                        error: format!("not a protobuf WatchEvent: {e}"),
                    }
                }
            },
        ))
    }

    fn push(&mut self, chunk: Bytes) {
        self.buf.extend_from_slice(&chunk);
    }

    fn finish(&mut self, end: StreamEnd) -> WatchItem {
        self.end = Some(end.clone());
        WatchItem::End(end)
    }

    /// Reads events until `done` returns true for the events so far, or the stream ends.
    ///
    /// Malformed lines are collected too; returns the end if the stream ended first.
    pub async fn read_until(
        &mut self,
        mut done: impl FnMut(&[WatchEvent]) -> bool,
    ) -> (Vec<WatchEvent>, Vec<(String, String)>, Option<StreamEnd>) {
        let mut events = Vec::new();
        let mut malformed = Vec::new();
        if done(&events) {
            return (events, malformed, None);
        }
        loop {
            match self.next().await {
                WatchItem::Event(e) => {
                    events.push(e);
                    if done(&events) {
                        return (events, malformed, None);
                    }
                }
                WatchItem::Malformed { line, error } => malformed.push((line, error)),
                WatchItem::Idle => return (events, malformed, Some(StreamEnd::IdleTimeout)),
                WatchItem::End(end) => return (events, malformed, Some(end)),
            }
        }
    }

    /// Reads until the stream ends (by the server, a timeout or the cap).
    pub async fn drain(&mut self) -> Drained {
        let (events, malformed, end) = self.read_until(|_| false).await;
        Drained {
            events,
            malformed,
            end: end.unwrap_or(StreamEnd::Cap),
        }
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

fn parse_line(line: &[u8], at: Duration) -> WatchItem {
    let malformed = |error: String| WatchItem::Malformed {
        line: snippet(line, 1024),
        error,
    };
    let value: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => return malformed(format!("not JSON: {e}")),
    };
    let Value::Object(mut map) = value else {
        return malformed("not a JSON object".to_owned());
    };
    let kind = match map.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return malformed("\"type\" is not a string".to_owned()),
        None => return malformed("no \"type\" member".to_owned()),
    };
    let Some(object) = map.remove("object") else {
        return malformed("no \"object\" member".to_owned());
    };
    WatchItem::Event(WatchEvent { kind, object, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: Vec<&'static [u8]>) -> BodyStream {
        Box::pin(futures::stream::iter(
            chunks.into_iter().map(|c| Ok(Bytes::from_static(c))),
        ))
    }

    #[tokio::test]
    async fn events_split_across_chunks_are_joined() {
        let mut r = WatchReader::new(
            body(vec![
                b"{\"type\":\"ADD",
                b"ED\",\"object\":{\"metadata\":{\"resourceVersion\":\"5\"}}}\n{\"type\"",
                b":\"DELETED\",\"object\":{}}",
            ]),
            WatchLimits::default(),
        );
        let d = r.drain().await;
        assert_eq!(d.end, StreamEnd::Server);
        let kinds: Vec<_> = d.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["ADDED", "DELETED"]);
        assert_eq!(d.events[0].resource_version(), Some("5"));
    }

    #[tokio::test]
    async fn malformed_lines_are_reported_not_fatal() {
        let mut r = WatchReader::new(
            body(vec![
                b"nope\n[1]\n{\"object\":{}}\n{\"type\":\"ADDED\",\"object\":{}}\n",
            ]),
            WatchLimits::default(),
        );
        let d = r.drain().await;
        assert_eq!(d.malformed.len(), 3);
        assert_eq!(d.events.len(), 1);
    }

    #[tokio::test]
    async fn huge_line_stops_the_reader() {
        let limits = WatchLimits {
            max_line: 10,
            ..WatchLimits::default()
        };
        let mut r = WatchReader::new(body(vec![b"{\"type\":\"ADDED\",\"object\":{}"]), limits);
        assert_eq!(r.next().await, WatchItem::End(StreamEnd::LineTooLong(10)));
        assert_eq!(r.next().await, WatchItem::End(StreamEnd::LineTooLong(10)));
    }

    #[tokio::test]
    async fn protobuf_frames_split_across_chunks_are_joined() {
        let object = serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "code": 410, "reason": "Expired"});
        let mut bytes = kconform_spec::protobuf::encode_watch_frame("ERROR", &object).unwrap();
        bytes.extend(kconform_spec::protobuf::encode_watch_frame("ERROR", &object).unwrap());
        bytes.extend([0, 0, 0, 9, 1]);
        let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
            .chunks(7)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut r = WatchReader::with_framing(
            Box::pin(futures::stream::iter(chunks)),
            Framing::Protobuf,
            WatchLimits::default(),
        );
        let d = r.drain().await;
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.events[1].kind, "ERROR");
        assert_eq!(d.events[1].object["code"], 410);
        assert_eq!(d.malformed.len(), 1, "{:?}", d.malformed);
        assert!(d.malformed[0].1.contains("ended inside a protobuf frame"));
        assert_eq!(d.end, StreamEnd::Server);
    }

    #[tokio::test]
    async fn an_oversized_protobuf_frame_stops_the_reader() {
        let limits = WatchLimits {
            max_line: 10,
            ..WatchLimits::default()
        };
        let mut r = WatchReader::with_framing(
            body(vec![&[0xff, 0xff, 0xff, 0xff, 0]]),
            Framing::Protobuf,
            limits,
        );
        assert_eq!(r.next().await, WatchItem::End(StreamEnd::LineTooLong(10)));
    }

    #[tokio::test]
    async fn silent_stream_times_out() {
        let limits = WatchLimits {
            per_event: Duration::from_millis(50),
            overall: Duration::from_millis(500),
            ..WatchLimits::default()
        };
        let mut r = WatchReader::new(Box::pin(futures::stream::pending()), limits);
        assert_eq!(r.next().await, WatchItem::Idle);
        assert_eq!(r.drain().await.end, StreamEnd::IdleTimeout);
    }
}
