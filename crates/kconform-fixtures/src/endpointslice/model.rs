//! A typed model of the EndpointSlice objects the generator builds, turned into JSON as a client
//! sends it (Go field order: `apiVersion`, `kind`, `metadata`, `addressType`, `endpoints`, `ports`).
//! Metadata, `targetRef` and ports are the Endpoints model's own pieces.

use serde_json::{Map, Value};

use crate::model::{Meta, Port, TargetRef};

/// `conditions` of one endpoint; each is a pointer field in Go, so `None` leaves it out.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Conditions {
    pub(crate) ready: Option<bool>,
    pub(crate) serving: Option<bool>,
    pub(crate) terminating: Option<bool>,
}

/// `hints` of one endpoint: zone names and node names.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Hints {
    pub(crate) for_zones: Option<Vec<String>>,
    pub(crate) for_nodes: Option<Vec<String>>,
}

/// One `Endpoint`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Endpoint {
    /// `None` leaves the key out.
    pub(crate) addresses: Option<Vec<String>>,
    pub(crate) conditions: Option<Conditions>,
    pub(crate) hostname: Option<String>,
    pub(crate) target_ref: Option<TargetRef>,
    pub(crate) node_name: Option<String>,
    pub(crate) zone: Option<String>,
    pub(crate) hints: Option<Hints>,
    /// `deprecatedTopology`, which v1 drops.
    pub(crate) deprecated_topology: Option<Vec<(String, String)>>,
}

impl Endpoint {
    pub(crate) fn with_addresses(addresses: Vec<String>) -> Endpoint {
        Endpoint {
            addresses: Some(addresses),
            ..Endpoint::default()
        }
    }

    /// The addresses as a mutable list, creating it when absent.
    pub(crate) fn addresses_mut(&mut self) -> &mut Vec<String> {
        self.addresses.get_or_insert_with(Vec::new)
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let Some(addresses) = &self.addresses {
            m.insert(
                "addresses".into(),
                Value::Array(addresses.iter().map(|a| Value::from(a.as_str())).collect()),
            );
        }
        if let Some(c) = &self.conditions {
            let mut cm = Map::new();
            for (key, value) in [
                ("ready", c.ready),
                ("serving", c.serving),
                ("terminating", c.terminating),
            ] {
                if let Some(value) = value {
                    cm.insert(key.into(), Value::from(value));
                }
            }
            m.insert("conditions".into(), Value::Object(cm));
        }
        if let Some(h) = &self.hostname {
            m.insert("hostname".into(), Value::from(h.as_str()));
        }
        if let Some(t) = &self.target_ref {
            m.insert("targetRef".into(), t.to_value());
        }
        if let Some(n) = &self.node_name {
            m.insert("nodeName".into(), Value::from(n.as_str()));
        }
        if let Some(z) = &self.zone {
            m.insert("zone".into(), Value::from(z.as_str()));
        }
        if let Some(h) = &self.hints {
            let names = |list: &[String]| {
                Value::Array(
                    list.iter()
                        .map(|n| serde_json::json!({ "name": n }))
                        .collect(),
                )
            };
            let mut hm = Map::new();
            if let Some(zones) = &h.for_zones {
                hm.insert("forZones".into(), names(zones));
            }
            if let Some(nodes) = &h.for_nodes {
                hm.insert("forNodes".into(), names(nodes));
            }
            m.insert("hints".into(), Value::Object(hm));
        }
        if let Some(topology) = &self.deprecated_topology {
            let mut tm = Map::new();
            for (k, v) in topology {
                tm.insert(k.clone(), Value::from(v.as_str()));
            }
            m.insert("deprecatedTopology".into(), Value::Object(tm));
        }
        Value::Object(m)
    }
}

/// A whole EndpointSlice.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Slice {
    pub(crate) meta: Meta,
    /// `None` leaves `addressType` out.
    pub(crate) address_type: Option<String>,
    /// `None` leaves `endpoints` out.
    pub(crate) endpoints: Option<Vec<Endpoint>>,
    /// `None` leaves `ports` out.
    pub(crate) ports: Option<Vec<Port>>,
}

impl Slice {
    /// The endpoints as a mutable list, with at least one endpoint holding `address` when empty.
    pub(crate) fn endpoints_mut(&mut self, address: &str) -> &mut Vec<Endpoint> {
        let list = self.endpoints.get_or_insert_with(Vec::new);
        if list.is_empty() {
            list.push(Endpoint::with_addresses(vec![address.to_owned()]));
        }
        list
    }

    /// The ports as a mutable list, created when absent.
    pub(crate) fn ports_mut(&mut self) -> &mut Vec<Port> {
        self.ports.get_or_insert_with(Vec::new)
    }

    /// Paths of the `hints.forNodes` lists, which versions before 1.33 do not know.
    pub(crate) fn for_nodes_paths(&self) -> Vec<String> {
        self.endpoints
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, e)| e.hints.as_ref().is_some_and(|h| h.for_nodes.is_some()))
            .map(|(i, _)| format!("endpoints[{i}].hints.forNodes"))
            .collect()
    }

    /// The JSON body a client sends.
    pub(crate) fn to_value(&self) -> Value {
        let mut root = Map::with_capacity(6);
        root.insert("apiVersion".into(), Value::from("discovery.k8s.io/v1"));
        root.insert("kind".into(), Value::from("EndpointSlice"));
        root.insert("metadata".into(), self.meta.to_value());
        if let Some(t) = &self.address_type {
            root.insert("addressType".into(), Value::from(t.as_str()));
        }
        if let Some(list) = &self.endpoints {
            root.insert(
                "endpoints".into(),
                Value::Array(list.iter().map(Endpoint::to_value).collect()),
            );
        }
        if let Some(list) = &self.ports {
            root.insert(
                "ports".into(),
                Value::Array(list.iter().map(Port::to_value).collect()),
            );
        }
        Value::Object(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_client_field_order() {
        let slice = Slice {
            meta: Meta {
                name: Some("es".into()),
                ..Meta::default()
            },
            address_type: Some("IPv4".into()),
            endpoints: Some(vec![Endpoint {
                conditions: Some(Conditions {
                    ready: Some(true),
                    ..Conditions::default()
                }),
                zone: Some("a".into()),
                hints: Some(Hints {
                    for_zones: Some(vec!["a".into()]),
                    for_nodes: None,
                }),
                ..Endpoint::with_addresses(vec!["10.0.0.1".into()])
            }]),
            ports: Some(vec![Port::numbered(Some("http"), 80)]),
        };
        assert_eq!(
            serde_json::to_string(&slice.to_value()).unwrap(),
            r#"{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"es"},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"],"conditions":{"ready":true},"zone":"a","hints":{"forZones":[{"name":"a"}]}}],"ports":[{"name":"http","port":80}]}"#
        );
        assert!(slice.for_nodes_paths().is_empty());
    }
}
