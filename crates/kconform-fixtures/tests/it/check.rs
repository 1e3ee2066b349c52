//! Runs a fixture body through `kconform_spec` (decode, default, validate) and compares with its expectation.

use kconform_fixtures::corner::Replay;
use kconform_fixtures::{Body, Expectation, Outcome};
use kconform_spec::K8sVersion;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use kconform_spec::defaults::default_endpoints;
use kconform_spec::validate::{Finding, validate_findings, validate_update_findings};
use serde_json::Value;

/// The spec's findings as `rule reason field message` lines.
pub(crate) fn findings_text(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.rule, f.cause.reason, f.cause.field, f.cause.message
            )
        })
        .collect()
}

/// The stated causes as `rule reason field message` lines (`<any>` for an unstated message).
pub(crate) fn causes_text(outcome: &Outcome) -> Vec<String> {
    outcome
        .causes
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                c.rule,
                c.reason,
                c.field,
                c.message.as_deref().unwrap_or("<any>")
            )
        })
        .collect()
}

/// True when the findings are the stated causes, in order (an unstated message matches any).
pub(crate) fn same_causes(findings: &[Finding], outcome: &Outcome) -> bool {
    findings.len() == outcome.causes.len()
        && findings.iter().zip(&outcome.causes).all(|(f, c)| {
            f.rule == c.rule
                && f.cause.reason == c.reason
                && f.cause.field == c.field
                && c.message.as_ref().is_none_or(|m| *m == f.cause.message)
        })
}

/// Checks one body against one outcome at version `v`; `Err` explains the disagreement.
pub(crate) fn check_at(
    bytes: &[u8],
    format: BodyFormat,
    v: K8sVersion,
    rule: &str,
    outcome: &Outcome,
) -> Result<(), String> {
    let body_text = String::from_utf8_lossy(bytes);
    let short: String = body_text.chars().take(600).collect();
    match decode_endpoints_for(bytes, format, v) {
        Err(err) => {
            if outcome.status != 400 {
                return Err(format!(
                    "{v}: expected {} but the spec rejects decoding: {err}\nbody: {short}",
                    outcome.status
                ));
            }
            if let Some(message) = &outcome.message
                && err.to_string() != *message
            {
                return Err(format!(
                    "{v}: 400 message differs\nexpected: {message}\nspec:     {err}\nbody: {short}"
                ));
            }
            let spec_rule = err.rule_id();
            let rule_ok =
                spec_rule == rule || (rule == "P4-int32" && spec_rule == "D3") || rule.is_empty();
            if !rule_ok {
                return Err(format!(
                    "{v}: 400 rule differs: expected {rule}, spec {spec_rule} ({err})"
                ));
            }
            Ok(())
        }
        Ok(decoded) => {
            if outcome.status == 400 {
                return Err(format!(
                    "{v}: expected 400 but the spec decodes the body\nbody: {short}"
                ));
            }
            let mut object = decoded.object;
            default_endpoints(&mut object);
            let findings = validate_findings(&object, v);
            let got = findings_text(&findings);
            let expected = causes_text(outcome);
            let same = same_causes(&findings, outcome);
            if same {
                Ok(())
            } else {
                Err(format!(
                    "{v}: causes differ\nexpected: {expected:#?}\nspec:     {got:#?}\nbody: {short}"
                ))
            }
        }
    }
}

/// Checks a body against every version of every expectation as JSON and, for objects, at the last version
/// of each range as YAML (the YAML rendering does not depend on the version).
pub(crate) fn check_fixture(
    body: &Body,
    rule: &str,
    expected: &[Expectation],
) -> Result<(), String> {
    let json = body.to_json_bytes();
    let yaml = match body {
        Body::Json(value) => Some(kconform_spec::yaml::to_yaml(value)),
        Body::Raw(_) => None,
    };
    for e in expected {
        for v in e.versions.iter() {
            check_at(&json, BodyFormat::Json, v, rule, &e.outcome)?;
        }
        if let Some(yaml) = &yaml {
            let v = e.versions.to;
            {
                check_at(yaml.as_bytes(), BodyFormat::Yaml, v, rule, &e.outcome)
                    .map_err(|m| format!("as YAML: {m}"))?;
            }
        }
    }
    Ok(())
}

/// RFC 7386 JSON merge patch: `null` removes, objects merge, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in fields {
            if v.is_null() {
                t.shift_remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Checks a fixture sent as `replay` says: a plain create goes through [`check_fixture`]; with
/// `fieldValidation=Strict` the body must decode and fail strict decoding with the declared 400 message; a
/// patch is applied to the stored object as the server keeps it and validated as an update.
pub(crate) fn check_replayed(
    body: &Body,
    rule: &str,
    expected: &[Expectation],
    replay: &Replay,
) -> Result<(), String> {
    let strict = replay.query.get("fieldValidation").map(String::as_str) == Some("Strict");
    if let Some(stored) = &replay.stored {
        let Body::Json(patch) = body else {
            return Err("a patch fixture must be a JSON object".to_owned());
        };
        for e in expected {
            for v in e.versions.iter() {
                // The stored object as the server keeps it: namespace, uid and timestamps set by the create
                // (and the delete).
                let mut old = stored.clone();
                default_endpoints(&mut old);
                let meta = &mut old["metadata"];
                meta["namespace"] = "ns".into();
                meta["uid"] = "6f0c5f0e-2b43-4c1e-9f57-000000000001".into();
                meta["resourceVersion"] = "1".into();
                meta["creationTimestamp"] = "2026-01-01T00:00:00Z".into();
                if replay.delete_stored {
                    meta["deletionTimestamp"] = "2026-01-01T00:00:01Z".into();
                    meta["deletionGracePeriodSeconds"] = 0.into();
                }
                let mut new = old.clone();
                merge_patch(&mut new, patch);
                default_endpoints(&mut new);
                let findings = validate_update_findings(&new, &old, v);
                let got: Vec<(String, String, String, String)> = findings
                    .iter()
                    .map(|f| {
                        (
                            f.rule.to_string(),
                            f.cause.reason.clone(),
                            f.cause.field.clone(),
                            f.cause.message.clone(),
                        )
                    })
                    .collect();
                let same = e.outcome.status == 422
                    && got.len() == e.outcome.causes.len()
                    && got.iter().zip(&e.outcome.causes).all(|(g, c)| {
                        g.0 == c.rule
                            && g.1 == c.reason
                            && g.2 == c.field
                            && c.message.as_ref().is_none_or(|m| *m == g.3)
                    });
                if !same {
                    return Err(format!(
                        "{v}: update causes differ\nexpected: {:#?}\nspec:     {got:#?}",
                        e.outcome
                    ));
                }
            }
        }
        return Ok(());
    }
    if strict {
        let bytes = body.to_json_bytes();
        for e in expected {
            for v in e.versions.iter() {
                let decoded = decode_endpoints_for(&bytes, BodyFormat::Json, v)
                    .map_err(|err| format!("{v}: strict fixture does not decode: {err}"))?;
                let Some(err) = decoded.strict_error() else {
                    return Err(format!("{v}: the spec finds no strict-decoding problem"));
                };
                if e.outcome.status != 400
                    || err.rule_id() != rule
                    || e.outcome
                        .message
                        .as_ref()
                        .is_some_and(|m| *m != err.to_string())
                {
                    return Err(format!(
                        "{v}: expected {:?}, spec 400 {} ({err})",
                        e.outcome,
                        err.rule_id()
                    ));
                }
            }
        }
        return Ok(());
    }
    check_fixture(body, rule, expected)
}
