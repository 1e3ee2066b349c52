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
    for crate_dir in ["crates/kconform-harness", "suites/endpoints-v1"] {
        let path = root.join(crate_dir).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).expect("read the manifest");
        let deps = section_keys(&manifest, "[dependencies]");
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
