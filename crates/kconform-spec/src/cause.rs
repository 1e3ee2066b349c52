//! One field error, as kube-apiserver reports it in `details.causes[]` of a `Status`.

use serde::{Deserialize, Serialize};

/// A `metav1.StatusCause`: one problem with one field.
///
/// The serde field order (`reason`, `message`, `field`) is the order Go writes, so serialising a
/// `Cause` gives the same bytes as kube-apiserver. Empty members are omitted like Go's `omitempty`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Cause {
    /// The cause reason, e.g. `FieldValueInvalid`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The field error body, e.g. `Invalid value: 0: must be between 1 and 65535, inclusive`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The field path, e.g. `subsets[0].ports[0].port`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

impl Cause {
    /// A cause from its three parts.
    pub fn new(
        reason: impl Into<String>,
        message: impl Into<String>,
        field: impl Into<String>,
    ) -> Cause {
        Cause {
            reason: reason.into(),
            message: message.into(),
            field: field.into(),
        }
    }

    /// The text Go's `field.Error.Error()` gives: `<field>: <message>`, as used in a Status `message`.
    pub fn error_text(&self) -> String {
        if self.field.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.field, self.message)
        }
    }
}

/// Cause reasons (`metav1.CauseType` values) that field errors use.
pub mod reason {
    /// `field.ErrorTypeNotFound`.
    pub const NOT_FOUND: &str = "FieldValueNotFound";
    /// `field.ErrorTypeRequired`.
    pub const REQUIRED: &str = "FieldValueRequired";
    /// `field.ErrorTypeDuplicate`.
    pub const DUPLICATE: &str = "FieldValueDuplicate";
    /// `field.ErrorTypeInvalid`.
    pub const INVALID: &str = "FieldValueInvalid";
    /// `field.ErrorTypeNotSupported`.
    pub const NOT_SUPPORTED: &str = "FieldValueNotSupported";
    /// `field.ErrorTypeForbidden`.
    pub const FORBIDDEN: &str = "FieldValueForbidden";
    /// `field.ErrorTypeTooLong`.
    pub const TOO_LONG: &str = "FieldValueTooLong";
    /// `field.ErrorTypeTooMany`.
    pub const TOO_MANY: &str = "FieldValueTooMany";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_go_field_order_and_omits_empty_members() {
        let cause = Cause::new(
            reason::INVALID,
            "Invalid value: 0: x",
            "subsets[0].ports[0].port",
        );
        assert_eq!(
            serde_json::to_string(&cause).unwrap(),
            r#"{"reason":"FieldValueInvalid","message":"Invalid value: 0: x","field":"subsets[0].ports[0].port"}"#
        );
        let no_field = Cause::new("ResourceVersionTooLarge", "Too large resource version", "");
        assert_eq!(
            serde_json::to_string(&no_field).unwrap(),
            r#"{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}"#
        );
        assert_eq!(
            cause.error_text(),
            "subsets[0].ports[0].port: Invalid value: 0: x"
        );
    }
}
