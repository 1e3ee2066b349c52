//! The schema-driven mapping between a message's bytes and the JSON form the server and clients use.
//!
//! Encoding follows Go's `MarshalToSizedBuffer`: fields in field-number order, `Always` fields written
//! even when empty, pointers only when set, repeated fields and maps only when non-empty, map keys
//! sorted. Decoding follows the generated `Unmarshal` (a singular message seen twice is merged, a
//! scalar seen twice keeps the last value, unknown fields are skipped) and yields the JSON Go's
//! `json.Marshal` would write for the decoded struct (`omitempty`, a zero Time as `null`).

use serde_json::{Map, Value};

use super::ProtobufError;
use super::schema::{Field, Message, Presence, Type};
use super::time::{format_rfc3339, parse_rfc3339};
use super::wire::{self, LEN, VARINT, WireError, Writer};

/// How empty fields are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zeros {
    /// As Go: every non-pointer field, even when empty.
    Go,
    /// Only fields that are set, as a minimal client writes them (kube-apiserver reads both).
    Minimal,
}

/// Fields whose values [`encode_message`] finds in one pass (ObjectMeta, the largest message, has 15).
const FOUND: usize = 16;

/// Writes the fields of `msg` from its JSON object (absent: every field empty).
pub(crate) fn encode_message(
    w: &mut Writer,
    object: Option<&Map<String, Value>>,
    msg: &Message,
    zeros: Zeros,
) -> Result<(), ProtobufError> {
    // Each field's value, found in one pass over the object's members: comparing a member's name
    // with the few names of its message costs less than hashing every field name of the schema
    // into the map (`IndexMap::get` was two thirds of encoding). A message with more fields than
    // the array holds looks the rest up in the map.
    let mut found: [Option<&Value>; FOUND] = [None; FOUND];
    if let Some(map) = object {
        for (key, value) in map {
            if let Some(index) = msg.fields.iter().position(|f| f.json == key)
                && let Some(slot) = found.get_mut(index)
            {
                *slot = Some(value);
            }
        }
    }
    for (index, field) in msg.fields.iter().enumerate() {
        let value = match found.get(index) {
            Some(value) => *value,
            None => object.and_then(|map| map.get(field.json)),
        }
        .filter(|v| !v.is_null());
        match field.presence {
            Presence::Always if zeros == Zeros::Minimal && value.is_none_or(is_zero) => {}
            Presence::Always => encode_single(w, field.number, field.ty, value, zeros)?,
            Presence::IfSet => {
                if value.is_some() {
                    encode_single(w, field.number, field.ty, value, zeros)?;
                }
            }
            Presence::Repeated => {
                for item in value.and_then(Value::as_array).into_iter().flatten() {
                    encode_single(w, field.number, field.ty, Some(item), zeros)?;
                }
            }
            Presence::Map => {
                if let Some(map) = value.and_then(Value::as_object) {
                    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                    for (key, entry) in entries {
                        w.message(field.number, |w| {
                            w.bytes(1, key.as_bytes());
                            w.bytes(2, entry.as_str().unwrap_or("").as_bytes());
                            Ok::<(), ProtobufError>(())
                        })?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn encode_single(
    w: &mut Writer,
    number: u32,
    ty: Type,
    value: Option<&Value>,
    zeros: Zeros,
) -> Result<(), ProtobufError> {
    match ty {
        Type::Str => w.bytes(
            number,
            value.and_then(Value::as_str).unwrap_or("").as_bytes(),
        ),
        // Go's int32 fields keep the low 32 bits; the varint is of the sign-extended value.
        Type::Int32 => w.int(
            number,
            i64::from(value.and_then(Value::as_i64).unwrap_or(0) as i32),
        ),
        Type::Int64 => w.int(number, value.and_then(Value::as_i64).unwrap_or(0)),
        Type::Bool => w.int(
            number,
            i64::from(value.and_then(Value::as_bool).unwrap_or(false)),
        ),
        Type::Message(msg) => w.message(number, |w| {
            encode_message(w, value.and_then(Value::as_object), msg, zeros)
        })?,
        Type::Time => {
            let time = match value.and_then(Value::as_str) {
                Some(text) => {
                    Some(parse_rfc3339(text).ok_or_else(|| ProtobufError::Time(text.to_owned()))?)
                }
                None => None,
            };
            w.message(number, |w| {
                // A zero metav1.Time is an empty message.
                if let Some((seconds, nanos)) = time {
                    w.int(1, seconds);
                    w.int(2, i64::from(nanos));
                }
                Ok::<(), ProtobufError>(())
            })?;
        }
        Type::FieldsV1 => {
            let raw = match value {
                Some(value) => crate::json::to_go_json(value)
                    .map_err(|e| ProtobufError::Json(e.to_string()))?,
                None => Vec::new(),
            };
            let raw = raw.strip_suffix(b"\n").unwrap_or(&raw);
            w.message(number, |w| {
                w.bytes(1, raw);
                Ok::<(), ProtobufError>(())
            })?;
        }
        Type::Object => w.message(number, |w| {
            if let Some(object) = value {
                w.key(1, LEN);
                let mut inner = Writer::default();
                super::write_envelope(&mut inner, object, zeros)?;
                w.varint(inner.buf.len() as u64);
                w.buf.extend_from_slice(&inner.buf);
            }
            Ok::<(), ProtobufError>(())
        })?,
    }
    Ok(())
}

/// A field's decoded value while its message is read.
#[derive(Debug, Clone)]
enum Slot {
    Empty,
    Scalar(Value),
    /// A singular message: later occurrences merge into it, as Go's `Unmarshal` does.
    Nested(Vec<Slot>),
    List(Vec<Value>),
    Entries(Vec<(String, String)>),
}

/// The JSON object Go's `json.Marshal` writes for `data` decoded as `msg`.
pub(crate) fn decode_message(
    data: &[u8],
    msg: &Message,
) -> Result<Map<String, Value>, ProtobufError> {
    let mut slots = vec![Slot::Empty; msg.fields.len()];
    decode_into(data, msg, &mut slots)?;
    Ok(finish(msg, slots))
}

fn decode_into(data: &[u8], msg: &Message, slots: &mut [Slot]) -> Result<(), ProtobufError> {
    let mut at = 0usize;
    while at < data.len() {
        let start = at;
        let (number, wire_type) = wire::read_key(data, &mut at, msg.name)?;
        let Some(index) = msg.fields.iter().position(|f| f.number == number) else {
            at = wire::skip_field(data, start, data.len())?;
            continue;
        };
        let field = &msg.fields[index];
        let expected = match field.ty {
            Type::Int32 | Type::Int64 | Type::Bool => VARINT,
            _ => LEN,
        };
        if wire_type != expected {
            return Err(WireError::WrongWireType {
                wire_type,
                field: field.go,
            }
            .into());
        }
        if field.presence == Presence::Map {
            let end = wire::read_length(data, &mut at, data.len())?;
            let entry = map_entry(data, at, end)?;
            at = end;
            match &mut slots[index] {
                Slot::Entries(entries) => entries.push(entry),
                slot => *slot = Slot::Entries(vec![entry]),
            }
            continue;
        }
        if expected == VARINT {
            let raw = wire::read_varint(data, &mut at)?;
            let value = match field.ty {
                Type::Int32 => Value::from(raw as u32 as i32),
                Type::Bool => Value::Bool(raw != 0),
                _ => Value::from(raw as i64),
            };
            store(&mut slots[index], field, value);
            continue;
        }
        let end = wire::read_length(data, &mut at, data.len())?;
        let bytes = &data[at..end];
        at = end;
        match field.ty {
            Type::Message(nested) if field.presence == Presence::Repeated => {
                let value = Value::Object(decode_message(bytes, nested)?);
                store(&mut slots[index], field, value);
            }
            Type::Message(nested) => {
                if !matches!(slots[index], Slot::Nested(_)) {
                    slots[index] = Slot::Nested(vec![Slot::Empty; nested.fields.len()]);
                }
                if let Slot::Nested(inner) = &mut slots[index] {
                    decode_into(bytes, nested, inner)?;
                }
            }
            Type::Str => {
                let value = Value::String(String::from_utf8_lossy(bytes).into_owned());
                store(&mut slots[index], field, value);
            }
            Type::Time => store(&mut slots[index], field, decode_time(bytes)?),
            Type::FieldsV1 => {
                let raw = single_bytes(bytes, "FieldsV1", "Raw")?;
                // Raw holds JSON text; bytes that are not JSON have no JSON form and are dropped.
                let value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
                store(&mut slots[index], field, value);
            }
            Type::Object => {
                let raw = single_bytes(bytes, "RawExtension", "Raw")?;
                let value = if raw.is_empty() {
                    Value::Null
                } else {
                    super::decode(&raw)?
                };
                store(&mut slots[index], field, value);
            }
            Type::Int32 | Type::Int64 | Type::Bool => {}
        }
    }
    Ok(())
}

fn store(slot: &mut Slot, field: &Field, value: Value) {
    if field.presence == Presence::Repeated {
        match slot {
            Slot::List(items) => items.push(value),
            other => *other = Slot::List(vec![value]),
        }
    } else {
        *slot = Slot::Scalar(value);
    }
}

/// One `{1 key, 2 value}` map entry. The generated code checks the key's and value's lengths against
/// the end of the whole message, not of the entry, and so does this.
fn map_entry(data: &[u8], mut at: usize, end: usize) -> Result<(String, String), WireError> {
    let mut key = String::new();
    let mut value = String::new();
    while at < end {
        let start = at;
        let tag = wire::read_varint(data, &mut at)?;
        let number = (tag >> 3) as u32 as i32;
        if number == 1 || number == 2 {
            let stop = wire::read_length(data, &mut at, data.len())?;
            let text = String::from_utf8_lossy(&data[at..stop]).into_owned();
            at = stop;
            if number == 1 {
                key = text;
            } else {
                value = text;
            }
        } else {
            at = wire::skip_field(data, start, end)?;
        }
    }
    Ok((key, value))
}

/// The bytes of field 1 of a one-field bytes message (`FieldsV1`, `RawExtension`).
fn single_bytes(
    data: &[u8],
    message: &'static str,
    go: &'static str,
) -> Result<Vec<u8>, WireError> {
    let mut raw = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let start = at;
        let (number, wire_type) = wire::read_key(data, &mut at, message)?;
        if number != 1 {
            at = wire::skip_field(data, start, data.len())?;
            continue;
        }
        if wire_type != LEN {
            return Err(WireError::WrongWireType {
                wire_type,
                field: go,
            });
        }
        let end = wire::read_length(data, &mut at, data.len())?;
        raw = data[at..end].to_vec();
        at = end;
    }
    Ok(raw)
}

/// `metav1.Time.Unmarshal`: empty is the zero Time (JSON `null`), otherwise a `Timestamp` whose
/// nanoseconds are dropped.
fn decode_time(data: &[u8]) -> Result<Value, WireError> {
    if data.is_empty() {
        return Ok(Value::Null);
    }
    let mut seconds = 0i64;
    let mut at = 0usize;
    while at < data.len() {
        let start = at;
        let (number, wire_type) = wire::read_key(data, &mut at, "Timestamp")?;
        let go = match number {
            1 => "Seconds",
            2 => "Nanos",
            _ => {
                at = wire::skip_field(data, start, data.len())?;
                continue;
            }
        };
        if wire_type != VARINT {
            return Err(WireError::WrongWireType {
                wire_type,
                field: go,
            });
        }
        let raw = wire::read_varint(data, &mut at)?;
        if number == 1 {
            seconds = raw as i64;
        }
    }
    Ok(Value::String(format_rfc3339(seconds)))
}

fn zero(field: &Field) -> Value {
    match (field.presence, field.ty) {
        (Presence::Repeated, _) if field.null_when_empty => Value::Null,
        (Presence::Repeated, _) => Value::Array(Vec::new()),
        (Presence::Map, _) => Value::Object(Map::new()),
        (_, Type::Str) => Value::String(String::new()),
        (_, Type::Int32 | Type::Int64) => Value::from(0),
        (_, Type::Bool) => Value::Bool(false),
        (_, Type::Message(nested)) => {
            Value::Object(finish(nested, vec![Slot::Empty; nested.fields.len()]))
        }
        (_, Type::Time | Type::FieldsV1 | Type::Object) => Value::Null,
    }
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Bool(b) => !b,
        Value::Null => true,
        _ => false,
    }
}

fn finish(msg: &Message, mut slots: Vec<Slot>) -> Map<String, Value> {
    let mut object = Map::new();
    let order: Vec<usize> = if msg.json_order.is_empty() {
        (0..msg.fields.len()).collect()
    } else {
        msg.json_order.to_vec()
    };
    for index in order {
        let field = &msg.fields[index];
        let slot = std::mem::replace(&mut slots[index], Slot::Empty);
        let value = match slot {
            Slot::Empty if field.omit_empty => continue,
            Slot::Empty => zero(field),
            // omitempty drops a non-pointer zero; a pointer to a zero value is kept.
            Slot::Scalar(value)
                if field.omit_empty && field.presence == Presence::Always && is_zero(&value) =>
            {
                continue;
            }
            Slot::Scalar(value) => value,
            Slot::Nested(inner) => match field.ty {
                Type::Message(nested) => Value::Object(finish(nested, inner)),
                _ => continue,
            },
            Slot::List(items) => Value::Array(items),
            Slot::Entries(entries) => {
                // A Go map: the last value of a key wins, and JSON writes keys sorted.
                let mut sorted: Vec<(String, String)> = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    match sorted.binary_search_by(|probe| probe.0.cmp(&key)) {
                        Ok(found) => sorted[found].1 = value,
                        Err(slot) => sorted.insert(slot, (key, value)),
                    }
                }
                Value::Object(
                    sorted
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                )
            }
        };
        object.insert(field.json.to_owned(), value);
    }
    object
}
