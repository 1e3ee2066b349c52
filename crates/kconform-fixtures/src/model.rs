//! A typed model of the Endpoints objects (and the metadata, `targetRef` and port pieces EndpointSlice
//! shares with them) the generator builds, turned into JSON exactly as a client
//! sends it (Go field order, `apiVersion` and `kind` first, empty optional fields left out).
//!
//! Strategies generate this model rather than JSON so that shrinking works on meaningful parts and the
//! mutators can place a violation at a position that survives shrinking.

use serde_json::{Map, Value};

/// `metadata` of a generated object.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Meta {
    pub(crate) name: Option<String>,
    pub(crate) generate_name: Option<String>,
    pub(crate) generation: Option<i64>,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) annotations: Vec<(String, String)>,
    pub(crate) owner_references: Option<Value>,
    pub(crate) finalizers: Vec<String>,
}

/// An `ObjectReference` as controllers write it into `targetRef`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TargetRef {
    pub(crate) kind: String,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) uid: Option<String>,
    pub(crate) resource_version: Option<String>,
}

/// One `EndpointAddress`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Address {
    pub(crate) ip: String,
    /// True when `ip` uses a form only accepted before 1.36 (leading zeros, IPv4-mapped IPv6).
    pub(crate) legacy: bool,
    pub(crate) hostname: Option<String>,
    pub(crate) node_name: Option<String>,
    pub(crate) target_ref: Option<TargetRef>,
}

/// One `EndpointPort`. `port` is wider than int32 so mutators can go out of range.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Port {
    pub(crate) name: Option<String>,
    pub(crate) port: Option<i64>,
    pub(crate) protocol: Option<String>,
    pub(crate) app_protocol: Option<String>,
}

/// One `EndpointSubset`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Subset {
    pub(crate) addresses: Vec<Address>,
    pub(crate) not_ready: Vec<Address>,
    pub(crate) ports: Vec<Port>,
}

/// How `subsets` appears in the body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Subsets {
    /// No `subsets` key.
    Absent,
    /// `"subsets": [...]`, possibly empty.
    List(Vec<Subset>),
}

/// A whole Endpoints object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Endpoints {
    pub(crate) meta: Meta,
    pub(crate) subsets: Subsets,
}

impl Endpoints {
    /// True when any address uses a form that 1.36 rejects.
    pub(crate) fn uses_legacy_ip(&self) -> bool {
        match &self.subsets {
            Subsets::Absent => false,
            Subsets::List(list) => list
                .iter()
                .any(|s| s.addresses.iter().chain(&s.not_ready).any(|a| a.legacy)),
        }
    }

    /// The subsets as a mutable list, creating an empty list when absent.
    pub(crate) fn subsets_mut(&mut self) -> &mut Vec<Subset> {
        if let Subsets::Absent = self.subsets {
            self.subsets = Subsets::List(Vec::new());
        }
        match &mut self.subsets {
            Subsets::List(list) => list,
            // Set to a list just above.
            Subsets::Absent => unreachable!("subsets was just set to a list"),
        }
    }

    /// The JSON body a client sends.
    pub(crate) fn to_value(&self) -> Value {
        let mut root = Map::with_capacity(4);
        root.insert("apiVersion".into(), Value::from("v1"));
        root.insert("kind".into(), Value::from("Endpoints"));
        root.insert("metadata".into(), self.meta.to_value());
        if let Subsets::List(list) = &self.subsets {
            root.insert(
                "subsets".into(),
                Value::Array(list.iter().map(Subset::to_value).collect()),
            );
        }
        Value::Object(root)
    }
}

fn pairs_to_object(pairs: &[(String, String)]) -> Value {
    let mut map = Map::with_capacity(pairs.len());
    for (k, v) in pairs {
        map.insert(k.clone(), Value::from(v.as_str()));
    }
    Value::Object(map)
}

impl Meta {
    pub(crate) fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let Some(name) = &self.name {
            m.insert("name".into(), Value::from(name.as_str()));
        }
        if let Some(g) = &self.generate_name {
            m.insert("generateName".into(), Value::from(g.as_str()));
        }
        if let Some(g) = self.generation {
            m.insert("generation".into(), Value::from(g));
        }
        if !self.labels.is_empty() {
            m.insert("labels".into(), pairs_to_object(&self.labels));
        }
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), pairs_to_object(&self.annotations));
        }
        if let Some(o) = &self.owner_references {
            m.insert("ownerReferences".into(), o.clone());
        }
        if !self.finalizers.is_empty() {
            m.insert(
                "finalizers".into(),
                Value::Array(
                    self.finalizers
                        .iter()
                        .map(|f| Value::from(f.as_str()))
                        .collect(),
                ),
            );
        }
        Value::Object(m)
    }
}

impl Subset {
    fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(3);
        if !self.addresses.is_empty() {
            m.insert(
                "addresses".into(),
                Value::Array(self.addresses.iter().map(Address::to_value).collect()),
            );
        }
        if !self.not_ready.is_empty() {
            m.insert(
                "notReadyAddresses".into(),
                Value::Array(self.not_ready.iter().map(Address::to_value).collect()),
            );
        }
        if !self.ports.is_empty() {
            m.insert(
                "ports".into(),
                Value::Array(self.ports.iter().map(Port::to_value).collect()),
            );
        }
        Value::Object(m)
    }
}

impl Address {
    pub(crate) fn plain(ip: &str) -> Address {
        Address {
            ip: ip.to_owned(),
            legacy: false,
            hostname: None,
            node_name: None,
            target_ref: None,
        }
    }

    fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(4);
        m.insert("ip".into(), Value::from(self.ip.as_str()));
        if let Some(h) = &self.hostname {
            m.insert("hostname".into(), Value::from(h.as_str()));
        }
        if let Some(n) = &self.node_name {
            m.insert("nodeName".into(), Value::from(n.as_str()));
        }
        if let Some(t) = &self.target_ref {
            m.insert("targetRef".into(), t.to_value());
        }
        Value::Object(m)
    }
}

impl TargetRef {
    pub(crate) fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(5);
        m.insert("kind".into(), Value::from(self.kind.as_str()));
        if let Some(ns) = &self.namespace {
            m.insert("namespace".into(), Value::from(ns.as_str()));
        }
        m.insert("name".into(), Value::from(self.name.as_str()));
        if let Some(uid) = &self.uid {
            m.insert("uid".into(), Value::from(uid.as_str()));
        }
        if let Some(rv) = &self.resource_version {
            m.insert("resourceVersion".into(), Value::from(rv.as_str()));
        }
        Value::Object(m)
    }
}

impl Port {
    pub(crate) fn numbered(name: Option<&str>, port: i64) -> Port {
        Port {
            name: name.map(str::to_owned),
            port: Some(port),
            protocol: None,
            app_protocol: None,
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = Map::with_capacity(4);
        if let Some(n) = &self.name {
            m.insert("name".into(), Value::from(n.as_str()));
        }
        if let Some(p) = self.port {
            m.insert("port".into(), Value::from(p));
        }
        if let Some(p) = &self.protocol {
            m.insert("protocol".into(), Value::from(p.as_str()));
        }
        if let Some(a) = &self.app_protocol {
            m.insert("appProtocol".into(), Value::from(a.as_str()));
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_client_field_order() {
        let ep = Endpoints {
            meta: Meta {
                name: Some("ep".into()),
                labels: vec![("a".into(), "b".into())],
                ..Meta::default()
            },
            subsets: Subsets::List(vec![Subset {
                addresses: vec![Address::plain("10.0.0.1")],
                not_ready: vec![],
                ports: vec![Port::numbered(None, 80)],
            }]),
        };
        assert_eq!(
            serde_json::to_string(&ep.to_value()).unwrap(),
            r#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"ep","labels":{"a":"b"}},"subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"port":80}]}]}"#
        );
    }
}
