//! `as=Table` answers (what `kubectl get` asks for): kube-apiserver's Endpoints printer, with the
//! Name, Endpoints and Age columns.

use serde_json::{Map, Value, json};

/// The `metadata` of the table, and its rows built from objects.
pub(crate) fn table(api_version: &str, list_meta: Map<String, Value>, objects: &[Value]) -> Value {
    let now = time::OffsetDateTime::now_utc();
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let meta = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
            let name = meta.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
            let age = meta
                .get("creationTimestamp")
                .and_then(Value::as_str)
                .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
                .map_or_else(|| "<unknown>".to_owned(), |created| human_duration((now - created).whole_seconds()));
            json!({
                "cells": [name, format_endpoints(object), age],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": api_version, "metadata": meta},
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": list_meta,
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name",
             "description": "Name must be unique within a namespace.", "priority": 0},
            {"name": "Endpoints", "type": "string", "format": "",
             "description": "The set of all endpoints is the union of all subsets.", "priority": 0},
            {"name": "Age", "type": "string", "format": "",
             "description": "CreationTimestamp is a timestamp representing the server time when this object was created.",
             "priority": 0},
        ],
        "rows": rows,
    })
}

/// `formatEndpoints(ep, nil)`: up to three `ip:port` entries, then `+ N more...`.
fn format_endpoints(object: &Value) -> String {
    let Some(subsets) = object
        .get("subsets")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
    else {
        return "<none>".to_owned();
    };
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    let empty = Vec::new();
    for subset in subsets {
        let addresses = subset
            .get("addresses")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let ip = |address: &Value| {
            address
                .get("ip")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let ports = subset
            .get("ports")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        if ports.is_empty() {
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(ip(address));
            }
            continue;
        }
        for port in ports {
            let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
            count += addresses.len();
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                let host = ip(address);
                list.push(if host.contains(':') {
                    format!("[{host}]:{number}")
                } else {
                    format!("{host}:{number}")
                });
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// apimachinery's `duration.HumanDuration`.
fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_column_like_kubectl() {
        let object = json!({"subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "ports": [{"port": 80}, {"port": 443}]}]});
        assert_eq!(
            format_endpoints(&object),
            "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
        );
        assert_eq!(format_endpoints(&json!({})), "<none>");
        assert_eq!(
            format_endpoints(
                &json!({"subsets": [{"addresses": [{"ip": "::1"}], "ports": [{"port": 8}]}]})
            ),
            "[::1]:8"
        );
    }

    #[test]
    fn ages_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(3 * 86400), "3d");
    }
}
