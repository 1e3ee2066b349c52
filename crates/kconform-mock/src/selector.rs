//! Label and field selectors for the handlers: parsing and matching come from
//! `kconform_spec::selectors` (apimachinery's grammar and exact 400 texts); this module only adapts
//! them to the objects the store holds.

use std::collections::BTreeMap;

use kconform_spec::K8sVersion;
use kconform_spec::selectors as spec;

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(spec::LabelSelector);

impl LabelSelector {
    /// Parse `labelSelector` with the newest version's texts.
    ///
    /// # Errors
    /// The exact 400 message, e.g. `unable to parse requirement: found 'b', expected: in, ...`.
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        LabelSelector::parse_for(text, K8sVersion::NEWEST)
    }

    /// Parse `labelSelector` with version `v`'s texts (key and value messages change in 1.35).
    ///
    /// # Errors
    /// The exact 400 message.
    pub fn parse_for(text: &str, v: K8sVersion) -> Result<LabelSelector, String> {
        spec::parse_label_selector(text, v)
            .map(LabelSelector)
            .map_err(|e| e.to_string())
    }

    /// Whether the selector has no requirements (matches everything).
    pub fn is_empty(&self) -> bool {
        self.0.requirements.is_empty()
    }

    /// Whether an object with these labels is selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.matches(labels)
    }
}

/// A parsed field selector over `metadata.name` and `metadata.namespace`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(spec::FieldSelector);

impl FieldSelector {
    /// Parse `fieldSelector` and check it only uses the fields Endpoints support.
    ///
    /// # Errors
    /// The exact 400 message (`invalid selector: ...`, `"x" is not a known field selector: ...`).
    pub fn parse(text: &str) -> Result<FieldSelector, String> {
        let selector = spec::parse_field_selector(text).map_err(|e| e.to_string())?;
        selector
            .check_endpoints_fields()
            .map_err(|e| e.to_string())?;
        Ok(FieldSelector(selector))
    }

    /// [`FieldSelector::parse`] for a list or watch of `api`. Fault es-address-type-field-selector:
    /// on EndpointSlices an `addressType` term is accepted, and then ignored (it matches every slice).
    ///
    /// # Errors
    /// The exact 400 message.
    pub(crate) fn parse_for(
        api: crate::Api,
        text: &str,
        faults: &crate::FaultSet,
    ) -> Result<FieldSelector, String> {
        let mut selector = spec::parse_field_selector(text).map_err(|e| e.to_string())?;
        if api == crate::Api::EndpointSlices && faults.has(crate::Fault::EsAddressTypeFieldSelector)
        {
            selector.terms.retain(|term| term.field != "addressType");
        }
        selector
            .check_endpoints_fields()
            .map_err(|e| e.to_string())?;
        Ok(FieldSelector(selector))
    }

    /// Whether the selector has no terms.
    pub fn is_empty(&self) -> bool {
        self.0.terms.is_empty()
    }

    /// The name required by a `metadata.name=X` term, if any (a watch by name, a name-scoped request).
    pub fn required_name(&self) -> Option<&str> {
        self.0.requires_exact_match("metadata.name")
    }

    /// Whether an object with this namespace and name is selected.
    pub fn matches(&self, namespace: &str, name: &str) -> bool {
        self.0.terms.iter().all(|term| {
            let actual = if term.field == "metadata.name" {
                name
            } else {
                namespace
            };
            (actual == term.value) != term.not_equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_selectors_match_like_kubernetes() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let a = labels(&[("app", "a"), ("tier", "1")]);
        let none = labels(&[]);
        for (text, expected) in [
            ("app=a", [true, false]),
            ("!app", [false, true]),
            ("tier>0", [true, false]),
            ("", [true, true]),
        ] {
            let selector = LabelSelector::parse(text).unwrap();
            assert_eq!(
                [selector.matches(&a), selector.matches(&none)],
                expected,
                "{text}"
            );
        }
        assert_eq!(
            LabelSelector::parse("a b"),
            Err(
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
                    .to_owned()
            )
        );
    }

    #[test]
    fn field_selectors_parse_and_match() {
        let selector = FieldSelector::parse("metadata.name=ep-1,metadata.namespace=ns").unwrap();
        assert!(selector.matches("ns", "ep-1"));
        assert!(!selector.matches("ns", "ep-2"));
        assert_eq!(selector.required_name(), Some("ep-1"));
        assert!(
            FieldSelector::parse("metadata.name!=ep-1")
                .unwrap()
                .matches("ns", "ep-2")
        );
        assert_eq!(
            FieldSelector::parse("spec.foo=x"),
            Err("\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"".to_owned())
        );
    }
}
