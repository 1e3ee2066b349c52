//! A suite's id ledger (`ids.txt`): every check id the suite has published, one per line, in
//! registry order; a removed check stays listed as `<id> retired: <why>`. Ids keep their meaning
//! forever, so a suite's tests hold its registry against its ledger with [`problems`].

use std::collections::BTreeSet;

use crate::model::CheckMeta;

/// Everything wrong with a registry (`checks`) against its ledger text and its id prefix (`EP`,
/// `ES`): malformed or duplicate ids, checks without requirement, reference or operation, ids
/// missing from the ledger, published ids that are gone, retired ids in use. Empty when all holds.
pub fn problems(prefix: &str, ledger: &str, checks: &[CheckMeta]) -> Vec<String> {
    let mut out = Vec::new();
    let well_formed = |id: &str| {
        let mut parts = id.splitn(3, '-');
        parts.next() == Some(prefix)
            && parts
                .next()
                .is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_uppercase()))
            && parts
                .next()
                .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut seen = BTreeSet::new();
    for c in checks {
        if !well_formed(c.id) {
            out.push(format!(
                "malformed id {} (expected {prefix}-<AREA>-<NNN>)",
                c.id
            ));
        }
        if !seen.insert(c.id) {
            out.push(format!("duplicate id {}", c.id));
        }
        if c.requirement.is_empty() || c.spec_ref.is_empty() {
            out.push(format!("{} lacks a requirement or a reference", c.id));
        }
        if c.operations.is_empty() {
            out.push(format!("{} names no operation", c.id));
        }
    }
    let mut listed = BTreeSet::new();
    let mut entries = Vec::new();
    for line in ledger.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, retired) = match line.split_once(' ') {
            Some((id, rest)) if rest.trim_start().starts_with("retired:") => (id, true),
            Some(_) => {
                out.push(format!(
                    "ids.txt: `{line}` is neither an id nor `<id> retired: <why>`"
                ));
                continue;
            }
            None => (line, false),
        };
        if !listed.insert(id) {
            out.push(format!("ids.txt lists {id} twice"));
        }
        entries.push((id, retired));
    }
    for (id, retired) in entries {
        match (retired, seen.contains(id)) {
            (true, true) => out.push(format!(
                "{id} is retired and may never be used again; give the check the next free id"
            )),
            (false, false) => out.push(format!(
                "{id} was published and is gone; mark it `{id} retired: <why>` in ids.txt"
            )),
            _ => {}
        }
    }
    for id in seen {
        if !listed.contains(id) {
            out.push(format!(
                "{id} is new: add it to ids.txt (after checking the number was never used)"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::problems;
    use crate::kit::meta;
    use crate::model::{CheckMeta, Level};

    fn check(id: &'static str) -> CheckMeta {
        CheckMeta {
            operations: &["readThing"],
            ..meta(id, Level::Must, "It MUST.", "somewhere")
        }
    }

    #[test]
    fn a_registry_that_follows_its_ledger_has_no_problems() {
        let ledger = "# ids\nXX-A-001\nXX-A-002 retired: merged into XX-A-003\nXX-A-003\n";
        assert!(problems("XX", ledger, &[check("XX-A-001"), check("XX-A-003")]).is_empty());
    }

    #[test]
    fn every_kind_of_drift_is_named() {
        let ledger = "XX-A-001\nXX-A-002 retired: gone\nXX-A-001\nXX-A-004 oops\n";
        let found = problems(
            "XX",
            ledger,
            &[check("XX-A-002"), check("XX-A-003"), check("YY-A-1")],
        );
        let has = |s: &str| found.iter().any(|p| p.contains(s));
        assert!(has("ids.txt lists XX-A-001 twice"), "{found:?}");
        assert!(has("XX-A-001 was published and is gone"), "{found:?}");
        assert!(has("XX-A-002 is retired"), "{found:?}");
        assert!(has("XX-A-003 is new"), "{found:?}");
        assert!(has("malformed id YY-A-1"), "{found:?}");
        assert!(has("`XX-A-004 oops`"), "{found:?}");
    }
}
