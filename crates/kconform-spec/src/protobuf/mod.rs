//! Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) as kube-apiserver writes and reads it for
//! Endpoints and EndpointSlice: the `k8s\0` envelope around a `runtime.Unknown`, the messages
//! Endpoints, EndpointsList, EndpointSlice, EndpointSliceList, Status, DeleteOptions and WatchEvent
//! (and Namespace and NamespaceList, which clients write before any Endpoints),
//! and the length-framed watch stream.
//!
//! Objects are carried in their JSON form (`serde_json::Value`, as the rest of this crate and the
//! reference server hold them): [`encode`] writes a JSON object's protobuf byte for byte as Go's
//! `MarshalToSizedBuffer` does, including the empty fields Go always writes, and [`decode`] gives the
//! JSON Go's `json.Marshal` would write for the decoded struct. The field tables are in `schema`.
//!
//! Failures carry the Go texts ([`ProtobufError`]); `crate::decode` turns them into kube-apiserver's
//! 400 messages for a create or update body.

mod codec;
mod schema;
mod time;
mod wire;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use codec::Zeros;
pub use wire::WireError;
use wire::{LEN, Writer};

/// The four bytes every protobuf body starts with (`k8s\0`).
pub const MAGIC: [u8; 4] = *b"k8s\0";
/// The protobuf media type.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
/// The Content-Type of a protobuf watch stream.
pub const STREAM_MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf;stream=watch";
/// The largest watch frame [`FrameReader`] accepts (client-go's decoder refuses larger ones too).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// Why bytes are not (or a value cannot become) Kubernetes protobuf.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    /// No bytes at all (the serializer's `empty data`).
    #[error("empty data")]
    Empty,
    /// The bytes do not start with [`MAGIC`].
    #[error(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
    )]
    NoMagic,
    /// The bytes after the magic are not the message they claim to be.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A kind this crate has no message for (when encoding, or decoding a whole object).
    #[error("no protobuf message for kind {0:?}")]
    UnknownKind(String),
    /// A time field whose JSON text is not RFC 3339 (when encoding).
    #[error("time {0:?} is not RFC 3339")]
    Time(String),
    /// A `fieldsV1` value that does not serialise as JSON (when encoding).
    #[error("fieldsV1 is not JSON: {0}")]
    Json(String),
    /// A watch frame longer than [`MAX_FRAME`].
    #[error("watch frame of {0} bytes is longer than the limit of {MAX_FRAME}")]
    FrameTooLong(u64),
}

/// The envelope's `runtime.Unknown`, its `raw` undecoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unknown {
    /// `typeMeta.apiVersion`.
    pub api_version: String,
    /// `typeMeta.kind`.
    pub kind: String,
    /// The object's own message.
    pub raw: Vec<u8>,
    /// `contentEncoding` (always empty from kube-apiserver).
    pub content_encoding: String,
    /// `contentType` (always empty from kube-apiserver).
    pub content_type: String,
}

impl Unknown {
    /// The envelope as Go's `protobuf.Serializer` writes it: the magic, then every field of the
    /// `runtime.Unknown`, the empty ones included. The inverse of [`parse_envelope`]; with it a body
    /// can carry a `typeMeta` other than its message's, e.g. an Endpoints message without kind and
    /// apiVersion, which kube-apiserver defaults from the URL as it does for JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.buf.extend_from_slice(&MAGIC);
        let Ok(()) = w.message(1, |w| {
            w.bytes(1, self.api_version.as_bytes());
            w.bytes(2, self.kind.as_bytes());
            Ok::<(), std::convert::Infallible>(())
        });
        w.bytes(2, &self.raw);
        w.bytes(3, self.content_encoding.as_bytes());
        w.bytes(4, self.content_type.as_bytes());
        w.buf
    }
}

static TYPE_META: schema::Message = schema::Message {
    name: "TypeMeta",
    fields: &[
        schema::Field {
            number: 1,
            json: "apiVersion",
            go: "APIVersion",
            ty: schema::Type::Str,
            presence: schema::Presence::Always,
            omit_empty: false,
            null_when_empty: false,
        },
        schema::Field {
            number: 2,
            json: "kind",
            go: "Kind",
            ty: schema::Type::Str,
            presence: schema::Presence::Always,
            omit_empty: false,
            null_when_empty: false,
        },
    ],
    json_order: &[],
};

/// Reads the envelope: the magic, then `runtime.Unknown` with the generated `Unmarshal`'s checks.
///
/// # Errors
/// [`ProtobufError::Empty`], [`ProtobufError::NoMagic`], or the Go text of the first wire problem.
pub fn parse_envelope(data: &[u8]) -> Result<Unknown, ProtobufError> {
    if data.is_empty() {
        return Err(ProtobufError::Empty);
    }
    let Some(body) = data.strip_prefix(&MAGIC) else {
        return Err(ProtobufError::NoMagic);
    };
    let mut unknown = Unknown::default();
    let mut type_meta = Map::new();
    let mut at = 0usize;
    while at < body.len() {
        let start = at;
        let (number, wire_type) = wire::read_key(body, &mut at, "Unknown")?;
        let go = match number {
            1 => "TypeMeta",
            2 => "Raw",
            3 => "ContentEncoding",
            4 => "ContentType",
            _ => {
                at = wire::skip_field(body, start, body.len())?;
                continue;
            }
        };
        if wire_type != LEN {
            return Err(WireError::WrongWireType {
                wire_type,
                field: go,
            }
            .into());
        }
        let end = wire::read_length(body, &mut at, body.len())?;
        let bytes = &body[at..end];
        at = end;
        match number {
            1 => {
                // TypeMeta merges, as a singular message does.
                for (key, value) in codec::decode_message(bytes, &TYPE_META)? {
                    if !value.as_str().is_some_and(str::is_empty) {
                        type_meta.insert(key, value);
                    }
                }
            }
            2 => unknown.raw = bytes.to_vec(),
            3 => unknown.content_encoding = String::from_utf8_lossy(bytes).into_owned(),
            _ => unknown.content_type = String::from_utf8_lossy(bytes).into_owned(),
        }
    }
    let text = |key: &str| {
        type_meta
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    unknown.api_version = text("apiVersion");
    unknown.kind = text("kind");
    Ok(unknown)
}

/// Writes the envelope of a JSON object whose `kind` names its message.
fn write_envelope(w: &mut Writer, object: &Value, zeros: Zeros) -> Result<(), ProtobufError> {
    let text = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or("");
    let kind = text("kind");
    let msg =
        schema::message_of_kind(kind).ok_or_else(|| ProtobufError::UnknownKind(kind.to_owned()))?;
    w.buf.extend_from_slice(&MAGIC);
    w.message(1, |w| {
        w.bytes(1, text("apiVersion").as_bytes());
        w.bytes(2, kind.as_bytes());
        Ok::<(), ProtobufError>(())
    })?;
    w.message(2, |w| {
        codec::encode_message(w, object.as_object(), msg, zeros)
    })?;
    w.bytes(3, b"");
    w.bytes(4, b"");
    Ok(())
}

/// The envelope around a list written from its parts, so a server need not assemble the list as one
/// JSON value first: `metadata` is the ListMeta, `items` the objects (their `kind` is not read).
///
/// # Errors
/// [`ProtobufError::UnknownKind`] for a kind that is not a list here; the items' encoding errors.
pub fn encode_list<'a>(
    kind: &str,
    api_version: &str,
    metadata: &Map<String, Value>,
    items: impl IntoIterator<Item = &'a Value>,
) -> Result<Vec<u8>, ProtobufError> {
    let list = schema::message_of_kind(kind).filter(|_| kind.ends_with("List"));
    let (list_meta, item) = match list.map(|msg| msg.fields) {
        Some(
            [
                schema::Field {
                    ty: schema::Type::Message(list_meta),
                    ..
                },
                schema::Field {
                    ty: schema::Type::Message(item),
                    presence: schema::Presence::Repeated,
                    ..
                },
            ],
        ) => (*list_meta, *item),
        _ => return Err(ProtobufError::UnknownKind(kind.to_owned())),
    };
    let mut w = Writer::default();
    w.buf.extend_from_slice(&MAGIC);
    w.message(1, |w| {
        w.bytes(1, api_version.as_bytes());
        w.bytes(2, kind.as_bytes());
        Ok::<(), ProtobufError>(())
    })?;
    w.message(2, |w| {
        w.message(1, |w| {
            codec::encode_message(w, Some(metadata), list_meta, Zeros::Go)
        })?;
        for object in items {
            w.message(2, |w| {
                codec::encode_message(w, object.as_object(), item, Zeros::Go)
            })?;
        }
        Ok::<(), ProtobufError>(())
    })?;
    w.bytes(3, b"");
    w.bytes(4, b"");
    Ok(w.buf)
}

/// The protobuf body of a JSON object (Endpoints, EndpointsList, Status, DeleteOptions), envelope
/// included, byte for byte as kube-apiserver writes it.
///
/// # Errors
/// [`ProtobufError::UnknownKind`] for another kind, [`ProtobufError::Time`] for a time that is not
/// RFC 3339.
pub fn encode(object: &Value) -> Result<Vec<u8>, ProtobufError> {
    let mut w = Writer::default();
    write_envelope(&mut w, object, Zeros::Go)?;
    Ok(w.buf)
}

/// As [`encode`], but writing only the fields that are set (no empty strings, zeros or empty
/// messages), as a minimal client does; kube-apiserver reads it the same (recorded, 201 both ways).
///
/// # Errors
/// As [`encode`].
pub fn encode_minimal(object: &Value) -> Result<Vec<u8>, ProtobufError> {
    let mut w = Writer::default();
    write_envelope(&mut w, object, Zeros::Minimal)?;
    Ok(w.buf)
}

/// The JSON form of a protobuf body, `kind` and `apiVersion` first as Go's `TypeMeta` writes them.
///
/// # Errors
/// The envelope's errors, [`ProtobufError::UnknownKind`] for a kind without a message here, and the
/// wire errors of the object.
pub fn decode(data: &[u8]) -> Result<Value, ProtobufError> {
    let unknown = parse_envelope(data)?;
    let msg = schema::message_of_kind(&unknown.kind)
        .ok_or_else(|| ProtobufError::UnknownKind(unknown.kind.clone()))?;
    Ok(with_type_meta(
        codec::decode_message(&unknown.raw, msg)?,
        &unknown.kind,
        &unknown.api_version,
    ))
}

fn with_type_meta(fields: Map<String, Value>, kind: &str, api_version: &str) -> Value {
    let mut object = Map::with_capacity(fields.len() + 2);
    if !kind.is_empty() {
        object.insert("kind".to_owned(), Value::String(kind.to_owned()));
    }
    if !api_version.is_empty() {
        object.insert(
            "apiVersion".to_owned(),
            Value::String(api_version.to_owned()),
        );
    }
    object.extend(fields);
    Value::Object(object)
}

/// A bare `metav1.WatchEvent` (no envelope, as the stream serializer writes it) whose object is a
/// whole envelope.
///
/// # Errors
/// As [`encode`], for the object.
pub fn encode_watch_event(event_type: &str, object: &Value) -> Result<Vec<u8>, ProtobufError> {
    let mut event = Map::new();
    event.insert("type".to_owned(), Value::String(event_type.to_owned()));
    event.insert("object".to_owned(), object.clone());
    let mut w = Writer::default();
    codec::encode_message(&mut w, Some(&event), &schema::WATCH_EVENT, Zeros::Go)?;
    Ok(w.buf)
}

/// One frame of a protobuf watch stream: the 4-byte big-endian length, then the bare event.
///
/// # Errors
/// As [`encode`], for the object.
pub fn encode_watch_frame(event_type: &str, object: &Value) -> Result<Vec<u8>, ProtobufError> {
    let event = encode_watch_event(event_type, object)?;
    let length =
        u32::try_from(event.len()).map_err(|_| ProtobufError::FrameTooLong(event.len() as u64))?;
    let mut frame = Vec::with_capacity(event.len() + 4);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(&event);
    Ok(frame)
}

/// The type and JSON object of a bare WatchEvent.
///
/// # Errors
/// The wire errors of the event or of its object's envelope.
pub fn decode_watch_event(data: &[u8]) -> Result<(String, Value), ProtobufError> {
    let mut event = codec::decode_message(data, &schema::WATCH_EVENT)?;
    let event_type = match event.remove("type") {
        Some(Value::String(text)) => text,
        _ => String::new(),
    };
    Ok((event_type, event.remove("object").unwrap_or(Value::Null)))
}

/// Splits a protobuf watch stream into frames as its bytes arrive, holding at most one frame.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
}

impl FrameReader {
    /// A reader with nothing buffered.
    pub fn new() -> FrameReader {
        FrameReader::default()
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame's event bytes, or None until more bytes arrive.
    ///
    /// # Errors
    /// [`ProtobufError::FrameTooLong`] for a length over [`MAX_FRAME`], before anything is allocated.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, ProtobufError> {
        let Some(prefix) = self.buffer.first_chunk::<4>() else {
            return Ok(None);
        };
        let length = u32::from_be_bytes(*prefix);
        let length = usize::try_from(length)
            .ok()
            .filter(|n| *n <= MAX_FRAME)
            .ok_or(ProtobufError::FrameTooLong(u64::from(length)))?;
        if self.buffer.len() < 4 + length {
            return Ok(None);
        }
        let frame = self.buffer[4..4 + length].to_vec();
        self.buffer.drain(..4 + length);
        Ok(Some(frame))
    }

    /// Bytes of an incomplete frame still buffered (a stream ending here was cut off).
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

/// The object of a `kind` message (the `raw` of its envelope), with that kind and `api_version` as
/// its type (a request body may leave them out; kube-apiserver then takes the URL's).
///
/// # Errors
/// [`ProtobufError::UnknownKind`] for a kind without a message here, else the Go text of the
/// message's first problem.
pub fn decode_object_message(
    raw: &[u8],
    kind: &str,
    api_version: &str,
) -> Result<Value, ProtobufError> {
    let msg =
        schema::message_of_kind(kind).ok_or_else(|| ProtobufError::UnknownKind(kind.to_owned()))?;
    Ok(with_type_meta(
        codec::decode_message(raw, msg)?,
        kind,
        api_version,
    ))
}

/// Unmarshals a `kind` message only to find its first problem: kube-apiserver reads the raw bytes
/// into the named type (e.g. a list sent where its item is expected) before the conversion fails.
///
/// # Errors
/// [`ProtobufError::UnknownKind`] for a kind without a message here, else the Go text of the
/// message's first problem.
pub fn check_message(raw: &[u8], kind: &str) -> Result<(), ProtobufError> {
    let msg =
        schema::message_of_kind(kind).ok_or_else(|| ProtobufError::UnknownKind(kind.to_owned()))?;
    codec::decode_message(raw, msg).map(drop)
}

/// Whether this crate has a message for `kind` (the server speaks protobuf only for those).
pub fn has_message(kind: &str) -> bool {
    schema::message_of_kind(kind).is_some()
}

/// The JSON text of a protobuf DeleteOptions body, for the JSON DeleteOptions reader: the envelope's
/// `apiVersion` and `kind`, and the fields when the kind is `DeleteOptions` (or empty). Another kind
/// keeps only its type, so the reader refuses it with the scheme's text.
///
/// # Errors
/// The Go text of the envelope's or the message's first problem.
pub fn delete_options_as_json(data: &[u8]) -> Result<Vec<u8>, ProtobufError> {
    let unknown = parse_envelope(data)?;
    let fields = if matches!(unknown.kind.as_str(), "" | "DeleteOptions") {
        codec::decode_message(&unknown.raw, &schema::DELETE_OPTIONS)?
    } else {
        Map::new()
    };
    let object = with_type_meta(fields, &unknown.kind, &unknown.api_version);
    serde_json::to_vec(&object).map_err(|e| ProtobufError::Json(e.to_string()))
}
