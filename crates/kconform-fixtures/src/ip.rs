//! IP address strategies: the valid forms (canonical and accepted non-canonical), the legacy forms only
//! accepted before 1.36, and the addresses in each rejected special range.
//!
//! kube-apiserver rejects exactly four ranges for endpoint IPs (unspecified, loopback, link-local unicast,
//! link-local multicast; §2.2 A5–A8) and, from 1.36, IPv4 with leading zeros and IPv4-mapped IPv6.
//! Everything else that parses is valid, including broadcast, global multicast and `0.x.y.z`.

use proptest::prelude::*;
use proptest::sample::select;

/// An IPv4 address as four octets, moved out of the rejected ranges.
pub(crate) fn fix_v4(mut o: [u8; 4]) -> [u8; 4] {
    if o[0] == 127 {
        o[0] = 126;
    }
    if o[0] == 169 && o[1] == 254 {
        o[1] = 253;
    }
    if o[0] == 224 && o[1] == 0 && o[2] == 0 {
        o[2] = 1;
    }
    if o == [0, 0, 0, 0] {
        o[3] = 1;
    }
    o
}

pub(crate) fn v4_text(o: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])
}

/// Octets of a valid IPv4 address, biased towards the ranges clusters use.
pub(crate) fn valid_v4_octets() -> BoxedStrategy<[u8; 4]> {
    prop_oneof![
        3 => (any::<u8>(), any::<u8>(), 1u8..=254).prop_map(|(b, c, d)| [10, b, c, d]),
        2 => (any::<u8>(), 1u8..=254).prop_map(|(c, d)| [192, 168, c, d]),
        1 => (16u8..=31, any::<u8>(), any::<u8>()).prop_map(|(b, c, d)| [172, b, c, d]),
        3 => any::<[u8; 4]>().prop_map(fix_v4),
    ]
    .boxed()
}

/// A valid IPv4 address in canonical dotted-decimal form.
pub(crate) fn valid_v4() -> BoxedStrategy<String> {
    valid_v4_octets().prop_map(v4_text).boxed()
}

/// Moves eight IPv6 groups out of the rejected ranges and out of the IPv4-mapped block.
pub(crate) fn fix_v6(mut g: [u16; 8]) -> [u16; 8] {
    if g[..7].iter().all(|&x| x == 0) && g[7] <= 1 {
        // `::` and `::1`.
        g[7] = 2;
    }
    if g[0] & 0xffc0 == 0xfe80 {
        g[0] = 0xfec0 | (g[0] & 0x003f);
    }
    if g[0] & 0xff00 == 0xff00 && g[0] & 0x000f == 0x0002 {
        g[0] ^= 0x0001;
    }
    if g[..5].iter().all(|&x| x == 0) && g[5] == 0xffff {
        g[5] = 0xfffe;
    }
    g
}

/// Groups of a valid IPv6 address.
pub(crate) fn valid_v6_groups() -> BoxedStrategy<[u16; 8]> {
    prop_oneof![
        3 => (any::<u16>(), any::<u16>(), 0u16..=0xff).prop_map(|(a, b, c)| [0x2001, 0x0db8, a, 0, 0, 0, b, c]),
        2 => (any::<[u16; 4]>(), 1u16..=0xffff).prop_map(|(h, z)| [0xfd00 | (h[0] & 0xff), h[1], h[2], h[3], 0, 0, 0, z]),
        2 => any::<[u16; 8]>().prop_map(fix_v6),
    ]
    .boxed()
}

/// RFC 5952 canonical text: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`.
pub(crate) fn v6_canonical(g: [u16; 8]) -> String {
    let (start, len) = longest_zero_run(&g);
    if len < 2 {
        return g
            .iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":");
    }
    let head: Vec<String> = g[..start].iter().map(|x| format!("{x:x}")).collect();
    let tail: Vec<String> = g[start + len..].iter().map(|x| format!("{x:x}")).collect();
    format!("{}::{}", head.join(":"), tail.join(":"))
}

fn longest_zero_run(g: &[u16; 8]) -> (usize, usize) {
    let (mut best, mut best_len, mut i) = (0, 0, 0);
    while i < 8 {
        if g[i] == 0 {
            let start = i;
            while i < 8 && g[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    (best, best_len)
}

/// The non-canonical spellings every version accepts (§2.2 A4).
#[derive(Debug, Clone, Copy)]
pub(crate) enum V6Style {
    Upper,
    ZeroPadded,
    Full,
    FullPaddedUpper,
    DottedTail,
}

pub(crate) fn v6_styled(g: [u16; 8], style: V6Style) -> String {
    match style {
        V6Style::Upper => v6_canonical(g).to_uppercase(),
        V6Style::ZeroPadded => {
            let (start, len) = longest_zero_run(&g);
            let pad = |s: &[u16]| {
                s.iter()
                    .map(|x| format!("{x:04x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            };
            if len < 2 {
                pad(&g)
            } else {
                format!("{}::{}", pad(&g[..start]), pad(&g[start + len..]))
            }
        }
        V6Style::Full => g
            .iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":"),
        V6Style::FullPaddedUpper => g
            .iter()
            .map(|x| format!("{x:04X}"))
            .collect::<Vec<_>>()
            .join(":"),
        V6Style::DottedTail => {
            let head: Vec<String> = g[..6].iter().map(|x| format!("{x:x}")).collect();
            let [a, b] = g[6].to_be_bytes();
            let [c, d] = g[7].to_be_bytes();
            format!("{}:{a}.{b}.{c}.{d}", head.join(":"))
        }
    }
}

/// A valid IPv6 address in canonical form.
pub(crate) fn valid_v6() -> BoxedStrategy<String> {
    valid_v6_groups().prop_map(v6_canonical).boxed()
}

/// IPv4 text with the octets chosen by `mask` zero-padded to three digits.
pub(crate) fn leading_zero_text(o: [u8; 4], mask: u8) -> String {
    let mask = if mask & 0x0f == 0 { 1 } else { mask & 0x0f };
    let mut padded_any = false;
    let parts: Vec<String> = o
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if mask & (1 << i) != 0 && x < 100 {
                padded_any = true;
                format!("{x:03}")
            } else {
                x.to_string()
            }
        })
        .collect();
    let mut text = parts.join(".");
    if !padded_any {
        // Every chosen octet had three digits: a leading zero is still accepted by the old parser.
        text.insert(0, '0');
    }
    text
}

/// IPv4-mapped IPv6 text in one of three spellings.
pub(crate) fn mapped_text(o: [u8; 4], style: u8) -> String {
    match style % 3 {
        0 => format!("::ffff:{}", v4_text(o)),
        1 => format!("::FFFF:{}", v4_text(o)),
        _ => format!(
            "::ffff:{:x}:{:x}",
            u16::from_be_bytes([o[0], o[1]]),
            u16::from_be_bytes([o[2], o[3]])
        ),
    }
}

/// IPv4 with leading zeros (`010.001.2.3`): accepted before 1.36 (§2.2 A2).
pub(crate) fn legacy_leading_zero_v4() -> BoxedStrategy<String> {
    (valid_v4_octets(), 1u8..16)
        .prop_map(|(o, mask)| leading_zero_text(o, mask))
        .boxed()
}

/// IPv4-mapped IPv6 (`::ffff:10.1.2.3`): accepted before 1.36 (§2.2 A3).
pub(crate) fn legacy_mapped_v6() -> BoxedStrategy<String> {
    (valid_v4_octets(), 0u8..3)
        .prop_map(|(o, style)| mapped_text(o, style))
        .boxed()
}

/// Strings no IP parser accepts (§2.2 A1).
pub(crate) fn unparseable() -> BoxedStrategy<String> {
    prop_oneof![
        2 => select(&["", "foo", "1.2.3.4/24", "[::1]", "fe80::1%eth0", "127.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1:2:3:4:5:6:7:8:9", ":::", "10.1.2.3 ", "localhost", "-1.2.3.4"][..])
            .prop_map(str::to_owned),
        1 => (valid_v4(), 0u8..=32).prop_map(|(ip, bits)| format!("{ip}/{bits}")),
        1 => valid_v6().prop_map(|ip| format!("[{ip}]")),
        1 => (valid_v4_octets(), 256u16..1000).prop_map(|(o, big)| format!("{}.{}.{}.{big}", o[0], o[1], o[2])),
        1 => proptest::collection::vec(select(&['g', 'k', 'o', 'q', 'u', 'x', 'z', '-'][..]), 1..12)
            .prop_map(|c| c.into_iter().collect::<String>()),
    ]
    .boxed()
}

/// `0.0.0.0` and `::` spellings (§2.2 A5).
pub(crate) fn unspecified() -> BoxedStrategy<String> {
    select(
        &[
            "0.0.0.0",
            "::",
            "0:0:0:0:0:0:0:0",
            "::0",
            "0::0",
            "0000:0000:0000:0000:0000:0000:0000:0000",
        ][..],
    )
    .prop_map(str::to_owned)
    .boxed()
}

/// 127.0.0.0/8 and `::1` (§2.2 A6).
pub(crate) fn loopback() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(b, c, d)| format!("127.{b}.{c}.{d}")),
        1 => select(&["::1", "0:0:0:0:0:0:0:1", "::0001", "0000::1"][..]).prop_map(str::to_owned),
    ]
    .boxed()
}

/// 169.254.0.0/16 and fe80::/10 (§2.2 A7).
pub(crate) fn link_local() -> BoxedStrategy<String> {
    prop_oneof![
        1 => (any::<u8>(), any::<u8>()).prop_map(|(c, d)| format!("169.254.{c}.{d}")),
        1 => (0u16..0x40, any::<[u16; 7]>()).prop_map(|(low, rest)| {
            let mut g = [0u16; 8];
            g[0] = 0xfe80 | low;
            g[1..].copy_from_slice(&rest);
            v6_canonical(g)
        }),
    ]
    .boxed()
}

/// 224.0.0.0/24 and IPv6 `ffX2::/16` (§2.2 A8).
pub(crate) fn link_local_multicast() -> BoxedStrategy<String> {
    prop_oneof![
        1 => any::<u8>().prop_map(|d| format!("224.0.0.{d}")),
        1 => (0u16..16, any::<[u16; 7]>()).prop_map(|(flags, rest)| {
            let mut g = [0u16; 8];
            g[0] = 0xff02 | (flags << 4);
            g[1..].copy_from_slice(&rest);
            v6_canonical(g)
        }),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_follows_rfc5952() {
        assert_eq!(
            v6_canonical([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]),
            "2001:db8::1"
        );
        assert_eq!(v6_canonical([1, 0, 2, 0, 0, 3, 0, 0]), "1:0:2::3:0:0");
        assert_eq!(v6_canonical([1, 2, 3, 4, 5, 6, 0, 8]), "1:2:3:4:5:6:0:8");
        assert_eq!(v6_canonical([0, 0, 0, 0, 0, 0, 0, 2]), "::2");
        assert_eq!(
            v6_styled([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], V6Style::ZeroPadded),
            "2001:0db8::0001"
        );
        assert_eq!(
            v6_styled(
                [0x64, 0xff9b, 0, 0, 0, 0, 0x0a01, 0x0203],
                V6Style::DottedTail
            ),
            "64:ff9b:0:0:0:0:10.1.2.3"
        );
    }

    #[test]
    fn special_ranges_are_moved_out() {
        assert_eq!(fix_v4([127, 0, 0, 1]), [126, 0, 0, 1]);
        assert_eq!(fix_v4([0, 0, 0, 0]), [0, 0, 0, 1]);
        assert_eq!(fix_v4([224, 0, 0, 5]), [224, 0, 1, 5]);
        assert_eq!(fix_v6([0xfe80, 0, 0, 0, 0, 0, 0, 1])[0], 0xfec0);
        assert_eq!(fix_v6([0xff12, 0, 0, 0, 0, 0, 0, 1])[0], 0xff13);
        assert_eq!(fix_v6([0; 8]), [0, 0, 0, 0, 0, 0, 0, 2]);
    }
}
