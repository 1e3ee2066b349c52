//! Runs a fixture body through `kconform_spec` (decode, default, validate) and compares with its expectation.

use kconform_fixtures::{Body, Expectation, Outcome};
use kconform_spec::K8sVersion;
use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
use kconform_spec::defaults::default_endpoints;
use kconform_spec::validate::validate_findings;

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
            let got: Vec<String> = findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {} {}",
                        f.rule, f.cause.reason, f.cause.field, f.cause.message
                    )
                })
                .collect();
            let expected: Vec<String> = outcome
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
                .collect();
            let same = findings.len() == outcome.causes.len()
                && findings.iter().zip(&outcome.causes).all(|(f, c)| {
                    f.rule == c.rule
                        && f.cause.reason == c.reason
                        && f.cause.field == c.field
                        && c.message.as_ref().is_none_or(|m| *m == f.cause.message)
                });
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
        Body::Json(value) => {
            Some(serde_saphyr::to_string(value).map_err(|e| format!("yaml: {e}"))?)
        }
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
