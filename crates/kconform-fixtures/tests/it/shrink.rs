//! Shrinking ends at minimal objects that still break the rule (or stay valid).

use kconform_fixtures::invalid::invalid_for_rule;
use kconform_fixtures::{Body, InvalidEndpoints, ValidShape, valid_shape};
use kconform_spec::K8sVersion;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::Value;

use crate::check::check_fixture;

/// Runs a property that always fails, so proptest shrinks the first draw as far as it can.
fn shrunk<T: std::fmt::Debug + Clone>(strategy: &BoxedStrategy<T>, seed: u64) -> T {
    let mut runner = kconform_fixtures::corpus::seeded_runner(seed);
    runner = TestRunner::new_with_rng(
        Config {
            cases: 1,
            max_shrink_iters: 100_000,
            failure_persistence: None,
            ..Config::default()
        },
        runner.new_rng(),
    );
    match runner.run(strategy, |_| Err(TestCaseError::fail("shrink"))) {
        Err(TestError::Fail(_, value)) => value,
        other => panic!("expected a failure to shrink, got {other:?}"),
    }
}

fn size(object: &Value) -> (usize, usize, usize) {
    let subsets = object["subsets"].as_array().map_or(0, Vec::len);
    let addresses = object["subsets"].as_array().map_or(0, |s| {
        s.iter()
            .map(|s| {
                s["addresses"].as_array().map_or(0, Vec::len)
                    + s["notReadyAddresses"].as_array().map_or(0, Vec::len)
            })
            .sum()
    });
    let ports = object["subsets"].as_array().map_or(0, |s| {
        s.iter()
            .map(|s| s["ports"].as_array().map_or(0, Vec::len))
            .sum()
    });
    (subsets, addresses, ports)
}

#[test]
fn invalid_fixtures_shrink_to_minimal_objects_that_keep_the_violation() {
    for rule in [
        "S1",
        "A1",
        "A6",
        "H1",
        "N1-long",
        "P1",
        "P2",
        "P4-range",
        "P6",
        "P7-prefix",
        "M5",
        "M9-controllers",
        "M11",
        "D2",
    ] {
        let strategy = invalid_for_rule(rule).unwrap();
        for seed in 0..3 {
            let minimal: InvalidEndpoints = shrunk(&strategy, seed);
            check_fixture(&minimal.body, minimal.rule, &minimal.expected)
                .unwrap_or_else(|m| panic!("{rule}: shrunk fixture lost its expectation: {m}"));
            let Body::Json(object) = &minimal.body else {
                continue;
            };
            let (subsets, addresses, ports) = size(object);
            assert!(
                subsets <= 1,
                "{rule}: {subsets} subsets after shrinking: {object}"
            );
            assert!(
                addresses <= 1,
                "{rule}: {addresses} addresses after shrinking: {object}"
            );
            assert!(
                ports <= 2,
                "{rule}: {ports} ports after shrinking: {object}"
            );
            assert!(
                object["metadata"].get("annotations").is_none() || rule == "M7",
                "{rule}: annotations left: {object}"
            );
            let labels = object["metadata"]
                .get("labels")
                .and_then(Value::as_object)
                .map_or(0, |l| l.len());
            assert!(labels <= 1, "{rule}: {labels} labels left: {object}");
        }
    }
}

#[test]
fn valid_fixtures_shrink_to_minimal_valid_objects() {
    for shape in ValidShape::ALL {
        let fixture = shrunk(&valid_shape(*shape, K8sVersion::NEWEST), 5);
        let expected = vec![kconform_fixtures::Expectation {
            versions: fixture.versions,
            outcome: kconform_fixtures::Outcome::created(),
        }];
        check_fixture(&Body::Json(fixture.object.clone()), "", &expected)
            .unwrap_or_else(|m| panic!("{shape:?}: {m}"));
        let (subsets, addresses, _) = size(&fixture.object);
        let min_subsets = if *shape == ValidShape::ManySubsets {
            4
        } else {
            1
        };
        assert!(subsets <= min_subsets, "{shape:?}: {}", fixture.object);
        assert!(addresses <= subsets, "{shape:?}: {}", fixture.object);
        assert!(
            fixture.object.to_string().len() < 400,
            "{shape:?}: not minimal: {}",
            fixture.object
        );
    }
}
