//! Valid fixtures: accepted by the spec for every version they claim, and round-trip through k8s-openapi.

use k8s_openapi::api::core::v1::Endpoints;
use kconform_fixtures::{Body, Expectation, Outcome, ValidShape, valid_endpoints, valid_shape};
use kconform_spec::K8sVersion;
use proptest::prelude::*;
use serde_json::Value;

use crate::check::check_fixture;

fn roundtrip(object: &Value) -> Result<(), String> {
    let typed: Endpoints = serde_json::from_value(object.clone())
        .map_err(|e| format!("k8s-openapi rejects it: {e}\n{object}"))?;
    let mut back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let mut original = object.clone();
    // k8s-openapi fills in apiVersion and kind; the spec's defaulting is the only other difference allowed.
    kconform_spec::defaults::default_endpoints(&mut original);
    kconform_spec::defaults::default_endpoints(&mut back);
    if back == original {
        Ok(())
    } else {
        Err(format!(
            "round trip changed the object\nbefore: {original}\nafter:  {back}"
        ))
    }
}

fn accepted(versions: kconform_fixtures::VersionRange) -> Vec<Expectation> {
    vec![Expectation {
        versions,
        outcome: Outcome::created(),
    }]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn every_valid_shape_is_accepted_and_round_trips(
        fixture in prop::sample::select(ValidShape::ALL).prop_flat_map(|shape| valid_shape(shape, K8sVersion::NEWEST))
    ) {
        check_fixture(&Body::Json(fixture.object.clone()), "", &accepted(fixture.versions)).map_err(TestCaseError::fail)?;
        roundtrip(&fixture.object).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn valid_endpoints_before_1_36_include_legacy_ips_and_are_accepted_by_1_35(object in valid_endpoints(K8sVersion::new(35))) {
        let range = kconform_fixtures::VersionRange { from: K8sVersion::new(35), to: K8sVersion::new(35) };
        check_fixture(&Body::Json(object.clone()), "", &accepted(range)).map_err(TestCaseError::fail)?;
        roundtrip(&object).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn legacy_shapes_claim_only_versions_before_1_36() {
    let mut runner = kconform_fixtures::corpus::seeded_runner(7);
    for shape in [ValidShape::LeadingZeroIpv4, ValidShape::Ipv4MappedIpv6] {
        let strategy = valid_shape(shape, K8sVersion::NEWEST);
        for _ in 0..50 {
            let fixture =
                proptest::strategy::ValueTree::current(&strategy.new_tree(&mut runner).unwrap());
            assert_eq!(fixture.versions.to, K8sVersion::new(35), "{shape:?}");
            // 1.36 rejects what 1.35 accepts.
            let causes = kconform_spec::validate::validate(&fixture.object, K8sVersion::new(36));
            assert!(
                !causes.is_empty(),
                "1.36 accepts a legacy IP: {}",
                fixture.object
            );
        }
    }
}

#[test]
fn objects_are_shaped_as_clients_send_them() {
    let mut runner = kconform_fixtures::corpus::seeded_runner(11);
    let strategy = valid_endpoints(K8sVersion::NEWEST);
    for _ in 0..200 {
        let object =
            proptest::strategy::ValueTree::current(&strategy.new_tree(&mut runner).unwrap());
        let keys: Vec<&str> = object
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            keys == ["apiVersion", "kind", "metadata", "subsets"]
                || keys == ["apiVersion", "kind", "metadata"],
            "{keys:?}"
        );
        assert_eq!(object["apiVersion"], "v1");
        assert_eq!(object["kind"], "Endpoints");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// A valid object written as YAML the way kube-apiserver writes it decodes, through the YAML path
    /// (go-yaml v2 and sigs.k8s.io/yaml), to the object its JSON decodes to.
    #[test]
    fn valid_endpoints_as_yaml_decode_to_the_json_object(
        fixture in prop::sample::select(ValidShape::ALL).prop_flat_map(|shape| valid_shape(shape, K8sVersion::NEWEST))
    ) {
        use kconform_spec::decode::{BodyFormat, decode_endpoints_for};
        let v = fixture.versions.to;
        let json = serde_json::to_vec(&fixture.object).expect("JSON");
        let yaml = kconform_spec::yaml::to_yaml(&fixture.object);
        let from_json = decode_endpoints_for(&json, BodyFormat::Json, v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let from_yaml = decode_endpoints_for(yaml.as_bytes(), BodyFormat::Yaml, v)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(&from_yaml.object, &from_json.object, "{}", yaml);
        prop_assert!(from_yaml.strict_problems().is_empty(), "{:?}", from_yaml.strict_problems());
    }
}
