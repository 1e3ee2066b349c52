//! `kconform list` and `kconform explain`: the suite's checks as data.

use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use kconform_harness::model::CheckMeta;

use crate::cli::{ExplainArgs, ListArgs, ListFormat};
use crate::suite;

/// Renders `kconform list` output for the given checks.
///
/// # Errors
/// The filter is not a valid regular expression.
pub fn render_list(metas: &[CheckMeta], args: &ListArgs) -> anyhow::Result<String> {
    let filter = args
        .filter
        .as_deref()
        .map(|f| {
            regex::Regex::new(f)
                .with_context(|| format!("--filter {f:?} is not a valid regular expression"))
        })
        .transpose()?;
    let selected: Vec<CheckMeta> = metas
        .iter()
        .filter(|m| m.level.meets(args.level))
        .filter(|m| filter.as_ref().is_none_or(|re| re.is_match(m.id)))
        .copied()
        .collect();
    Ok(match args.format {
        ListFormat::Json => {
            // The check's own metadata is the documented JSON form of a listed check.
            let mut text =
                serde_json::to_string_pretty(&selected).context("serialising the list")?;
            text.push('\n');
            text
        }
        ListFormat::Text => {
            let width = selected.iter().map(|m| m.id.len()).max().unwrap_or(0);
            let mut out = String::new();
            for m in selected {
                // Writing to a String cannot fail.
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<6}  {}",
                    m.id,
                    m.level.as_str(),
                    m.requirement
                );
            }
            out
        }
    })
}

/// `kconform list`.
///
/// # Errors
/// See [`render_list`].
pub fn list(args: &ListArgs) -> anyhow::Result<()> {
    let metas: Vec<CheckMeta> = suite::selected(args.suite.as_deref())?
        .iter()
        .flat_map(|s| s.checks().iter().map(|c| c.meta))
        .collect();
    print!("{}", render_list(&metas, args)?);
    Ok(())
}

/// The text of `kconform explain ID`.
pub fn render_explain(m: &CheckMeta) -> String {
    let mut out = String::new();
    let versions = match (m.since, m.until) {
        (None, None) => "all supported versions".to_owned(),
        (Some(s), None) => format!("Kubernetes 1.{s} and later"),
        (None, Some(u)) => format!("Kubernetes 1.{u} and earlier"),
        (Some(s), Some(u)) => format!("Kubernetes 1.{s} to 1.{u}"),
    };
    let list = |items: &[&str]| {
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(", ")
        }
    };
    let statuses: Vec<String> = m.statuses.iter().map(u16::to_string).collect();
    let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
    let _ = writeln!(out, "{} ({})", m.id, m.level);
    let _ = writeln!(out);
    let _ = writeln!(out, "Requirement:  {}", m.requirement);
    let _ = writeln!(out, "Spec:         {}", m.spec_ref);
    let _ = writeln!(out, "Operations:   {}", list(m.operations));
    let _ = writeln!(out, "Parameters:   {}", list(m.params));
    let _ = writeln!(out, "Statuses:     {}", list(&statuses));
    let _ = writeln!(out, "Applies to:   {versions}");
    let _ = writeln!(out, "Features:     {}", list(m.features));
    let _ = writeln!(out);
    let _ = writeln!(out, "Reproduce:");
    // Ids are upper-case letters, digits and dashes: nothing to escape in a regular expression.
    let filter = format!("^{}$", m.id);
    let _ = writeln!(
        out,
        "  kconform run --filter '{filter}'                                  # against the reference server"
    );
    let _ = writeln!(
        out,
        "  kconform run --filter '{filter}' --target URL --token \"$TOKEN\"   # against your server"
    );
    let _ = writeln!(
        out,
        "  KCONFORM_TARGET=URL cargo test -p endpoints-v1 --test conformance -- --exact {}",
        m.id
    );
    let _ = writeln!(
        out,
        "A failing run prints the exact requests as curl command lines in report.md and report.html."
    );
    out
}

/// `kconform explain ID`.
///
/// # Errors
/// No check has that id.
pub fn explain(args: &ExplainArgs) -> anyhow::Result<()> {
    let id = args.id.trim().to_ascii_uppercase();
    let Some(meta) = suite::meta(&id) else {
        let known: Vec<&str> = suite::all_checks()
            .map(|(_, c)| c.meta.id)
            .filter(|known| known.starts_with(id.rsplit_once('-').map_or(id.as_str(), |(a, _)| a)))
            .take(10)
            .collect();
        if known.is_empty() {
            bail!("no check has the id {id:?} (see `kconform list`)");
        }
        bail!(
            "no check has the id {id:?}; similar ids: {} (see `kconform list`)",
            known.join(", ")
        );
    };
    print!("{}", render_explain(&meta));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconform_harness::model::Level;

    const METAS: &[CheckMeta] = &[
        CheckMeta {
            id: "EP-CREATE-001",
            level: Level::Must,
            requirement: "A create MUST answer 201.",
            spec_ref: "behaviour, Create",
            operations: &["createCoreV1NamespacedEndpoints"],
            params: &["body"],
            statuses: &[201],
            since: None,
            until: None,
            features: &[],
        },
        CheckMeta {
            id: "EP-WATCH-010",
            level: Level::May,
            requirement: "A watch MAY send bookmarks.",
            spec_ref: "behaviour, Watch",
            operations: &["listCoreV1NamespacedEndpoints"],
            params: &["watch", "allowWatchBookmarks"],
            statuses: &[200],
            since: Some(30),
            until: None,
            features: &["watch-bookmarks"],
        },
    ];

    fn args(format: ListFormat, filter: Option<&str>, level: Level) -> ListArgs {
        ListArgs {
            format,
            suite: None,
            filter: filter.map(str::to_owned),
            level,
        }
    }

    #[test]
    fn text_list_is_one_aligned_line_per_check() {
        let text = render_list(METAS, &args(ListFormat::Text, None, Level::May)).expect("list");
        assert_eq!(
            text,
            "EP-CREATE-001  MUST    A create MUST answer 201.\nEP-WATCH-010   MAY     A watch MAY send bookmarks.\n"
        );
    }

    #[test]
    fn json_list_filters_by_level_and_regex() {
        let text = render_list(METAS, &args(ListFormat::Json, None, Level::Must)).expect("list");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value.as_array().map(Vec::len), Some(1));
        assert_eq!(value[0]["id"], "EP-CREATE-001");
        assert_eq!(value[0]["level"], "MUST");
        let text =
            render_list(METAS, &args(ListFormat::Json, Some("WATCH"), Level::May)).expect("list");
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value[0]["features"][0], "watch-bookmarks");
        assert_eq!(value[0]["since"], 30);
        assert!(render_list(METAS, &args(ListFormat::Text, Some("("), Level::May)).is_err());
    }

    #[test]
    fn explain_gives_requirement_reference_and_reproduction() {
        let text = render_explain(&METAS[1]);
        assert!(text.starts_with("EP-WATCH-010 (MAY)\n"));
        assert!(text.contains("Requirement:  A watch MAY send bookmarks."));
        assert!(text.contains("Spec:         behaviour, Watch"));
        assert!(text.contains("Applies to:   Kubernetes 1.30 and later"));
        assert!(text.contains("kconform run --filter '^EP-WATCH-010$' --target URL"));
        assert!(
            text.contains("cargo test -p endpoints-v1 --test conformance -- --exact EP-WATCH-010")
        );
    }
}
