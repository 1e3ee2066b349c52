//! The input side of libyaml as go-yaml v2 has it: the byte-order mark picks UTF-8 or UTF-16, and the
//! text is decoded in raw chunks of 512 bytes.
//!
//! The chunks matter for errors only: a malformed byte is reported when the scanner first asks for a
//! character of the chunk that holds it, so a syntax error earlier in the same chunk still loses to it,
//! while one in an earlier chunk wins. [`Decoded::limit`] is that boundary.

/// libyaml's raw buffer size (`input_raw_buffer_size`).
const RAW_CHUNK: usize = 512;

/// The characters of a body as the scanner sees them.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// Every character decoded before the first malformed one.
    pub(crate) chars: Vec<char>,
    /// With an error: how many characters the scanner may read before the reader reports it.
    pub(crate) limit: Option<(usize, &'static str)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// Decodes `input` chunk by chunk as `yaml_parser_update_buffer` does.
pub(crate) fn decode(input: &[u8]) -> Decoded {
    let (encoding, start) = if input.starts_with(&[0xFF, 0xFE]) {
        (Encoding::Utf16Le, 2)
    } else if input.starts_with(&[0xFE, 0xFF]) {
        (Encoding::Utf16Be, 2)
    } else if input.starts_with(&[0xEF, 0xBB, 0xBF]) {
        (Encoding::Utf8, 3)
    } else {
        (Encoding::Utf8, 0)
    };
    let mut chars = Vec::with_capacity(input.len());
    // The first chunk is what the encoding check read: the first 512 bytes, the mark included.
    let mut chunk_end = input.len().min(RAW_CHUNK);
    let mut pos = start;
    loop {
        let before = chars.len();
        // A data chunk never knows it is the last: only the next, empty read sets EOF.
        match decode_chunk(&input[..chunk_end], &mut pos, encoding, &mut chars, false) {
            Ok(()) => {}
            Err(problem) => {
                return Decoded {
                    chars,
                    limit: Some((before, problem)),
                };
            }
        }
        if chunk_end == input.len() {
            if pos == input.len() {
                return Decoded { chars, limit: None };
            }
            // An incomplete character at the very end: the next read finds EOF and reports it.
            let before = chars.len();
            let problem = match decode_chunk(input, &mut pos, encoding, &mut chars, true) {
                Err(problem) => problem,
                Ok(()) => "incomplete UTF-8 octet sequence",
            };
            return Decoded {
                chars,
                limit: Some((before, problem)),
            };
        }
        // The leftover of an incomplete character moves to the front; the rest of the 512 is read.
        let leftover = chunk_end - pos;
        chunk_end = (chunk_end + RAW_CHUNK - leftover).min(input.len());
    }
}

/// Decodes the complete characters of `raw[*pos..]`; an incomplete one is left unless `eof`.
fn decode_chunk(
    raw: &[u8],
    pos: &mut usize,
    encoding: Encoding,
    out: &mut Vec<char>,
    eof: bool,
) -> Result<(), &'static str> {
    while *pos < raw.len() {
        let unread = raw.len() - *pos;
        let (value, width) = match encoding {
            Encoding::Utf8 => {
                let octet = raw[*pos];
                let width = match octet {
                    o if o & 0x80 == 0 => 1,
                    o if o & 0xE0 == 0xC0 => 2,
                    o if o & 0xF0 == 0xE0 => 3,
                    o if o & 0xF8 == 0xF0 => 4,
                    _ => return Err("invalid leading UTF-8 octet"),
                };
                if width > unread {
                    if eof {
                        return Err("incomplete UTF-8 octet sequence");
                    }
                    return Ok(());
                }
                let mut value = u32::from(match width {
                    1 => octet & 0x7F,
                    2 => octet & 0x1F,
                    3 => octet & 0x0F,
                    _ => octet & 0x07,
                });
                for k in 1..width {
                    let trailing = raw[*pos + k];
                    if trailing & 0xC0 != 0x80 {
                        return Err("invalid trailing UTF-8 octet");
                    }
                    value = (value << 6) + u32::from(trailing & 0x3F);
                }
                let shortest = match width {
                    1 => true,
                    2 => value >= 0x80,
                    3 => value >= 0x800,
                    _ => value >= 0x10000,
                };
                if !shortest {
                    return Err("invalid length of a UTF-8 sequence");
                }
                if (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
                    return Err("invalid Unicode character");
                }
                (value, width)
            }
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let unit = |at: usize| {
                    let (low, high) = if encoding == Encoding::Utf16Le {
                        (raw[at], raw[at + 1])
                    } else {
                        (raw[at + 1], raw[at])
                    };
                    u32::from(low) + (u32::from(high) << 8)
                };
                if unread < 2 {
                    if eof {
                        return Err("incomplete UTF-16 character");
                    }
                    return Ok(());
                }
                let value = unit(*pos);
                if value & 0xFC00 == 0xDC00 {
                    return Err("unexpected low surrogate area");
                }
                if value & 0xFC00 == 0xD800 {
                    if unread < 4 {
                        if eof {
                            return Err("incomplete UTF-16 surrogate pair");
                        }
                        return Ok(());
                    }
                    let second = unit(*pos + 2);
                    if second & 0xFC00 != 0xDC00 {
                        return Err("expected low surrogate area");
                    }
                    (0x10000 + ((value & 0x3FF) << 10) + (second & 0x3FF), 4)
                } else {
                    (value, 2)
                }
            }
        };
        let allowed = matches!(value, 0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
        if !allowed {
            return Err("control characters are not allowed");
        }
        // Every allowed value is a scalar value, so the conversion cannot fail.
        out.push(char::from_u32(value).unwrap_or('\u{FFFD}'));
        *pos += width;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_byte_is_reported_from_its_chunk_on() {
        let decoded = decode(b"a: b\n");
        assert_eq!(decoded.chars.len(), 5);
        assert!(decoded.limit.is_none());
        let mut body = vec![b'a'; 600];
        body[550] = 0xFF;
        let decoded = decode(&body);
        assert_eq!(decoded.limit, Some((512, "invalid leading UTF-8 octet")));
        assert_eq!(
            decode(b"a\x01").limit,
            Some((0, "control characters are not allowed"))
        );
        assert_eq!(
            decode(b"ab\xC3").limit,
            Some((2, "incomplete UTF-8 octet sequence"))
        );
    }

    #[test]
    fn the_byte_order_mark_picks_the_encoding() {
        assert_eq!(decode(b"\xEF\xBB\xBFa").chars, vec!['a']);
        assert_eq!(decode(b"\xFF\xFEa\x00").chars, vec!['a']);
        assert_eq!(decode(b"\xFE\xFF\x00a").chars, vec!['a']);
    }

    #[test]
    fn a_character_split_across_chunks_is_carried_over() {
        let mut body = vec![b'a'; 511];
        body.extend_from_slice("é".as_bytes());
        let decoded = decode(&body);
        assert!(decoded.limit.is_none());
        assert_eq!(decoded.chars.last(), Some(&'é'));
    }
}
