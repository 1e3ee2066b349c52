//! The protobuf wire format: a writer that lays fields out as Go's `MarshalToSizedBuffer` does, and a
//! reader whose failures carry the texts of gogo-protobuf's generated `Unmarshal` (`generated.pb.go`)
//! and its `skipGenerated`.

/// Wire type of varints (int32, int64, bool).
pub(crate) const VARINT: u8 = 0;
/// Wire type of length-delimited fields (strings, bytes, messages).
pub(crate) const LEN: u8 = 2;

/// Why bytes are not a message; `Display` is the Go error text kube-apiserver puts in its 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The data ended inside a field (`io.ErrUnexpectedEOF`).
    #[error("unexpected EOF")]
    UnexpectedEof,
    /// A varint longer than 64 bits (`ErrIntOverflowGenerated`).
    #[error("proto: integer overflow")]
    IntOverflow,
    /// A length that is negative as a Go `int` or overflows the offset (`ErrInvalidLengthGenerated`).
    #[error("proto: negative length found during unmarshaling")]
    InvalidLength,
    /// An unknown field with wire type 6 or 7, which `skipGenerated` cannot skip.
    #[error("proto: illegal wireType {0}")]
    IllegalWireType(u8),
    /// A known field with another wire type than its declaration.
    #[error("proto: wrong wireType = {wire_type} for field {field}")]
    WrongWireType {
        /// The wire type found.
        wire_type: u8,
        /// The Go field name, e.g. `ObjectMeta`.
        field: &'static str,
    },
    /// A field number of 0 or one that is negative as an int32.
    #[error("proto: {message}: illegal tag {tag} (wire type {key})")]
    IllegalTag {
        /// The Go message name, e.g. `Endpoints`.
        message: &'static str,
        /// The field number as Go's int32.
        tag: i32,
        /// The whole key, which Go prints in this place.
        key: u64,
    },
    /// An end-group key where a field starts.
    #[error("proto: {message}: wiretype end group for non-group")]
    EndGroup {
        /// The Go message name.
        message: &'static str,
    },
    /// An end-group key without its start while skipping (`ErrUnexpectedEndOfGroupGenerated`).
    #[error("proto: unexpected end of group")]
    UnexpectedEndOfGroup,
}

/// A message being written. Nested messages are written in place and their length is inserted after,
/// so a whole object costs one buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.buf.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.buf.push(value as u8);
    }

    pub(crate) fn key(&mut self, field: u32, wire_type: u8) {
        self.varint((u64::from(field) << 3) | u64::from(wire_type));
    }

    /// A varint field; negative numbers go out as ten bytes of two's complement, as Go writes them.
    pub(crate) fn int(&mut self, field: u32, value: i64) {
        self.key(field, VARINT);
        self.varint(value as u64);
    }

    pub(crate) fn bytes(&mut self, field: u32, data: &[u8]) {
        self.key(field, LEN);
        self.varint(data.len() as u64);
        self.buf.extend_from_slice(data);
    }

    /// A nested message: `body` writes its fields, then the length goes in front of them.
    pub(crate) fn message<E>(
        &mut self,
        field: u32,
        body: impl FnOnce(&mut Writer) -> Result<(), E>,
    ) -> Result<(), E> {
        self.key(field, LEN);
        // One byte is reserved for the length; longer lengths shift the body once.
        let at = self.buf.len();
        self.buf.push(0);
        body(self)?;
        let len = self.buf.len() - at - 1;
        if len < 0x80 {
            self.buf[at] = len as u8;
        } else {
            let mut prefix = Writer::default();
            prefix.varint(len as u64);
            self.buf.splice(at..=at, prefix.buf);
        }
        Ok(())
    }
}

/// A varint read from `data` at `*at`, as the generated loops read it.
pub(crate) fn read_varint(data: &[u8], at: &mut usize) -> Result<u64, WireError> {
    let mut value = 0u64;
    let mut shift = 0u32;
    loop {
        if shift >= 64 {
            return Err(WireError::IntOverflow);
        }
        let Some(&byte) = data.get(*at) else {
            return Err(WireError::UnexpectedEof);
        };
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
        shift += 7;
    }
}

/// The end of a length-delimited field whose length starts at `*at`, checked against `limit` as the
/// generated code checks it (negative as a Go int, offset overflow, past the end).
pub(crate) fn read_length(data: &[u8], at: &mut usize, limit: usize) -> Result<usize, WireError> {
    let length = read_varint(data, at)?;
    let length = i64::try_from(length).map_err(|_| WireError::InvalidLength)?;
    let end = i64::try_from(*at)
        .ok()
        .and_then(|at| at.checked_add(length))
        .ok_or(WireError::InvalidLength)?;
    let end = usize::try_from(end).map_err(|_| WireError::InvalidLength)?;
    if end > limit {
        return Err(WireError::UnexpectedEof);
    }
    Ok(end)
}

/// The number of bytes of the unknown field starting at `data[0]` (gogo's `skipGenerated`).
pub(crate) fn skip(data: &[u8]) -> Result<usize, WireError> {
    let mut at = 0usize;
    let mut depth = 0u32;
    while at < data.len() {
        let key = read_varint(data, &mut at)?;
        match (key & 7) as u8 {
            0 => {
                read_varint(data, &mut at)?;
            }
            1 => at = at.saturating_add(8),
            2 => {
                let length = read_varint(data, &mut at)?;
                let length = i64::try_from(length).map_err(|_| WireError::InvalidLength)?;
                at = i64::try_from(at)
                    .ok()
                    .and_then(|at| at.checked_add(length))
                    .and_then(|end| usize::try_from(end).ok())
                    .ok_or(WireError::InvalidLength)?;
            }
            3 => depth += 1,
            4 => {
                if depth == 0 {
                    return Err(WireError::UnexpectedEndOfGroup);
                }
                depth -= 1;
            }
            5 => at = at.saturating_add(4),
            other => return Err(WireError::IllegalWireType(other)),
        }
        if depth == 0 {
            return Ok(at);
        }
    }
    Err(WireError::UnexpectedEof)
}

/// The position after the field that starts at `start` of `data`, skipped as the generated code
/// skips a field it does not know; a field reaching past `end` is `unexpected EOF`.
pub(crate) fn skip_field(data: &[u8], start: usize, end: usize) -> Result<usize, WireError> {
    let length = skip(&data[start..])?;
    start
        .checked_add(length)
        .filter(|stop| *stop <= end)
        .ok_or(WireError::UnexpectedEof)
}

/// One field key read at the start of a field, with the generated code's checks.
pub(crate) fn read_key(
    data: &[u8],
    at: &mut usize,
    message: &'static str,
) -> Result<(u32, u8), WireError> {
    let key = read_varint(data, at)?;
    let wire_type = (key & 7) as u8;
    // Go converts with int32(wire >> 3), keeping the low 32 bits.
    let tag = (key >> 3) as u32 as i32;
    if wire_type == 4 {
        return Err(WireError::EndGroup { message });
    }
    if tag <= 0 {
        return Err(WireError::IllegalTag { message, tag, key });
    }
    Ok((tag as u32, wire_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_long_nested_lengths() {
        let mut writer = Writer::default();
        writer.varint(300);
        assert_eq!(writer.buf, [0xac, 0x02]);
        let mut writer = Writer::default();
        writer.int(2, -1);
        assert_eq!(writer.buf.len(), 11);
        let mut writer = Writer::default();
        writer
            .message(1, |inner| {
                inner.bytes(1, &[7u8; 200]);
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(&writer.buf[..3], &[0x0a, 0xcb, 0x01]);
        assert_eq!(writer.buf.len(), 3 + 203);
    }

    #[test]
    fn reading_fails_with_go_texts() {
        let mut at = 0;
        assert_eq!(read_varint(&[0x80], &mut at), Err(WireError::UnexpectedEof));
        let mut at = 0;
        assert_eq!(
            read_varint(&[0xff; 11], &mut at),
            Err(WireError::IntOverflow)
        );
        let mut at = 0;
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(
            read_length(&huge, &mut at, 10).unwrap_err().to_string(),
            "proto: negative length found during unmarshaling"
        );
        assert_eq!(
            skip(&[0x0f]).unwrap_err().to_string(),
            "proto: illegal wireType 7"
        );
        assert_eq!(skip(&[0x0c]), Err(WireError::UnexpectedEndOfGroup));
        assert_eq!(skip(&[0x0b, 0x08, 0x01, 0x0c]), Ok(4));
        let mut at = 0;
        assert_eq!(
            read_key(&[0x02], &mut at, "Endpoints")
                .unwrap_err()
                .to_string(),
            "proto: Endpoints: illegal tag 0 (wire type 2)"
        );
        let mut at = 0;
        assert_eq!(
            read_key(&[0x0c], &mut at, "Endpoints")
                .unwrap_err()
                .to_string(),
            "proto: Endpoints: wiretype end group for non-group"
        );
    }
}
