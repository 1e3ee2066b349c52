//! IP parsing with Go's semantics, as Kubernetes uses it.
//!
//! kube-apiserver parses Endpoints IPs with `netutils.ParseIPSloppy`, a copy of Go 1.16's `net.ParseIP`
//! that accepts IPv4 octets with leading zeros (`010.1.1.1` is 10.1.1.1; Go 1.17+ `net.ParseIP` rejects them).
//! Zones, CIDRs and brackets are rejected. The strict form (1.36, `StrictIPCIDRValidation`) additionally
//! requires that Go's `netip.ParseAddr` accepts the text, which rejects leading zeros in IPv4 octets and
//! IPv6 groups of more than four digits, and it rejects IPv4-mapped IPv6 addresses.

/// A parsed address in Go's 16-byte form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoIp {
    /// The 16-byte form (IPv4 as `::ffff:a.b.c.d`, as Go stores it).
    pub bytes: [u8; 16],
    /// True when the text was IPv6 notation (contains ':').
    pub v6_notation: bool,
}

const BIG: u32 = 0x00FF_FFFF;

fn dtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n * 10 + u32::from(s[i] - b'0');
        if n >= BIG {
            return None;
        }
        i += 1;
    }
    if i == 0 { None } else { Some((n, i)) }
}

fn xtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() {
        let digit = match s[i] {
            b @ b'0'..=b'9' => u32::from(b - b'0'),
            b @ b'a'..=b'f' => u32::from(b - b'a') + 10,
            b @ b'A'..=b'F' => u32::from(b - b'A') + 10,
            _ => break,
        };
        n = n * 16 + digit;
        if n >= BIG {
            return None;
        }
        i += 1;
    }
    if i == 0 { None } else { Some((n, i)) }
}

fn parse_ipv4(mut s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    for (i, slot) in out.iter_mut().enumerate() {
        if s.is_empty() {
            return None;
        }
        if i > 0 {
            if s[0] != b'.' {
                return None;
            }
            s = &s[1..];
        }
        let (n, consumed) = dtoi(s)?;
        if n > 0xFF {
            return None;
        }
        s = &s[consumed..];
        *slot = u8::try_from(n).ok()?;
    }
    if s.is_empty() { Some(out) } else { None }
}

fn parse_ipv6(mut s: &[u8]) -> Option<[u8; 16]> {
    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;
    if s.len() >= 2 && s[0] == b':' && s[1] == b':' {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Some(ip);
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, c) = xtoi(s)?;
        if n > 0xFFFF {
            return None;
        }
        if c < s.len() && s[c] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return None;
            }
            if i + 4 > 16 {
                return None;
            }
            let v4 = parse_ipv4(s)?;
            ip[i..i + 4].copy_from_slice(&v4);
            s = &[];
            i += 4;
            break;
        }
        ip[i] = (n >> 8) as u8;
        ip[i + 1] = (n & 0xFF) as u8;
        i += 2;
        s = &s[c..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' || s.len() == 1 {
            return None;
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if i < 16 {
        let e = ellipsis?;
        let n = 16 - i;
        for j in (e..i).rev() {
            ip[j + n] = ip[j];
        }
        for slot in ip.iter_mut().skip(e).take(n) {
            *slot = 0;
        }
    } else if ellipsis.is_some() {
        return None;
    }
    Some(ip)
}

/// `netutils.ParseIPSloppy`: `None` when Go would return nil.
pub fn parse_ip_sloppy(s: &str) -> Option<GoIp> {
    for &b in s.as_bytes() {
        match b {
            b'.' => {
                let v4 = parse_ipv4(s.as_bytes())?;
                let mut bytes = [0u8; 16];
                bytes[10] = 0xff;
                bytes[11] = 0xff;
                bytes[12..].copy_from_slice(&v4);
                return Some(GoIp {
                    bytes,
                    v6_notation: false,
                });
            }
            b':' => {
                return parse_ipv6(s.as_bytes()).map(|bytes| GoIp {
                    bytes,
                    v6_notation: true,
                });
            }
            _ => {}
        }
    }
    None
}

/// True when Go's `netip.ParseAddr` would also accept a text that `parse_ip_sloppy` accepted:
/// no IPv4 octet with a leading zero and no IPv6 group longer than four digits.
pub fn strict_parse_accepts(s: &str) -> bool {
    if parse_ip_sloppy(s).is_none() {
        return false;
    }
    let (v6_part, v4_part) = match s.rfind(':') {
        Some(colon) => {
            let tail = &s[colon + 1..];
            if tail.contains('.') {
                (&s[..colon], Some(tail))
            } else {
                (s, None)
            }
        }
        None => ("", Some(s)),
    };
    let v6_ok = v6_part.split(':').all(|group| group.len() <= 4);
    let v4_ok = v4_part.is_none_or(|v4| {
        v4.split('.')
            .all(|octet| octet == "0" || !octet.starts_with('0'))
    });
    v6_ok && v4_ok
}

impl GoIp {
    /// Go's `To4()`: the IPv4 address for IPv4 and IPv4-mapped IPv6 forms.
    pub fn to4(&self) -> Option<[u8; 4]> {
        let b = &self.bytes;
        if b[..10].iter().all(|&x| x == 0) && b[10] == 0xff && b[11] == 0xff {
            Some([b[12], b[13], b[14], b[15]])
        } else {
            None
        }
    }

    /// True for an IPv4-mapped IPv6 address written in IPv6 notation (`::ffff:10.1.1.1`).
    pub fn is_4in6(&self) -> bool {
        self.v6_notation && self.to4().is_some()
    }

    /// Go's `IsUnspecified`.
    pub fn is_unspecified(&self) -> bool {
        match self.to4() {
            Some(v4) => v4 == [0, 0, 0, 0],
            None => self.bytes == [0u8; 16],
        }
    }

    /// Go's `IsLoopback`.
    pub fn is_loopback(&self) -> bool {
        match self.to4() {
            Some(v4) => v4[0] == 127,
            None => self.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        }
    }

    /// Go's `IsLinkLocalUnicast`.
    pub fn is_link_local_unicast(&self) -> bool {
        match self.to4() {
            Some(v4) => v4[0] == 169 && v4[1] == 254,
            None => self.bytes[0] == 0xfe && self.bytes[1] & 0xc0 == 0x80,
        }
    }

    /// Go's `IsLinkLocalMulticast`.
    pub fn is_link_local_multicast(&self) -> bool {
        match self.to4() {
            Some(v4) => v4[0] == 224 && v4[1] == 0 && v4[2] == 0,
            None => self.bytes[0] == 0xff && self.bytes[1] & 0x0f == 0x02,
        }
    }

    /// Go's `IP.String()` (used for the canonical forms in warnings).
    pub fn to_go_string(&self) -> String {
        if let Some(v4) = self.to4() {
            return format!("{}.{}.{}.{}", v4[0], v4[1], v4[2], v4[3]);
        }
        std::net::Ipv6Addr::from(self.bytes).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloppy_parse_matches_go_1_16() {
        assert!(parse_ip_sloppy("010.010.001.001").is_some());
        assert_eq!(
            parse_ip_sloppy("010.1.1.1").unwrap().to4(),
            Some([10, 1, 1, 1])
        );
        for bad in [
            "",
            "foo",
            "1.2.3.4/24",
            "[::1]",
            "fe80::1%eth0",
            "127.1",
            "1.2.3.256",
            "1::2::3",
            ":::",
            "1.2.3.4.5",
        ] {
            assert!(parse_ip_sloppy(bad).is_none(), "{bad}");
        }
        for good in [
            "::",
            "::1",
            "2001:DB8::1",
            "::ffff:10.1.1.1",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "00001::1",
        ] {
            assert!(parse_ip_sloppy(good).is_some(), "{good}");
        }
        assert!(
            parse_ip_sloppy("1:2:3:4:5:6:7:8::").is_none(),
            "ellipsis must stand for at least one group"
        );
    }

    #[test]
    fn strict_parse_rejects_leading_zeros() {
        assert!(!strict_parse_accepts("010.1.1.1"));
        assert!(!strict_parse_accepts("::ffff:010.1.1.1"));
        assert!(!strict_parse_accepts("00001::1"));
        assert!(strict_parse_accepts("10.0.0.1"));
        assert!(strict_parse_accepts("2001:0db8::1"));
    }

    #[test]
    fn special_ranges_treat_mapped_addresses_as_ipv4() {
        let mapped = parse_ip_sloppy("::ffff:127.0.0.1").unwrap();
        assert!(mapped.is_4in6() && mapped.is_loopback());
        assert!(parse_ip_sloppy("0.0.0.0").unwrap().is_unspecified());
        assert!(parse_ip_sloppy("::").unwrap().is_unspecified());
        assert!(parse_ip_sloppy("fe80::1").unwrap().is_link_local_unicast());
        assert!(
            parse_ip_sloppy("ff12::1")
                .unwrap()
                .is_link_local_multicast()
        );
        assert!(
            !parse_ip_sloppy("ff05::1")
                .unwrap()
                .is_link_local_multicast()
        );
        assert!(
            !parse_ip_sloppy("239.1.1.1")
                .unwrap()
                .is_link_local_multicast()
        );
        assert_eq!(
            parse_ip_sloppy("2001:DB8::1").unwrap().to_go_string(),
            "2001:db8::1"
        );
        assert_eq!(
            parse_ip_sloppy("010.010.001.001").unwrap().to_go_string(),
            "10.10.1.1"
        );
    }
}
