//! HTTP `Warning` headers kube-apiserver sends for Endpoints (behaviour document §2.6, §7).

use serde_json::Value;

use crate::ip::{parse_ip_sloppy, strict_parse_accepts};
use crate::version::K8sVersion;

/// The deprecation warning text (1.33+), attached to every Endpoints route.
pub const DEPRECATION_TEXT: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// The label value that makes the server skip IP warnings (the endpoints controller's own writes).
pub const MANAGED_BY_CONTROLLER: (&str, &str) =
    ("endpoints.kubernetes.io/managed-by", "endpoint-controller");

/// The deprecation warning text for version `v`, or `None` before 1.33.
pub fn deprecation_warning(v: K8sVersion) -> Option<&'static str> {
    v.at_least(33).then_some(DEPRECATION_TEXT)
}

/// `GetWarningsForIP` for one value; empty for unparseable or standard IPs.
pub fn ip_warning(field: &str, value: &str) -> Option<String> {
    let ip = parse_ip_sloppy(value)?;
    if !strict_parse_accepts(value) || ip.is_4in6() {
        return Some(format!(
            "{field}: non-standard IP address {} will be considered invalid in a future Kubernetes release: use {}",
            crate::gotext::go_quote(value),
            crate::gotext::go_quote(&ip.to_go_string())
        ));
    }
    if ip.v6_notation {
        let canonical = std::net::Ipv6Addr::from(ip.bytes).to_string();
        if canonical != value {
            return Some(format!(
                "{field}: IPv6 address {} should be in RFC 5952 canonical format ({})",
                crate::gotext::go_quote(value),
                crate::gotext::go_quote(&canonical)
            ));
        }
    }
    None
}

/// The IP warnings W1 (leading zeros, IPv4-mapped IPv6) and W2 (non-canonical IPv6) for every address, 1.33+.
///
/// kube-apiserver adds them only after validation passed (`WarningsOnCreate/Update`), and skips them when the
/// object carries `endpoints.kubernetes.io/managed-by: endpoint-controller`.
pub fn ip_warnings(obj: &Value, v: K8sVersion) -> Vec<String> {
    if !v.at_least(33) {
        return Vec::new();
    }
    let managed_by = obj
        .pointer("/metadata/labels")
        .and_then(|l| l.get(MANAGED_BY_CONTROLLER.0))
        .and_then(Value::as_str);
    if managed_by == Some(MANAGED_BY_CONTROLLER.1) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let subsets = obj
        .get("subsets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (i, subset) in subsets.iter().enumerate() {
        for list in ["addresses", "notReadyAddresses"] {
            let addresses = subset
                .get(list)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for (j, address) in addresses.iter().enumerate() {
                let ip = address.get("ip").and_then(Value::as_str).unwrap_or("");
                if let Some(w) = ip_warning(&format!("subsets[{i}].{list}[{j}].ip"), ip) {
                    out.push(w);
                }
            }
        }
    }
    out
}

/// `NewWarningHeader(299, "-", text)`: `299 - "<text>"` with `"` and `\` escaped.
pub fn header_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str("299 - \"");
    for ch in text.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// Collects warnings like apiserver's `filters/warning.go` recorder: dedup by text, and once the total
/// exceeds 4096 runes, every warning is truncated to 256 runes.
#[derive(Debug, Default, Clone)]
pub struct WarningRecorder {
    ordered: Vec<String>,
    headers: Vec<String>,
    written: usize,
    truncating: bool,
}

const TOTAL_RUNES_LIMIT: usize = 4096;
const PER_WARNING_LIMIT: usize = 256;

fn truncate_runes(text: &str, limit: usize) -> (String, usize) {
    let count = text.chars().count();
    if count > limit {
        (text.chars().take(limit).collect(), limit)
    } else {
        (text.to_owned(), count)
    }
}

impl WarningRecorder {
    /// An empty recorder.
    pub fn new() -> WarningRecorder {
        WarningRecorder::default()
    }

    /// Records one warning text.
    pub fn add(&mut self, text: &str) {
        if text.is_empty()
            || (self.written >= TOTAL_RUNES_LIMIT && self.truncating)
            || self.ordered.iter().any(|t| t == text)
        {
            return;
        }
        self.ordered.push(text.to_owned());
        let (text, length) = if self.truncating {
            truncate_runes(text, PER_WARNING_LIMIT)
        } else {
            (text.to_owned(), text.chars().count())
        };
        if self.written + length <= TOTAL_RUNES_LIMIT || self.truncating {
            self.written += length;
            self.headers.push(header_value(&text));
            return;
        }
        self.truncating = true;
        self.written = 0;
        self.headers.clear();
        for recorded in &self.ordered {
            let (text, length) = truncate_runes(recorded, PER_WARNING_LIMIT);
            self.written += length;
            self.headers.push(header_value(&text));
        }
    }

    /// The `Warning` header values, in order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deprecation_from_1_33() {
        assert_eq!(deprecation_warning(K8sVersion::new(32)), None);
        assert_eq!(
            header_value(deprecation_warning(K8sVersion::new(33)).unwrap()),
            "299 - \"v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\""
        );
    }

    #[test]
    fn ip_warnings_w1_w2() {
        let obj = json!({"subsets": [{"addresses": [{"ip": "010.010.001.001"}, {"ip": "2001:DB8::1"}, {"ip": "10.0.0.1"}], "notReadyAddresses": [{"ip": "::ffff:10.1.1.1"}]}]});
        let w = ip_warnings(&obj, K8sVersion::new(33));
        assert_eq!(
            w,
            vec![
                "subsets[0].addresses[0].ip: non-standard IP address \"010.010.001.001\" will be considered invalid in a future Kubernetes release: use \"10.10.1.1\"",
                "subsets[0].addresses[1].ip: IPv6 address \"2001:DB8::1\" should be in RFC 5952 canonical format (\"2001:db8::1\")",
                "subsets[0].notReadyAddresses[0].ip: non-standard IP address \"::ffff:10.1.1.1\" will be considered invalid in a future Kubernetes release: use \"10.1.1.1\"",
            ]
        );
        assert!(ip_warnings(&obj, K8sVersion::new(32)).is_empty());
        let mut managed = obj.clone();
        managed["metadata"] =
            json!({"labels": {"endpoints.kubernetes.io/managed-by": "endpoint-controller"}});
        assert!(ip_warnings(&managed, K8sVersion::new(36)).is_empty());
        assert_eq!(
            header_value(&w[1]),
            "299 - \"subsets[0].addresses[1].ip: IPv6 address \\\"2001:DB8::1\\\" should be in RFC 5952 canonical format (\\\"2001:db8::1\\\")\""
        );
    }

    #[test]
    fn recorder_dedups_and_truncates() {
        let mut recorder = WarningRecorder::new();
        recorder.add("a");
        recorder.add("a");
        assert_eq!(recorder.headers(), ["299 - \"a\""]);
        for i in 0..20 {
            recorder.add(&format!("{i}{}", "x".repeat(300)));
        }
        assert!(
            recorder
                .headers()
                .iter()
                .all(|h| h.chars().count() <= PER_WARNING_LIMIT + 8)
        );
    }
}
