//! Architecture invariants that the compiler cannot see (ARCHITECTURE.md).

use std::path::Path;

/// The names listed in one `[section]` of a Cargo manifest (a line-based read is enough for ours).
fn section_keys(manifest: &str, section: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == section;
            continue;
        }
        if inside
            && !line.starts_with('#')
            && let Some((key, _)) = line.split_once('=')
        {
            keys.push(key.trim().to_owned());
        }
    }
    keys
}

/// The suite knows a target only through HTTP: neither it nor the harness may link the reference
/// server outside their tests, or a server author's run could pass because of code it never called.
#[test]
fn the_suite_and_the_harness_never_link_the_reference_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for crate_dir in [
        "crates/kconform-harness",
        "suites/endpoints-v1",
        "suites/endpointslice-v1",
    ] {
        let path = root.join(crate_dir).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).expect("read the manifest");
        let deps = section_keys(&manifest, "[dependencies]");
        // Nor does one suite lean on another: each brings its own resource and checks.
        if crate_dir.starts_with("suites/") {
            assert!(
                !deps.iter().any(|d| d.starts_with("endpoint")),
                "{crate_dir} depends on another suite: {deps:?}"
            );
        }
        assert!(
            !deps.is_empty(),
            "{crate_dir}: no [dependencies] found, the check would prove nothing"
        );
        assert!(
            !deps.iter().any(|d| d == "kconform-mock"),
            "{crate_dir} depends on kconform-mock: {deps:?}"
        );
    }
}

/// The spec crate does no IO, so it may not depend on anything that does.
#[test]
fn the_spec_crate_depends_on_no_io_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest =
        std::fs::read_to_string(root.join("crates/kconform-spec/Cargo.toml")).expect("read");
    let deps = section_keys(&manifest, "[dependencies]");
    for io in ["tokio", "reqwest", "hyper", "axum"] {
        assert!(
            !deps.iter().any(|d| d == io),
            "kconform-spec depends on {io}: {deps:?}"
        );
    }
}

/// Lines of harness source outside tests that name the Endpoints resource in code: a path segment,
/// a kind, a list kind or an operationId (`…Endpoints…`). Comments do not count; everything after a
/// file's first `#[cfg(test)]` and the `tests.rs` files are tests.
fn endpoints_literals(file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            // `//` inside a string literal (a URL) is code; a comment starts outside quotes.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        };
        if code.to_ascii_lowercase().contains("endpoints") {
            found.push(format!("{file}:{}: {}", n + 1, line.trim()));
        }
    }
    found
}

/// The harness knows no particular resource: every path it builds comes from the suite's
/// `Resource`, so a suite for another API needs no harness change.
#[test]
fn the_harness_names_no_endpoints_path_or_kind_outside_tests() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    crate::module_graph::rust_files(&src, &mut files);
    assert!(files.len() > 10, "found only {files:?}");
    let mut found = Vec::new();
    for path in files {
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        let shown = path
            .strip_prefix(&src)
            .unwrap_or(&path)
            .display()
            .to_string();
        found.extend(endpoints_literals(&shown, &text));
    }
    assert!(
        found.is_empty(),
        "Endpoints literals in the harness: {found:#?}"
    );
}

#[test]
fn the_literal_scan_sees_paths_kinds_and_operation_ids_but_not_comments_or_tests() {
    let text = r#"
// a comment about endpoints is fine
let p = format!("/api/v1/namespaces/{ns}/endpoints"); // and a comment
let k = "EndpointsList";
let url = "http://x/api/v1/endpoints"; // the URL's `//` is not a comment
let op = "listCoreV1NamespacedEndpoints";
#[cfg(test)]
let t = "/api/v1/endpoints";
"#;
    let found = endpoints_literals("f.rs", text);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("f.rs:3:"), "{found:#?}");
}
