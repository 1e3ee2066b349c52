//! The recorded label- and field-selector lists: the objects the spec's selectors match are exactly the
//! items the real servers returned.

use std::collections::BTreeMap;

use kconform_spec::selectors::{parse_field_selector, parse_label_selector};
use serde_json::Value;

use crate::recordings::steps;

#[test]
fn selector_matching_agrees_with_recorded_lists() {
    let mut checked = 0;
    let mut objects: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut last_file = String::new();
    for step in steps(&["list"]) {
        if !step.file.contains("selector") || step.file.contains("invalid") {
            continue;
        }
        if step.file != last_file {
            objects.clear();
            last_file = step.file.clone();
        }
        let response = &step.value["response"];
        if response["status"] == 201 {
            let meta = &response["body"]["metadata"];
            let labels: BTreeMap<String, String> = serde_json::from_value(
                meta.get("labels")
                    .cloned()
                    .unwrap_or(Value::Object(Default::default())),
            )
            .unwrap();
            objects.push((meta["name"].as_str().unwrap().to_owned(), labels));
            continue;
        }
        if step.value["request"]["method"] != "GET" || response["status"] != 200 {
            continue;
        }
        let mut expected: Vec<String> = response["body"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        let query = step.value["request"]["query"].as_array().unwrap();
        let param = |name: &str| {
            query
                .iter()
                .find(|p| p[0] == name)
                .map(|p| p[1].as_str().unwrap().to_owned())
        };
        let labels =
            parse_label_selector(&param("labelSelector").unwrap_or_default(), step.version)
                .unwrap();
        let fields = parse_field_selector(&param("fieldSelector").unwrap_or_default()).unwrap();
        let mut actual: Vec<String> = objects
            .iter()
            .filter(|(name, object_labels)| {
                labels.matches(object_labels) && fields.matches(name, "<ns>")
            })
            .map(|(name, _)| name.clone())
            .collect();
        actual.sort();
        assert_eq!(actual, expected, "{} {:?}", step.file, query);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} selector lists checked");
}
