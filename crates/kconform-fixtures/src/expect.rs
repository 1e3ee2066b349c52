//! What a server must answer to a fixture: status, causes, and the Kubernetes versions that holds for.

use kconform_spec::K8sVersion;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// An inclusive range of Kubernetes minor versions, serialised as `{"from": "1.28", "to": "1.36"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRange {
    /// First version the statement holds for.
    pub from: K8sVersion,
    /// Last version the statement holds for (inclusive).
    pub to: K8sVersion,
}

impl VersionRange {
    /// Every modelled version ([`K8sVersion::OLDEST`] to [`K8sVersion::NEWEST`]).
    pub const ALL: VersionRange = VersionRange {
        from: K8sVersion::OLDEST,
        to: K8sVersion::NEWEST,
    };

    /// True when `v` lies in the range.
    pub fn contains(&self, v: K8sVersion) -> bool {
        self.from <= v && v <= self.to
    }

    /// The versions of the range, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = K8sVersion> + use<> {
        (self.from.minor..=self.to.minor).map(K8sVersion::new)
    }
}

impl Serialize for VersionRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("VersionRange", 2)?;
        s.serialize_field("from", &self.from.to_string())?;
        s.serialize_field("to", &self.to.to_string())?;
        s.end()
    }
}

/// One expected entry of `details.causes` in a 422 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedCause {
    /// The id of the rule (in `kconform_spec::rules`) that produces this cause.
    pub rule: String,
    /// `details.causes[].reason`, e.g. `FieldValueInvalid`.
    pub reason: String,
    /// `details.causes[].message`, when the generator knows it exactly for every version of the range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `details.causes[].field`, e.g. `subsets[0].addresses[1].ip`.
    pub field: String,
}

impl ExpectedCause {
    pub(crate) fn new(
        rule: &str,
        reason: &str,
        field: impl Into<String>,
        message: Option<String>,
    ) -> ExpectedCause {
        ExpectedCause {
            rule: rule.to_owned(),
            reason: reason.to_owned(),
            message,
            field: field.into(),
        }
    }

    pub(crate) fn invalid(rule: &str, field: impl Into<String>, message: String) -> ExpectedCause {
        ExpectedCause::new(rule, "FieldValueInvalid", field, Some(message))
    }
}

/// The answer a conforming server gives to a create (POST) of the fixture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// HTTP status: 201 (created), 422 (Invalid) or 400 (BadRequest).
    pub status: u16,
    /// The Status `message` of a 400, when known exactly (recorded on real servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `details.causes` of a 422, in the order kube-apiserver lists them. Empty for other statuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<ExpectedCause>,
    /// The texts of the `Warning` headers of a 201, in order (without the `299 - ` code and quotes);
    /// absent when the server sends none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Fields of the body that a 201 leaves out of the created object (paths like
    /// `endpoints[0].hints.forNodes`): the server drops them without an error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
}

impl Outcome {
    /// 201 Created.
    pub fn created() -> Outcome {
        Outcome {
            status: 201,
            message: None,
            causes: Vec::new(),
            warnings: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// 201 Created with these `Warning` texts and these fields dropped from the created object.
    pub fn created_with(warnings: Vec<String>, dropped: Vec<String>) -> Outcome {
        Outcome {
            warnings,
            dropped,
            ..Outcome::created()
        }
    }

    /// 422 Invalid with these causes.
    pub fn invalid(causes: Vec<ExpectedCause>) -> Outcome {
        Outcome {
            status: 422,
            message: None,
            causes,
            warnings: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// 400 BadRequest, with the exact message when it is known.
    pub fn bad_request(message: Option<String>) -> Outcome {
        Outcome {
            status: 400,
            message,
            causes: Vec::new(),
            warnings: Vec::new(),
            dropped: Vec::new(),
        }
    }
}

/// How an answer departs from an [`Outcome`]: what was expected and what came, as texts for a
/// report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What the outcome declares.
    pub expected: String,
    /// What the answer holds instead.
    pub actual: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n    expected {}", self.actual, self.expected)
    }
}

impl Outcome {
    /// Whether an answer of `status` with the JSON `body` is this outcome: the status, the 400
    /// message where declared, and for a 422 the causes in order (reason, field and, where
    /// declared, message). Warnings and dropped fields are the caller's: they need the headers and
    /// the version's other warnings.
    ///
    /// # Errors
    /// The first [`Mismatch`].
    pub fn check_answer(&self, status: u16, body: &Value) -> Result<(), Mismatch> {
        if status != self.status {
            return Err(Mismatch {
                expected: format!("HTTP {}", self.status),
                actual: format!("HTTP {status} ({})", body["message"]),
            });
        }
        if let Some(message) = &self.message
            && body["message"].as_str() != Some(message)
        {
            return Err(Mismatch {
                expected: format!("message {message:?}"),
                actual: format!("message {}", body["message"]),
            });
        }
        if self.status != 422 {
            return Ok(());
        }
        let got: Vec<(&str, &str, &str)> = body
            .pointer("/details/causes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let text = |key: &str| c[key].as_str().unwrap_or_default();
                (text("reason"), text("field"), text("message"))
            })
            .collect();
        let same = got.len() == self.causes.len()
            && self
                .causes
                .iter()
                .zip(&got)
                .all(|(w, (reason, field, message))| {
                    w.reason == *reason
                        && w.field == *field
                        && w.message.as_deref().is_none_or(|m| m == *message)
                });
        if same {
            return Ok(());
        }
        let wanted: Vec<(&str, &str, &str)> = self
            .causes
            .iter()
            .map(|c| {
                (
                    c.reason.as_str(),
                    c.field.as_str(),
                    c.message.as_deref().unwrap_or("*"),
                )
            })
            .collect();
        Err(Mismatch {
            expected: format!("causes {wanted:?}"),
            actual: format!("causes {got:?}"),
        })
    }

    /// The first of the [`Outcome::dropped`] fields that `object` still holds.
    pub fn kept_dropped_field(&self, object: &Value) -> Option<&str> {
        self.dropped
            .iter()
            .find(|path| field_at(object, path).is_some())
            .map(String::as_str)
    }
}

/// A created fixture as read back from a server, ready to compare with what was `sent` (after the
/// defaulting the caller applies to it): without what the server chooses (uid, resourceVersion,
/// creationTimestamp, managedFields, namespace, generation), without `kind` and `apiVersion` when
/// `sent` leaves them out (the server fills them in from the URL), and without a name generated
/// from `sent`'s generateName (that stem, cut to 58 bytes, and 5 characters).
pub fn comparable_read_back(read: &Value, sent: &Value) -> Value {
    let mut out = read.clone();
    let Some(map) = out.as_object_mut() else {
        return out;
    };
    for key in ["kind", "apiVersion"] {
        if sent.get(key).is_none() {
            map.remove(key);
        }
    }
    let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) else {
        return out;
    };
    for key in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "managedFields",
        "namespace",
        "generation",
    ] {
        meta.remove(key);
    }
    let sent_meta = sent.get("metadata");
    if let Some(stem) = sent_meta
        .and_then(|m| m.get("generateName"))
        .and_then(Value::as_str)
        && sent_meta.and_then(|m| m.get("name")).is_none()
    {
        let stem = stem.get(..58).unwrap_or(stem);
        if meta
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.starts_with(stem) && n.len() == stem.len() + 5)
        {
            meta.remove("name");
        }
    }
    out
}

/// The value at a field path as causes and [`Outcome::dropped`] write it
/// (`endpoints[0].hints.forNodes`), if present.
pub fn field_at<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = object;
    for (key, index) in path_parts(path)? {
        current = current.get(key)?;
        if let Some(i) = index {
            current = current.get(i)?;
        }
    }
    Some(current)
}

/// Removes the field at a path as [`field_at`] reads it, if present (what a server drops).
pub fn remove_field_at(object: &mut Value, path: &str) {
    let Some(mut parts) = path_parts(path) else {
        return;
    };
    let Some((last, None)) = parts.pop() else {
        return;
    };
    let mut current = object;
    for (key, index) in parts {
        let Some(next) = current.get_mut(key) else {
            return;
        };
        current = match index {
            Some(i) => match next.get_mut(i) {
                Some(item) => item,
                None => return,
            },
            None => next,
        };
    }
    if let Some(map) = current.as_object_mut() {
        map.remove(last);
    }
}

/// The steps of a field path: each key with the list index that follows it; None when an index
/// is not a number.
fn path_parts(path: &str) -> Option<Vec<(&str, Option<usize>)>> {
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((key, rest)) => rest
                .trim_end_matches(']')
                .parse::<usize>()
                .ok()
                .map(|i| (key, Some(i))),
            None => Some((part, None)),
        })
        .collect()
}

/// An outcome together with the versions it holds for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// The versions this outcome holds for.
    pub versions: VersionRange,
    /// What the server answers.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Evaluates `per_version` for every modelled version and merges neighbouring versions with the same
/// outcome into one [`Expectation`]. Versions for which it returns `None` are left out.
pub(crate) fn by_version(
    mut per_version: impl FnMut(K8sVersion) -> Option<Outcome>,
) -> Vec<Expectation> {
    let mut out: Vec<Expectation> = Vec::new();
    for v in K8sVersion::all() {
        let Some(outcome) = per_version(v) else {
            continue;
        };
        match out.last_mut() {
            Some(last) if last.outcome == outcome && last.versions.to.minor + 1 == v.minor => {
                last.versions.to = v
            }
            _ => out.push(Expectation {
                versions: VersionRange { from: v, to: v },
                outcome,
            }),
        }
    }
    out
}

/// An outcome per version, `None` where the generator states none.
pub(crate) type PerVersion = Box<dyn Fn(K8sVersion) -> Option<Outcome>>;

/// A 422 in every version whose causes are built per version.
pub(crate) fn invalid_always(
    causes: impl Fn(K8sVersion) -> Vec<ExpectedCause> + 'static,
) -> PerVersion {
    Box::new(move |v| Some(Outcome::invalid(causes(v))))
}

/// A 422 in every version with the same causes.
pub(crate) fn invalid_fixed(causes: Vec<ExpectedCause>) -> PerVersion {
    Box::new(move |_| Some(Outcome::invalid(causes.clone())))
}

/// A 400 in every version, with the exact message when it is known.
pub(crate) fn bad_request(message: Option<String>) -> PerVersion {
    Box::new(move |_| Some(Outcome::bad_request(message.clone())))
}

/// One `Invalid value: "<value>": <detail>` cause on `field` in every version.
pub(crate) fn label_causes(
    rule: &'static str,
    field: String,
    value: String,
    detail: impl Fn(K8sVersion) -> String + 'static,
) -> PerVersion {
    invalid_always(move |v| {
        vec![ExpectedCause::invalid(
            rule,
            field.clone(),
            crate::text::invalid_str(&value, &detail(v)),
        )]
    })
}

/// The causes of an invalid qualified name on `field`, each under `rule` or, without one, under its
/// own `P7` sub-rule.
pub(crate) fn qualified_causes(
    rule: Option<&'static str>,
    field: String,
    bad: crate::bad::BadQualifiedName,
) -> PerVersion {
    invalid_always(move |v| {
        bad.messages(v)
            .into_iter()
            .map(|(p7_rule, message)| {
                ExpectedCause::invalid(rule.unwrap_or(p7_rule), field.clone(), message)
            })
            .collect()
    })
}

/// The outcome expected at `v`, if any expectation covers it.
pub fn outcome_at(expectations: &[Expectation], v: K8sVersion) -> Option<&Outcome> {
    expectations
        .iter()
        .find(|e| e.versions.contains(v))
        .map(|e| &e.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_held_to_the_outcome() {
        let cause = ExpectedCause::invalid("R1", "ports[0].port", "Invalid value: 0".to_owned());
        let invalid = Outcome::invalid(vec![cause]);
        let body = |field: &str| {
            serde_json::json!({"message": "x", "details": {"causes": [
                {"reason": "FieldValueInvalid", "field": field, "message": "Invalid value: 0"}]}})
        };
        assert_eq!(invalid.check_answer(422, &body("ports[0].port")), Ok(()));
        let wrong_field = invalid
            .check_answer(422, &body("ports[1].port"))
            .unwrap_err();
        assert!(
            wrong_field.actual.contains("ports[1].port"),
            "{wrong_field}"
        );
        let wrong_status = invalid
            .check_answer(201, &body("ports[0].port"))
            .unwrap_err();
        assert_eq!(wrong_status.expected, "HTTP 422");
        let bad = Outcome::bad_request(Some("exact".to_owned()));
        assert!(
            bad.check_answer(400, &serde_json::json!({"message": "other"}))
                .is_err()
        );
        assert!(
            bad.check_answer(400, &serde_json::json!({"message": "exact"}))
                .is_ok()
        );
    }

    #[test]
    fn a_read_back_fixture_drops_what_the_server_chose() {
        let sent = serde_json::json!({"metadata": {"generateName": "es-"}, "addressType": "IPv4"});
        let read = serde_json::json!({"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"name": "es-x7k2q", "generateName": "es-", "uid": "u",
                         "resourceVersion": "5", "generation": 1, "namespace": "ns"},
            "addressType": "IPv4"});
        assert_eq!(comparable_read_back(&read, &sent), sent);
        let other = serde_json::json!({"metadata": {"name": "other-1", "generateName": "es-"},
                                       "addressType": "IPv4"});
        assert_ne!(comparable_read_back(&other, &sent), sent);
        let typed = serde_json::json!({"kind": "Endpoints", "metadata": {"name": "a"}});
        assert_eq!(comparable_read_back(&typed, &typed), typed);
    }

    #[test]
    fn field_paths_are_read_as_causes_write_them() {
        let object = serde_json::json!({"endpoints": [{"hints": {"forZones": []}}]});
        assert!(field_at(&object, "endpoints[0].hints.forZones").is_some());
        assert!(field_at(&object, "endpoints[0].hints.forNodes").is_none());
        assert!(field_at(&object, "endpoints[1]").is_none());
        assert!(field_at(&object, "endpoints[x]").is_none());
        let dropped = Outcome::created_with(
            Vec::new(),
            vec![
                "endpoints[0].hints.forNodes".to_owned(),
                "endpoints[0].hints".to_owned(),
            ],
        );
        assert_eq!(
            dropped.kept_dropped_field(&object),
            Some("endpoints[0].hints")
        );
        let mut held =
            serde_json::json!({"endpoints": [{"hints": {"forNodes": [], "forZones": []}}]});
        remove_field_at(&mut held, "endpoints[0].hints.forNodes");
        remove_field_at(&mut held, "endpoints[3].hints");
        assert_eq!(
            held,
            serde_json::json!({"endpoints": [{"hints": {"forZones": []}}]})
        );
    }

    #[test]
    fn neighbouring_versions_with_equal_outcomes_merge() {
        let got = by_version(|v| {
            if v.at_least(36) {
                Some(Outcome::created())
            } else {
                Some(Outcome::bad_request(None))
            }
        });
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].versions,
            VersionRange {
                from: K8sVersion::OLDEST,
                to: K8sVersion::new(35)
            }
        );
        assert_eq!(
            got[1].versions,
            VersionRange {
                from: K8sVersion::new(36),
                to: K8sVersion::new(36)
            }
        );
        let json = serde_json::to_string(&got[1]).unwrap();
        assert_eq!(
            json,
            r#"{"versions":{"from":"1.36","to":"1.36"},"status":201}"#
        );
    }

    #[test]
    fn gaps_are_left_out() {
        let got = by_version(|v| v.at_least(30).then(Outcome::created));
        assert_eq!(
            got,
            vec![Expectation {
                versions: VersionRange {
                    from: K8sVersion::new(30),
                    to: K8sVersion::NEWEST
                },
                outcome: Outcome::created()
            }]
        );
    }
}
