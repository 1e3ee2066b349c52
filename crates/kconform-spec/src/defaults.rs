//! Defaulting (`SetDefaults_Endpoints`, behaviour document §1.4): an empty `protocol` becomes `TCP`.
//!
//! Nothing else is defaulted: `appProtocol`, `hostname`, `nodeName` and `targetRef` stay unset.

use serde_json::Value;

/// Sets `protocol: "TCP"` on every `subsets[*].ports[*]` whose protocol is missing, null or empty.
///
/// Members with unexpected JSON types are left alone; decoding rejects such bodies before defaulting.
pub fn default_endpoints(obj: &mut Value) {
    let Some(subsets) = obj.get_mut("subsets").and_then(Value::as_array_mut) else {
        return;
    };
    for subset in subsets {
        let Some(ports) = subset.get_mut("ports").and_then(Value::as_array_mut) else {
            continue;
        };
        for port in ports {
            let Some(port) = port.as_object_mut() else {
                continue;
            };
            let empty = match port.get("protocol") {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.is_empty(),
                Some(_) => false,
            };
            if empty {
                port.insert("protocol".to_owned(), Value::String("TCP".to_owned()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_empty_protocols_become_tcp() {
        let mut obj = json!({"subsets": [{"ports": [{"port": 1}, {"port": 2, "protocol": ""}, {"port": 3, "protocol": "UDP"}, {"port": 4, "protocol": null}]}]});
        default_endpoints(&mut obj);
        let protocols: Vec<&str> = obj["subsets"][0]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["protocol"].as_str().unwrap())
            .collect();
        assert_eq!(protocols, vec!["TCP", "TCP", "UDP", "TCP"]);
        assert!(obj["subsets"][0]["ports"][0].get("appProtocol").is_none());
        let mut odd = json!({"subsets": "x"});
        default_endpoints(&mut odd);
        assert_eq!(odd, json!({"subsets": "x"}));
    }
}
