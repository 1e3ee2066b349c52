//! Decoding valid values from one `u64` each: the fast path behind the valid strategies.
//!
//! A strategy per character or per choice builds hundreds of value trees per object, which caps
//! generation at about 15k objects per second. Instead each leaf (a name, an address, a port) is one
//! shrinkable `u64` decoded here. Choices read the low bits of the number, so a number shrunk to 0 decodes
//! to the simplest value (first word, no optional fields); longer random text comes from a SplitMix64
//! stream seeded by the number.

use crate::ip::{self, V6Style};
use crate::names::{
    ANNOTATION_CHARS, LABEL_ALPHABET, NAME_PART_ALPHABET, WORDS, truncate_subdomain,
};

/// A reader of choices from one number.
pub(crate) struct Draw {
    bits: u64,
    rng: u64,
}

impl Draw {
    pub(crate) fn new(n: u64) -> Draw {
        Draw { bits: n, rng: n }
    }

    /// The next `k` low bits of the number (0 once they are used up).
    pub(crate) fn bits(&mut self, k: u32) -> u64 {
        let v = self.bits & ((1u64 << k) - 1);
        self.bits = self.bits.checked_shr(k).unwrap_or(0);
        v
    }

    /// A choice in `0..n` from `k` bits.
    pub(crate) fn below(&mut self, k: u32, n: usize) -> usize {
        (self.bits(k) % n as u64) as usize
    }

    /// True for `hits` of the `2^k` values of the next `k` bits, never for 0.
    pub(crate) fn flag(&mut self, k: u32, hits: u64) -> bool {
        self.bits(k) >= (1u64 << k) - hits
    }

    /// The next number of the SplitMix64 stream.
    pub(crate) fn rand(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A nested draw for a sub-value, seeded from the stream.
    pub(crate) fn sub(&mut self) -> Draw {
        Draw::new(self.rand())
    }

    fn pick<'a, T>(&mut self, k: u32, items: &'a [T]) -> &'a T {
        &items[self.below(k, items.len())]
    }
}

fn random_from(d: &mut Draw, alphabet: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut r = 0u64;
    for i in 0..len {
        if i % 8 == 0 {
            r = d.rand();
        }
        out.push(alphabet[((r & 0xff) as usize) % alphabet.len()]);
        r >>= 8;
    }
    out
}

fn ends_alnum(mut s: Vec<u8>) -> String {
    let last = s.len().saturating_sub(1);
    for i in [0, last] {
        if !s[i].is_ascii_alphanumeric() {
            s[i] = b'a';
        }
    }
    // Only ASCII bytes from the alphabets above.
    String::from_utf8(s).unwrap_or_default()
}

/// A DNS-1123 label (1 to 63 characters).
pub(crate) fn dns_label(d: &mut Draw) -> String {
    if d.flag(4, 1) {
        let len = 1 + (d.rand() % 63) as usize;
        return ends_alnum(random_from(d, LABEL_ALPHABET, len));
    }
    let mut s = String::from(*d.pick(6, WORDS));
    if d.flag(2, 1) {
        s.push('-');
        let word: &&str = d.pick(6, WORDS);
        s.push_str(word);
    }
    if d.flag(2, 1) {
        s.push('-');
        s.push_str(&d.below(10, 1000).to_string());
    }
    s
}

/// A DNS-1123 subdomain (1 to 253 characters).
pub(crate) fn dns_subdomain(d: &mut Draw) -> String {
    if d.flag(4, 1) {
        let n = 1 + d.below(3, 5);
        let labels: Vec<String> = (0..n)
            .map(|_| {
                let len = 1 + (d.rand() % 63) as usize;
                ends_alnum(random_from(d, LABEL_ALPHABET, len))
            })
            .collect();
        return truncate_subdomain(labels.join("."), 253);
    }
    let n = 1 + d.below(2, 3).min(d.below(2, 3));
    let labels: Vec<String> = (0..n).map(|_| dns_label(&mut d.sub())).collect();
    labels.join(".")
}

/// A qualified-name name part (1 to 63 characters).
pub(crate) fn name_part(d: &mut Draw) -> String {
    const COMMON: &[&str] = &[
        "app",
        "name",
        "version",
        "tier",
        "component",
        "part-of",
        "managed-by",
        "MyName",
        "my.name",
        "123-abc",
        "h2c",
        "ws",
        "wss",
        "http",
        "HTTP",
        "grpc",
        "team_a",
        "Release.Stage",
        "x",
    ];
    if d.flag(3, 1) {
        let len = 1 + (d.rand() % 63) as usize;
        return ends_alnum(random_from(d, NAME_PART_ALPHABET, len));
    }
    (*d.pick(5, COMMON)).to_owned()
}

/// A qualified name: optional DNS-subdomain prefix and `/`, then a name part.
pub(crate) fn qualified_name(d: &mut Draw) -> String {
    const PREFIXES: &[&str] = &[
        "app.kubernetes.io",
        "kubernetes.io",
        "example.com",
        "mycompany.com",
        "k8s.io",
        "endpoints.kubernetes.io",
    ];
    let prefix = match d.bits(3) {
        0..=4 => None,
        5 | 6 => Some((*d.pick(3, PREFIXES)).to_owned()),
        _ => Some(dns_subdomain(&mut d.sub())),
    };
    let name = name_part(&mut d.sub());
    match prefix {
        Some(p) => format!("{p}/{name}"),
        None => name,
    }
}

/// A label value: empty or a name part.
pub(crate) fn label_value(d: &mut Draw) -> String {
    if d.flag(3, 1) {
        String::new()
    } else {
        name_part(&mut d.sub())
    }
}

/// Free annotation text.
pub(crate) fn annotation_value(d: &mut Draw) -> String {
    const COMMON: &[&str] = &[
        "true",
        "",
        "2026-11-27T13:00:00Z",
        "{\"replicas\":3}",
        "line one\nline two",
        "ünïcødé ✓",
        "https://example.com/x?y=1",
    ];
    if d.flag(2, 2) {
        let len = (d.rand() % 48) as usize;
        return (0..len)
            .map(|_| ANNOTATION_CHARS[(d.rand() % ANNOTATION_CHARS.len() as u64) as usize])
            .collect();
    }
    (*d.pick(3, COMMON)).to_owned()
}

/// A `generateName`: a subdomain, usually followed by `-`.
pub(crate) fn generate_name(d: &mut Draw) -> String {
    let dash = !d.flag(3, 1);
    let mut s = truncate_subdomain(dns_subdomain(&mut d.sub()), 250);
    if dash {
        s.push('-');
    }
    s
}

fn v4_octets(d: &mut Draw) -> [u8; 4] {
    let r = d.rand().to_le_bytes();
    match d.bits(3) {
        0..=2 => [10, r[0], r[1], r[2].max(1)],
        3 | 4 => [192, 168, r[0], r[1].max(1)],
        5 => [172, 16 + r[0] % 16, r[1], r[2]],
        _ => ip::fix_v4([r[0], r[1], r[2], r[3]]),
    }
}

fn v6_groups(d: &mut Draw) -> [u16; 8] {
    let a = d.rand();
    let b = d.rand();
    let g = |x: u64, i: u32| (x >> (16 * i)) as u16;
    match d.bits(3) {
        0..=2 => [0x2001, 0x0db8, g(a, 0), 0, 0, 0, g(a, 1), g(a, 2) & 0xff],
        3 | 4 => [
            0xfd00 | (g(a, 0) & 0xff),
            g(a, 1),
            g(a, 2),
            g(a, 3),
            0,
            0,
            0,
            g(b, 0).max(1),
        ],
        _ => ip::fix_v6([
            g(a, 0),
            g(a, 1),
            g(a, 2),
            g(a, 3),
            g(b, 0),
            g(b, 1),
            g(b, 2),
            g(b, 3),
        ]),
    }
}

/// A valid IPv4 address.
pub(crate) fn valid_v4(d: &mut Draw) -> String {
    ip::v4_text(v4_octets(d))
}

/// A valid IPv6 address, canonical.
pub(crate) fn valid_v6(d: &mut Draw) -> String {
    ip::v6_canonical(v6_groups(d))
}

/// A valid IPv6 address in an accepted non-canonical spelling.
pub(crate) fn valid_v6_noncanonical(d: &mut Draw) -> String {
    const STYLES: &[V6Style] = &[
        V6Style::Upper,
        V6Style::ZeroPadded,
        V6Style::Full,
        V6Style::FullPaddedUpper,
        V6Style::DottedTail,
    ];
    let style = *d.pick(3, STYLES);
    ip::v6_styled(v6_groups(d), style)
}

/// IPv4 with leading zeros (accepted before 1.36).
pub(crate) fn leading_zero_v4(d: &mut Draw) -> String {
    let mask = d.bits(4) as u8;
    ip::leading_zero_text(v4_octets(d), mask)
}

/// IPv4-mapped IPv6 (accepted before 1.36).
pub(crate) fn mapped_v6(d: &mut Draw) -> String {
    let style = d.bits(2) as u8;
    ip::mapped_text(v4_octets(d), style)
}

/// A UUID-shaped uid.
pub(crate) fn uid(d: &mut Draw) -> String {
    let h = format!("{:016x}{:016x}", d.rand(), d.rand());
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_decodes_to_the_simplest_values() {
        assert_eq!(dns_label(&mut Draw::new(0)), "web");
        assert_eq!(name_part(&mut Draw::new(0)), "app");
        assert!(!qualified_name(&mut Draw::new(0)).contains('/'));
        assert!(!valid_v4(&mut Draw::new(0)).is_empty());
    }

    #[test]
    fn bits_run_out_to_zero() {
        let mut d = Draw::new(u64::MAX);
        assert_eq!(d.bits(60), (1 << 60) - 1);
        assert_eq!(d.bits(8), 0x0f);
        assert_eq!(d.bits(8), 0);
    }
}
