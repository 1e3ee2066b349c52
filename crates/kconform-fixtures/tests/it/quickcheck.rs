//! The quickcheck `Arbitrary` implementations agree with the spec, and their shrinking keeps them so.

use kconform_fixtures::corner::Replay;
use kconform_fixtures::quickcheck::{
    ArbitraryInvalidEndpointSlice, ArbitraryInvalidEndpoints, ArbitraryValidEndpointSlice,
    ArbitraryValidEndpoints,
};
use kconform_fixtures::{Body, Expectation, Outcome};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

use crate::check::check_fixture;

fn valid_is_accepted(v: ArbitraryValidEndpoints) -> TestResult {
    let expected = vec![Expectation {
        versions: v.versions,
        outcome: Outcome::created(),
    }];
    match check_fixture(&Body::Json(v.object), "", &expected) {
        Ok(()) => TestResult::passed(),
        Err(m) => TestResult::error(m),
    }
}

fn invalid_is_rejected(v: ArbitraryInvalidEndpoints) -> TestResult {
    match check_fixture(&v.body, v.rule, &v.expected) {
        Ok(()) => TestResult::passed(),
        Err(m) => TestResult::error(format!("{}: {m}", v.rule)),
    }
}

#[test]
fn arbitrary_valid_endpoints_are_accepted() {
    QuickCheck::new()
        .tests(2_000)
        .quickcheck(valid_is_accepted as fn(ArbitraryValidEndpoints) -> TestResult);
}

#[test]
fn arbitrary_invalid_endpoints_are_rejected_as_declared() {
    QuickCheck::new()
        .tests(2_000)
        .quickcheck(invalid_is_rejected as fn(ArbitraryInvalidEndpoints) -> TestResult);
}

#[test]
fn shrinking_keeps_values_valid_or_invalid() {
    let mut g = Gen::new(100);
    for _ in 0..20 {
        let v = ArbitraryValidEndpoints::arbitrary(&mut g);
        for smaller in v.shrink().take(10) {
            assert!(!valid_is_accepted(smaller).is_failure());
        }
        let v = ArbitraryInvalidEndpoints::arbitrary(&mut g);
        let rule = v.rule;
        for smaller in v.shrink().take(10) {
            assert_eq!(smaller.rule, rule);
            assert!(!invalid_is_rejected(smaller).is_failure());
        }
    }
}

fn valid_slice_is_created(v: ArbitraryValidEndpointSlice) -> TestResult {
    if v.expected.iter().any(|e| e.outcome.status != 201) || v.expected.is_empty() {
        return TestResult::error(format!("not a 201: {:?}", v.expected));
    }
    match crate::endpointslice::check_fixture(
        &Body::Json(v.object),
        &v.expected,
        &Replay::default(),
    ) {
        Ok(()) => TestResult::passed(),
        Err(m) => TestResult::error(m),
    }
}

fn invalid_slice_is_answered_as_declared(v: ArbitraryInvalidEndpointSlice) -> TestResult {
    match crate::endpointslice::check_fixture(&v.body, &v.expected, &Replay::default()) {
        Ok(()) => TestResult::passed(),
        Err(m) => TestResult::error(format!("{}: {m}", v.rule)),
    }
}

#[test]
fn arbitrary_endpoint_slices_agree_with_the_spec() {
    QuickCheck::new()
        .tests(500)
        .quickcheck(valid_slice_is_created as fn(ArbitraryValidEndpointSlice) -> TestResult);
    QuickCheck::new().tests(500).quickcheck(
        invalid_slice_is_answered_as_declared as fn(ArbitraryInvalidEndpointSlice) -> TestResult,
    );
    let mut g = Gen::new(100);
    for _ in 0..10 {
        let v = ArbitraryValidEndpointSlice::arbitrary(&mut g);
        for smaller in v.shrink().take(10) {
            assert!(!valid_slice_is_created(smaller).is_failure());
        }
        let v = ArbitraryInvalidEndpointSlice::arbitrary(&mut g);
        let rule = v.rule;
        for smaller in v.shrink().take(10) {
            assert_eq!(smaller.rule, rule);
            assert!(!invalid_slice_is_answered_as_declared(smaller).is_failure());
        }
    }
}
