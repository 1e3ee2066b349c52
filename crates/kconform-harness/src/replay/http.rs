//! The only code of the replayer that talks to the target: plain requests and watch streams, each
//! bounded by a timeout, recorded the way `k8s-transcript` records them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kconform_spec::protobuf;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};
use tokio::task::JoinHandle;

/// Every plain request; the slowest expected answer (a future resourceVersion) takes about 3 s.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// After the expected events of a watch arrived, wait this long for unexpected ones.
pub(crate) const WATCH_QUIET: Duration = Duration::from_millis(600);
/// The bearer token of the `bad-token` credentials.
pub(crate) const BAD_TOKEN: &str = "k8s-transcript-not-a-valid-token";

/// Failures talking to the target.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request could not be sent or its answer not read in time.
    #[error("{method} {path}: request failed")]
    Send {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be built (a header value that is not valid HTTP, for instance).
    #[error("{method} {path}: cannot build the request: {reason}")]
    Build {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
}

/// A request ready to send: everything already substituted.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) token: Option<String>,
    pub(crate) body: Option<Vec<u8>>,
    /// The default field manager derives from the user agent, so it is the recording tool's
    /// ([`super::Rules::user_agent`]).
    pub(crate) user_agent: &'static str,
}

/// A complete plain answer.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// Percent-encodes a query component like Python's `urllib.parse.quote(s, safe="")`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn url(base: &str, request: &Outgoing) -> String {
    let mut url = format!("{base}{}", request.path);
    if !request.query.is_empty() {
        url.push('?');
        let pairs: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", quote(k), quote(v)))
            .collect();
        url.push_str(&pairs.join("&"));
    }
    url
}

fn build(
    client: &reqwest::Client,
    base: &str,
    request: &Outgoing,
    timeout: Duration,
) -> Result<reqwest::RequestBuilder, HttpError> {
    let fail = |reason: String| HttpError::Build {
        method: request.method.clone(),
        path: request.path.clone(),
        reason,
    };
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| fail(e.to_string()))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::USER_AGENT,
        HeaderValue::from_static(request.user_agent),
    );
    for (name, value) in &request.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| fail(e.to_string()))?;
        let value = HeaderValue::from_str(value).map_err(|e| fail(e.to_string()))?;
        headers.insert(name, value);
    }
    if let Some(token) = &request.token {
        let value =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| fail(e.to_string()))?;
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let mut builder = client
        .request(method, url(base, request))
        .headers(headers)
        .timeout(timeout);
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    Ok(builder)
}

/// Sends one plain request and reads the whole answer, within [`REQUEST_TIMEOUT`].
pub(crate) async fn send(
    client: &reqwest::Client,
    base: &str,
    request: &Outgoing,
) -> Result<Answer, HttpError> {
    let fail = |source| HttpError::Send {
        method: request.method.clone(),
        path: request.path.clone(),
        source,
    };
    let response = build(client, base, request, REQUEST_TIMEOUT)?
        .send()
        .await
        .map_err(fail)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(fail)?.to_vec();
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Whether a Content-Type names Kubernetes protobuf (`application/vnd.kubernetes.protobuf`, with
/// or without parameters such as `;stream=watch`).
pub(crate) fn is_protobuf(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case(protobuf::MEDIA_TYPE)
    })
}

/// How a watch stream's events are delimited, as its answer's Content-Type says (as client-go
/// reads it: a server that answers JSON to a protobuf Accept is read as JSON, and the difference
/// shows in the Content-Type and the events).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// One JSON event per line.
    JsonLines,
    /// A 4-byte big-endian length, then a bare protobuf `WatchEvent`.
    Protobuf,
}

/// One unit a watch reader collected: a line or a frame's bytes, or bytes that are not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A non-empty line (JSON framing) or a whole frame's event bytes (protobuf framing).
    Unit(Vec<u8>),
    /// Protobuf bytes that do not form a frame: a cut-off one at the end of the stream, or
    /// everything from a length prefix over the frame limit on (the reader stops there).
    Broken(Vec<u8>),
}

/// What a watch reader saw so far.
#[derive(Debug, Default)]
pub(crate) struct WatchState {
    /// Lines or frames with their arrival offset from the request.
    pub(crate) lines: Vec<(Duration, Piece)>,
    /// `server` or `error: ...`, and when, once the stream ended on its own.
    pub(crate) ended: Option<(String, Duration)>,
}

/// An open watch: its answer head, and a reader collecting lines in the background.
#[derive(Debug)]
pub(crate) struct WatchStream {
    pub(crate) started: Instant,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    /// The whole body, for a non-200 answer (no reader then).
    pub(crate) body: Vec<u8>,
    pub(crate) state: Arc<Mutex<WatchState>>,
    /// How the reader splits the stream.
    pub(crate) framing: Framing,
    reader: Option<JoinHandle<()>>,
}

fn lock(state: &Mutex<WatchState>) -> std::sync::MutexGuard<'_, WatchState> {
    // The reader never panics while holding the lock; if it did, what it collected is still valid.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Opens a watch and returns once the answer head arrived (the watch is registered by then).
/// The stream is bounded by `cap` plus [`REQUEST_TIMEOUT`] even if nobody stops it.
pub(crate) async fn watch(
    client: &reqwest::Client,
    base: &str,
    request: &Outgoing,
    cap: Duration,
) -> Result<WatchStream, HttpError> {
    let fail = |source| HttpError::Send {
        method: request.method.clone(),
        path: request.path.clone(),
        source,
    };
    let started = Instant::now();
    let mut response = build(client, base, request, cap + REQUEST_TIMEOUT)?
        .send()
        .await
        .map_err(fail)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let framing = if is_protobuf(
        headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    ) {
        Framing::Protobuf
    } else {
        Framing::JsonLines
    };
    let state = Arc::new(Mutex::new(WatchState::default()));
    if status != 200 {
        let body = response.bytes().await.map_err(fail)?.to_vec();
        lock(&state).ended = Some(("server".to_owned(), started.elapsed()));
        return Ok(WatchStream {
            started,
            status,
            headers,
            body,
            state,
            framing,
            reader: None,
        });
    }
    let shared = state.clone();
    let reader = tokio::spawn(async move {
        let mut splitter = Splitter::new(framing);
        let ended = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let pieces = splitter.push(&chunk);
                    if !pieces.is_empty() {
                        let at = started.elapsed();
                        lock(&shared)
                            .lines
                            .extend(pieces.into_iter().map(|piece| (at, piece)));
                    }
                    if splitter.stopped {
                        // A length over the frame limit: the rest cannot be delimited.
                        break "error: a protobuf frame length over the limit".to_owned();
                    }
                }
                Ok(None) => break "server".to_owned(),
                Err(err) => break format!("error: {err}"),
            }
        };
        let mut state = lock(&shared);
        if let Some(rest) = splitter.finish() {
            state.lines.push((started.elapsed(), rest));
        }
        state.ended = Some((ended, started.elapsed()));
    });
    Ok(WatchStream {
        started,
        status,
        headers,
        body: Vec::new(),
        state,
        framing,
        reader: Some(reader),
    })
}

/// Splits a watch body into lines or frames as its bytes arrive.
struct Splitter {
    framing: Framing,
    buffer: Vec<u8>,
    /// A frame length over the limit was read: nothing after it can be delimited.
    stopped: bool,
}

impl Splitter {
    fn new(framing: Framing) -> Splitter {
        Splitter {
            framing,
            buffer: Vec::new(),
            stopped: false,
        }
    }

    /// The whole pieces `chunk` completes.
    fn push(&mut self, chunk: &[u8]) -> Vec<Piece> {
        let mut out = Vec::new();
        if self.stopped {
            return out;
        }
        match self.framing {
            Framing::JsonLines => {
                self.buffer.extend_from_slice(chunk);
                while let Some(newline) = self.buffer.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = self.buffer.drain(..=newline).collect();
                    let line = &line[..line.len() - 1];
                    if !line.trim_ascii().is_empty() {
                        out.push(Piece::Unit(line.to_vec()));
                    }
                }
            }
            Framing::Protobuf => {
                // The framing of `protobuf::FrameReader`, kept here so that the bytes of a frame
                // that cannot be read stay available as evidence.
                self.buffer.extend_from_slice(chunk);
                while let Some(prefix) = self.buffer.first_chunk::<4>() {
                    let length = usize::try_from(u32::from_be_bytes(*prefix)).unwrap_or(usize::MAX);
                    if length > protobuf::MAX_FRAME {
                        out.push(Piece::Broken(std::mem::take(&mut self.buffer)));
                        self.stopped = true;
                        break;
                    }
                    if self.buffer.len() < 4 + length {
                        break;
                    }
                    let frame = self.buffer[4..4 + length].to_vec();
                    self.buffer.drain(..4 + length);
                    out.push(Piece::Unit(frame));
                }
            }
        }
        out
    }

    /// What is left when the stream ends: a last line without a newline, or a cut-off frame.
    fn finish(self) -> Option<Piece> {
        match self.framing {
            Framing::JsonLines => {
                (!self.buffer.trim_ascii().is_empty()).then_some(Piece::Unit(self.buffer))
            }
            Framing::Protobuf => (!self.buffer.is_empty()).then_some(Piece::Broken(self.buffer)),
        }
    }
}

/// How long to keep a watch open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WatchUntil {
    /// Until this many lines arrived (then [`WATCH_QUIET`] for stragglers), or the cap.
    Lines(usize),
    /// Until the server ends the stream, or the cap.
    ServerEnd,
}

/// How a finished watch ended.
#[derive(Clone, Debug)]
pub(crate) struct Ended {
    pub(crate) by: String,
    pub(crate) after: Duration,
    pub(crate) client_stopped_because: Option<&'static str>,
}

impl WatchStream {
    fn is_done(&self) -> bool {
        lock(&self.state).ended.is_some()
    }

    async fn wait(&self, until: impl Fn(&WatchState) -> bool, deadline: Instant) {
        loop {
            {
                let state = lock(&self.state);
                if state.ended.is_some() || until(&state) {
                    return;
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            tokio::time::sleep((deadline - now).min(Duration::from_millis(25))).await;
        }
    }

    /// Waits as `until` says, bounded by `cap` from the start, then stops the stream if it is still
    /// open. Returns the lines and how the stream ended.
    pub(crate) async fn finish(
        mut self,
        until: WatchUntil,
        cap: Duration,
    ) -> (Vec<(Duration, Piece)>, Ended) {
        let deadline = self.started + cap;
        match until {
            WatchUntil::Lines(n) => {
                self.wait(|s| s.lines.len() >= n, deadline).await;
                let quiet = (Instant::now() + WATCH_QUIET).min(deadline);
                self.wait(|_| false, quiet).await;
            }
            WatchUntil::ServerEnd => self.wait(|_| false, deadline).await,
        }
        let mut because = None;
        if !self.is_done() {
            because = Some(if Instant::now() >= deadline {
                "client cap reached"
            } else {
                "expected events received"
            });
            if let Some(reader) = self.reader.take() {
                reader.abort();
                // The reader only awaits the network; once aborted it finishes at its next await.
                let _ = reader.await;
            }
        }
        let mut state = lock(&self.state);
        let lines = std::mem::take(&mut state.lines);
        let ended = match state.ended.take() {
            Some((by, after)) => Ended {
                by,
                after,
                client_stopped_because: None,
            },
            None => Ended {
                by: "client".to_owned(),
                after: self.started.elapsed(),
                client_stopped_because: because,
            },
        };
        (lines, ended)
    }
}

impl Drop for WatchStream {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
    }
}

/// The response headers a transcript keeps: Content-Type, Warning (all), Retry-After, Location.
pub(crate) fn response_headers(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    for name in ["Content-Type", "Warning", "Retry-After", "Location"] {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if values.is_empty() {
            continue;
        }
        if name == "Warning" {
            out.insert(
                name.to_owned(),
                Value::Array(values.into_iter().map(Value::String).collect()),
            );
        } else {
            out.insert(name.to_owned(), Value::String(values[0].clone()));
        }
    }
    Value::Object(out)
}

/// The `format` of a protobuf body that does not decode; its `body` is the bytes in base64.
pub(crate) const PROTOBUF_UNDECODABLE: &str = "protobuf-undecodable";

/// A protobuf body's record: `(format, body, go_exact)`. A body that decodes is `protobuf` with
/// its decoded object (so normalization and comparison treat it as a JSON body's) and whether
/// encoding that object again gives exactly the received bytes, which is what comparing the
/// bytes would show once server-chosen values are set apart (the bytes themselves cannot be
/// normalized: a placeholder changes length prefixes). One that does not is
/// [`PROTOBUF_UNDECODABLE`] with its base64.
pub(crate) fn protobuf_record(raw: &[u8]) -> (&'static str, Value, Option<bool>) {
    match protobuf::decode(raw) {
        Ok(decoded) => {
            let exact = protobuf::encode(&decoded).is_ok_and(|again| again == raw);
            ("protobuf", decoded, Some(exact))
        }
        Err(_) => (
            PROTOBUF_UNDECODABLE,
            Value::String(STANDARD.encode(raw)),
            None,
        ),
    }
}

/// A protobuf watch frame as a transcript event (without `at_ms`): `{"type", "object",
/// "go_exact"}` when it decodes (`go_exact` as in [`protobuf_record`], for the frame), else
/// `{"type": null, "raw": <base64>, "format": "protobuf-undecodable"}`.
pub(crate) fn protobuf_event(piece: &Piece) -> Map<String, Value> {
    let mut event = Map::new();
    let decoded = match piece {
        Piece::Unit(frame) => protobuf::decode_watch_event(frame).ok().map(|(t, o)| {
            let exact = protobuf::encode_watch_event(&t, &o).is_ok_and(|again| again == *frame);
            (t, o, exact)
        }),
        Piece::Broken(_) => None,
    };
    match decoded {
        Some((event_type, object, exact)) => {
            event.insert("type".to_owned(), Value::String(event_type));
            event.insert("object".to_owned(), object);
            event.insert("go_exact".to_owned(), Value::Bool(exact));
        }
        None => {
            let (Piece::Unit(bytes) | Piece::Broken(bytes)) = piece;
            event.insert("type".to_owned(), Value::Null);
            event.insert("raw".to_owned(), Value::String(STANDARD.encode(bytes)));
            event.insert(
                "format".to_owned(),
                Value::String(PROTOBUF_UNDECODABLE.to_owned()),
            );
        }
    }
    event
}

/// `(format, body)` of a raw body: `empty`, `yaml` (the text, for a `Content-Type: application/yaml`
/// answer: compared byte for byte, not as a parsed value), `protobuf` or `protobuf-undecodable`
/// (see [`protobuf_record`]), `text`, `json` or `json-pretty`.
pub(crate) fn body_record(raw: &[u8], content_type: Option<&str>) -> (&'static str, Value) {
    if raw.is_empty() {
        return ("empty", Value::String(String::new()));
    }
    if is_protobuf(content_type) {
        let (format, body, _) = protobuf_record(raw);
        return (format, body);
    }
    if content_type.is_some_and(|t| t.trim_start().starts_with("application/yaml")) {
        return (
            "yaml",
            Value::String(String::from_utf8_lossy(raw).into_owned()),
        );
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(parsed) => {
            let trimmed = raw.trim_ascii_start();
            let pretty = trimmed.len() >= 3 && &trimmed[1..3] == b"\n ";
            (if pretty { "json-pretty" } else { "json" }, parsed)
        }
        Err(_) => (
            "text",
            Value::String(String::from_utf8_lossy(raw).into_owned()),
        ),
    }
}

/// The transcript record of a complete answer.
pub(crate) fn response_record(status: u16, headers: &HeaderMap, raw: &[u8]) -> Value {
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let (format, body, go_exact) = if is_protobuf(content_type) && !raw.is_empty() {
        protobuf_record(raw)
    } else {
        let (format, body) = body_record(raw, content_type);
        (format, body, None)
    };
    let mut out = Map::new();
    out.insert("status".to_owned(), Value::from(status));
    out.insert("headers".to_owned(), response_headers(headers));
    out.insert("format".to_owned(), Value::String(format.to_owned()));
    out.insert("body".to_owned(), body);
    if let Some(exact) = go_exact {
        out.insert("go_exact".to_owned(), Value::Bool(exact));
    }
    Value::Object(out)
}

/// Rounds a duration to 100 ms, in milliseconds, as transcripts record arrival times.
pub(crate) fn round_ms(d: Duration) -> u64 {
    ((d.as_secs_f64() * 10.0).round() as u64) * 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_matches_the_recording_tool() {
        assert_eq!(quote("app in (a,b)"), "app%20in%20%28a%2Cb%29");
        assert_eq!(
            quote("k8s-transcript/scenario=zz"),
            "k8s-transcript%2Fscenario%3Dzz"
        );
        assert_eq!(quote("a_b.c-d~"), "a_b.c-d~");
    }

    #[test]
    fn body_formats() {
        assert_eq!(body_record(b"", None).0, "empty");
        assert_eq!(body_record(b"{\"a\":1}\n", None).0, "json");
        assert_eq!(body_record(b"{\n  \"a\": 1\n}\n", None).0, "json-pretty");
        assert_eq!(body_record(b"404 page not found", None).0, "text");
        // YAML stays text even when it happens to parse as JSON.
        assert_eq!(
            body_record(b"{}\n", Some("application/yaml")),
            ("yaml", Value::String("{}\n".to_owned()))
        );
        assert_eq!(round_ms(Duration::from_millis(2449)), 2400);
        assert_eq!(round_ms(Duration::from_millis(2451)), 2500);
    }
}

#[cfg(test)]
mod protobuf_tests {
    use super::*;

    fn frame(event_type: &str, name: &str) -> Vec<u8> {
        let object = serde_json::json!({"kind": "Endpoints", "apiVersion": "v1",
            "metadata": {"name": name, "resourceVersion": "5"}});
        protobuf::encode_watch_frame(event_type, &object).unwrap()
    }

    #[test]
    fn protobuf_frames_are_split_across_chunks_and_cut_off_ones_kept() {
        let (a, b) = (frame("ADDED", "ep-1"), frame("DELETED", "ep-2"));
        let mut stream = a.clone();
        stream.extend_from_slice(&b);
        stream.extend_from_slice(&b[..7]);
        let mut splitter = Splitter::new(Framing::Protobuf);
        let mut pieces = Vec::new();
        for chunk in stream.chunks(3) {
            pieces.extend(splitter.push(chunk));
        }
        assert_eq!(
            pieces,
            [Piece::Unit(a[4..].to_vec()), Piece::Unit(b[4..].to_vec())]
        );
        assert_eq!(splitter.finish(), Some(Piece::Broken(b[..7].to_vec())));
        let event = protobuf_event(&pieces[1]);
        assert_eq!(event["type"], "DELETED");
        assert_eq!(event["object"]["metadata"]["name"], "ep-2");
        assert_eq!(event["go_exact"], true);
        let broken = protobuf_event(&Piece::Broken(b[..7].to_vec()));
        assert_eq!(broken["type"], Value::Null);
        assert_eq!(broken["format"], PROTOBUF_UNDECODABLE);
        assert_eq!(broken["raw"], STANDARD.encode(&b[..7]));
    }

    #[test]
    fn a_frame_length_over_the_limit_stops_the_reader() {
        let mut splitter = Splitter::new(Framing::Protobuf);
        let pieces = splitter.push(&[0xff, 0xff, 0xff, 0xff, 1, 2]);
        assert_eq!(pieces, [Piece::Broken(vec![0xff, 0xff, 0xff, 0xff, 1, 2])]);
        assert!(splitter.stopped);
        assert!(splitter.push(b"more").is_empty());
        assert_eq!(splitter.finish(), None);
        // JSON lines are split as before.
        let mut lines = Splitter::new(Framing::JsonLines);
        assert_eq!(
            lines.push(b"{\"a\":1}\n\n{\"b\""),
            [Piece::Unit(b"{\"a\":1}".to_vec())]
        );
        assert_eq!(lines.finish(), Some(Piece::Unit(b"{\"b\"".to_vec())));
    }
}
