//! Every rule of `kconform_spec::rules` has a mutator or an invalid hand-written fixture; the others say why not.

use kconform_fixtures::invalid::{MUTATED_RULES, NOT_MUTATED, rule_versions};

#[test]
fn every_rule_has_a_mutator_or_a_reason() {
    let corner: Vec<String> = kconform_fixtures::corner::corner_cases()
        .into_iter()
        .filter(|c| !c.valid)
        .flat_map(|c| c.rules)
        .collect();
    let missing: Vec<&str> = kconform_spec::rules::all_rules()
        .iter()
        .map(|r| r.id)
        .filter(|id| {
            !MUTATED_RULES.contains(id)
                && !corner.iter().any(|c| c.as_str() == *id)
                && !NOT_MUTATED.iter().any(|(n, _)| n == id)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a mutator or a reason: {missing:?}"
    );
}

#[test]
fn every_mutated_rule_exists_and_its_versions_match_the_table() {
    for id in MUTATED_RULES
        .iter()
        .chain(NOT_MUTATED.iter().map(|(id, _)| id))
    {
        let rule = kconform_spec::rules::rule(id)
            .unwrap_or_else(|| panic!("{id} is not in kconform_spec::rules"));
        if MUTATED_RULES.contains(id) {
            for v in rule_versions(id).iter() {
                assert!(
                    rule.holds_in(v),
                    "{id}: the mutator claims {v}, the table does not"
                );
            }
        }
    }
}
