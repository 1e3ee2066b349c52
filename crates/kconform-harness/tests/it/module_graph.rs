//! The modules of the spec crate and of the reference server use each other without a circle: the
//! test reads a crate's `src/` and draws the graph from the `crate::<module>` paths in code (comments
//! left out), so a new import that closes a circle fails here with the circle named. (It lives with
//! the other architecture invariants, which read the workspace's files.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/options/list.rs` is part of `options`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("file under src/");
    let first = relative
        .components()
        .next()
        .expect("non-empty path")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules named by `crate::<module>` in the code lines of `text`, also inside `crate::{a, b::c}`.
fn referenced_modules(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split(" // ").next().unwrap_or(code);
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or(group);
                found.extend(group.split(',').map(|item| ident(item.trim())));
            } else {
                found.insert(ident(rest));
            }
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

/// The module graph of the workspace crate in `crate_dir` (relative to the workspace root).
fn module_graph(crate_dir: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(crate_dir)
        .join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source file is readable");
        let uses = graph.entry(module.clone()).or_default();
        uses.extend(
            referenced_modules(&text)
                .into_iter()
                .filter(|m| *m != module),
        );
    }
    graph
}

/// A circle through `graph`, as the list of modules on it, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, done, path) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn reader_sees_grouped_paths_and_skips_comments() {
    let text = "use crate::{status::Status, gotext};\n/// see [`crate::rules`]\nlet x = crate::json::f(); // crate::watch\n";
    let found: Vec<String> = referenced_modules(text).into_iter().collect();
    assert_eq!(found, ["gotext", "json", "status"]);
    let circle: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]
    .into();
    assert_eq!(
        find_circle(&circle),
        Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
    );
}

#[test]
fn spec_modules_import_without_circles() {
    let graph = module_graph("crates/kconform-spec");
    assert!(graph.contains_key("gotext") && graph.contains_key("options"));
    assert!(
        graph["gotext"].is_empty(),
        "gotext is a leaf, it uses {:?}",
        graph["gotext"]
    );
    assert_eq!(find_circle(&graph), None, "module graph: {graph:#?}");
}

#[test]
fn mock_modules_import_without_circles_and_only_the_router_knows_the_handlers() {
    let graph = module_graph("crates/kconform-mock");
    assert!(graph.contains_key("router") && graph.contains_key("endpoints"));
    let knows_router: Vec<&String> = graph
        .iter()
        .filter(|(module, uses)| uses.contains("router") && *module != "server")
        .map(|(module, _)| module)
        .collect();
    assert!(
        knows_router.is_empty(),
        "handlers import the router: {knows_router:?}"
    );
    assert_eq!(find_circle(&graph), None, "module graph: {graph:#?}");
}
