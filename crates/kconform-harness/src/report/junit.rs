//! `junit.xml`: one test case per check, named by its id, for CI systems that read JUnit.
//!
//! Mapping: a regression is a `<failure>`, an unbaselined error an `<error>`; baselined failures,
//! skips, unsupported and ineligible checks are `<skipped>` with the reason as message; passes (also
//! unexpected passes, which carry a `kconform.gate` property saying so) are successes.
//! Every case carries the level, spec reference, requirement and gate status as properties.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::{CheckReport, Report};
use crate::baseline::GateStatus;
use crate::model::{Failure, Outcome};

/// Writing the XML failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot serialise the JUnit report")]
pub struct JunitError(#[source] quick_junit::SerializeError);

/// Renders the report as JUnit XML.
///
/// # Errors
/// [`JunitError`] if the XML writer fails.
pub fn render_junit(report: &Report) -> Result<String, JunitError> {
    let mut junit = quick_junit::Report::new(format!("kconform {}", report.suite_names()));
    junit.set_time(Duration::from_millis(report.duration_ms));
    // One <testsuite> per suite, so CI shows each API's checks apart.
    for suite_report in &report.suites {
        let mut suite = TestSuite::new(suite_report.name.clone());
        let checks: Vec<&CheckReport> = report
            .checks
            .iter()
            .filter(|c| c.suite == suite_report.name)
            .collect();
        // Suites run at the same time: each took the run's wall time.
        suite.set_time(Duration::from_millis(report.duration_ms));
        suite.add_property(Property::new("kconform.api", suite_report.api.clone()));
        suite.add_property(Property::new("kconform.target", report.target.url.clone()));
        suite.add_property(Property::new(
            "kconform.k8s_version",
            report.target.k8s_version.clone(),
        ));
        suite.add_property(Property::new(
            "kconform.verdict",
            serde_plain(&report.verdict),
        ));
        for check in checks {
            suite.add_test_case(test_case(check));
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().map_err(JunitError)
}

fn test_case(check: &CheckReport) -> TestCase {
    let status = match (check.gate, &check.outcome) {
        (GateStatus::Regression, Outcome::Fail(failure)) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(format!(
                    "expected {}, got {}",
                    failure.expected, failure.actual
                ))
                .set_type("conformance regression")
                .set_description(failure_text(failure));
            status
        }
        (GateStatus::Error, Outcome::Error { message }) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(message.clone())
                .set_type("harness or target error");
            status
        }
        (GateStatus::Pass | GateStatus::UnexpectedPass, _) => TestCaseStatus::success(),
        (gate, outcome) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(skip_message(check, gate, outcome));
            if let Outcome::Fail(failure) = outcome {
                status.set_description(failure_text(failure));
            }
            status
        }
    };
    let mut case = TestCase::new(check.id.clone(), status);
    case.set_classname(format!("{}.{}", check.suite, area(&check.id)));
    case.set_time(Duration::from_millis(check.duration_ms));
    case.add_property(Property::new("kconform.level", check.level.as_str()));
    case.add_property(Property::new("kconform.spec_ref", check.spec_ref.clone()));
    case.add_property(Property::new(
        "kconform.requirement",
        check.requirement.clone(),
    ));
    case.add_property(Property::new("kconform.gate", serde_plain(&check.gate)));
    if let Some(baseline) = &check.baseline {
        case.add_property(Property::new(
            "kconform.baseline_link",
            baseline.link.clone(),
        ));
    }
    case
}

fn skip_message(check: &CheckReport, gate: GateStatus, outcome: &Outcome) -> String {
    let baseline = check
        .baseline
        .as_ref()
        .map(|b| format!(": {} ({})", b.reason, b.link))
        .unwrap_or_default();
    match (gate, outcome) {
        (GateStatus::ExpectedFailure | GateStatus::Pending | GateStatus::Ineligible, _) => {
            format!("{}{baseline}", gate.label())
        }
        (_, Outcome::Skip { reason }) => format!("skipped: {reason}"),
        (_, Outcome::Unsupported { feature, reason }) => {
            format!("unsupported feature {feature}: {reason}")
        }
        (gate, _) => gate.label().to_owned(),
    }
}

/// Expected, actual and the reproducing requests, as plain text.
pub(super) fn failure_text(failure: &Failure) -> String {
    let mut text = format!(
        "expected: {}\nactual:   {}\n",
        failure.expected, failure.actual
    );
    for exchange in &failure.evidence {
        text.push_str("\n$ ");
        text.push_str(&exchange.curl);
        text.push('\n');
        match &exchange.response {
            Some(response) => {
                text.push_str(&format!("=> {}\n{}\n", response.status, response.body));
            }
            None => text.push_str("=> no response\n"),
        }
    }
    text
}

fn area(id: &str) -> &str {
    id.split('-').nth(1).unwrap_or(id)
}

/// A unit-like serde enum's string form (`"regression"`), without quotes.
pub(super) fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}
