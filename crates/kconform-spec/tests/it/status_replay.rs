//! Every recorded Status body from the routing, storage and authorization stages is rebuilt with the
//! spec's builders from its parameters, and must equal the recorded body exactly.

use kconform_spec::status::{SERIALIZER_MEDIA_TYPES, Status};
use serde_json::Value;

use crate::recordings::steps;

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Rebuilds `recorded` from its parameters, or `None` when no builder covers it (validation and decode
/// bodies are checked elsewhere).
fn rebuild(recorded: &Status) -> Option<Status> {
    let name = recorded
        .details
        .as_ref()
        .map(|d| d.name.as_str())
        .unwrap_or("");
    let message = recorded.message.as_str();
    let status = match (recorded.code, recorded.reason.as_str()) {
        (0, "") => {
            let uid = recorded.details.as_ref()?.uid.as_str();
            Status::success_delete(name, uid)
        }
        (401, _) => Status::unauthorized(),
        (403, _) => {
            let user = between(message, "User \"", "\"")?;
            let verb = between(message, "cannot ", " resource")?;
            let namespace = between(message, "in the namespace \"", "\"");
            Status::forbidden(user, verb, (!name.is_empty()).then_some(name), namespace)
        }
        (404, _) => Status::not_found(&recorded.details.as_ref()?.kind, name),
        (406, _) => Status::not_acceptable(),
        (409, "AlreadyExists") if message.starts_with("object is being deleted") => {
            Status::already_exists_being_deleted(name)
        }
        (409, "AlreadyExists") => Status::already_exists(name),
        (409, "Conflict") if message.starts_with("Apply failed") => {
            let causes = &recorded.details.as_ref()?.causes;
            let conflicts: Vec<(String, bool, String)> = causes
                .iter()
                .map(|c| {
                    let manager = between(&c.message, "\"", "\"").unwrap_or("").to_owned();
                    (manager, c.message.ends_with("using v1"), c.field.clone())
                })
                .collect();
            Status::apply_conflict(&conflicts)
        }
        (409, "Conflict") if message.contains("the object has been modified") => {
            Status::conflict_modified(name)
        }
        (409, "Conflict") if message.contains("StorageError") => {
            let dry_run = !message.contains("Key: /registry/");
            let namespace = between(message, "/services/endpoints/", "/")?;
            let sent = between(message, "UID in precondition: ", ",")?;
            let stored = message.rsplit("UID in object meta: ").next()?;
            Status::conflict_uid_mismatch(namespace, name, sent, stored, dry_run)
        }
        (409, "Conflict") if message.contains("the UID in the precondition") => {
            Status::conflict_delete_uid_precondition(
                name,
                between(message, "precondition (", ")")?,
                between(message, "record (", ")")?,
            )
        }
        (409, "Conflict") if message.contains("the ResourceVersion in the precondition") => {
            Status::conflict_delete_rv_precondition(
                name,
                between(message, "precondition (", ")")?,
                between(message, "record (", ")")?,
            )
        }
        (410, _) if !recorded.metadata.continue_token.is_empty() => {
            Status::expired_continue(Some(&recorded.metadata.continue_token))
        }
        (410, _) if message.starts_with("too old resource version") => {
            let mut built = Status::watch_too_old(1, 2);
            built.message = message.to_owned();
            built
        }
        (410, _) => Status::expired_list(),
        (415, _) if message == "415: Unsupported Media Type" => {
            Status::unsupported_media_type_router()
        }
        (415, _) => Status::unsupported_media_type(&SERIALIZER_MEDIA_TYPES),
        (500, "") => Status::internal(message),
        (504, _) => {
            let mut built = Status::too_large_rv_timeout(999_999_999, 1, 1);
            built.message = message.to_owned();
            built
        }
        _ => return None,
    };
    Some(status)
}

#[test]
fn status_builders_match_every_recorded_body() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let everything = [
        "auth",
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "replace",
        "watch",
    ];
    for step in steps(&everything) {
        let mut bodies: Vec<Value> = Vec::new();
        if step.value["response"]["body"]["kind"] == "Status" {
            bodies.push(step.value["response"]["body"].clone());
        }
        for event in step.value["events"].as_array().into_iter().flatten() {
            if event["type"] == "ERROR" {
                bodies.push(event["object"].clone());
            }
        }
        for body in bodies {
            let recorded: Status = serde_json::from_value(body.clone()).unwrap();
            let Some(built) = rebuild(&recorded) else {
                continue;
            };
            let built_json: Value = serde_json::from_slice(&built.to_json_bytes()).unwrap();
            if built_json == body
                && serde_json::to_string(&built_json).unwrap()
                    == serde_json::to_string(&body).unwrap()
            {
                checked += 1;
            } else {
                failures.push(format!(
                    "{}: built {built_json}\nrecorded {body}",
                    step.file
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked >= 100,
        "only {checked} recorded Status bodies were checked"
    );
    eprintln!("checked {checked} recorded Status bodies");
}
