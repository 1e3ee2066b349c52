//! The operation table against the vendored Chinese API document (`data/endpoints-v1-api.zh.txt`).
//!
//! The document's parameter tables lost their name column in conversion: each row is a bare `|` line
//! followed by `| <description> |`. Names are recovered from each description's distinctive opening,
//! and a row with an empty description is the body parameter.

use kconform_spec::ops::{ParamIn, operations};

const DOC: &str = include_str!("../../data/endpoints-v1-api.zh.txt");

/// Distinctive description openings (as they appear in the document) → parameter name.
const DESCRIPTIONS: &[(&str, &str)] = &[
    ("allowWatchBookmarks", "allowWatchBookmarks"),
    ("从服务器检索更多结果时,应设置 continue", "continue"),
    ("用于按字段限制返回对象列表的选择器", "fieldSelector"),
    ("一个选择器,用于按标签限制", "labelSelector"),
    ("limit 是列表调用", "limit"),
    ("如果 'true',则输出会输出", "pretty"),
    ("resourceVersionMatch 决定", "resourceVersionMatch"),
    ("resourceVersion 对可能", "resourceVersion"),
    ("'sendInitialEvents=true'", "sendInitialEvents"),
    ("list/watch 调用的超时", "timeoutSeconds"),
    ("观察对上述资源的更改", "watch"),
    ("对象名称和身份验证范围", "namespace"),
    ("端点的名称", "name"),
    ("出现时,表示不应保留修改", "dryRun"),
    ("应该删除对象前的持续时间", "gracePeriodSeconds"),
    ("deprecated :请使用 PropagationPolicy", "orphanDependents"),
    ("是否以及如何执行垃圾回收", "propagationPolicy"),
    ("fieldmanager 是", "fieldManager"),
    ("fieldValidation 指示", "fieldValidation"),
    ("强制尝试", "force"),
];

#[derive(Debug)]
struct DocParam {
    path: String,
    /// `None` for path-level parameters (before the first method).
    method: Option<String>,
    name: String,
    body: bool,
}

fn name_for(description: &str) -> Option<&'static str> {
    DESCRIPTIONS
        .iter()
        .find(|(prefix, _)| description.trim_start().starts_with(prefix))
        .map(|(_, name)| *name)
}

fn parse_doc() -> (Vec<DocParam>, Vec<(String, String, u16)>) {
    let lines: Vec<&str> = DOC.lines().collect();
    let mut params = Vec::new();
    let mut codes = Vec::new();
    let mut path: Option<String> = None;
    let mut method: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("14.5.2.")
            && let Some((_, p)) = rest.split_once(' ')
            && p.starts_with("/api/v1")
        {
            path = Some(p.trim().to_owned());
            method = None;
        } else if line == "- HTTP 方法" && path.is_some() {
            method = Some(lines[i + 2].trim().to_owned());
            i += 2;
        } else if line.starts_with("参数 | 类型 | 描述") && path.is_some() {
            i += 2;
            let mut descriptions = Vec::new();
            while i < lines.len() && lines[i].starts_with('|') {
                if lines[i] != "|" {
                    descriptions.push(lines[i].trim_start_matches('|'));
                }
                i += 1;
            }
            // A table with only bare `|` rows is the body parameter's (its description cell is empty).
            if descriptions.is_empty() {
                params.push(DocParam {
                    path: path.clone().unwrap(),
                    method: method.clone(),
                    name: "body".into(),
                    body: true,
                });
            }
            for description in descriptions {
                let name = name_for(description)
                    .unwrap_or_else(|| panic!("unknown parameter description: {description}"));
                params.push(DocParam {
                    path: path.clone().unwrap(),
                    method: method.clone(),
                    name: name.into(),
                    body: false,
                });
            }
            continue;
        } else if let Some((code, _)) = line.split_once(" - ")
            && let (Some(p), Some(m), Ok(code)) = (&path, &method, code.parse::<u16>())
        {
            codes.push((p.clone(), m.clone(), code));
        }
        i += 1;
    }
    (params, codes)
}

#[test]
fn all_eleven_operations_are_there() {
    let ids: Vec<&str> = operations().iter().map(|o| o.id).collect();
    for id in [
        "listCoreV1EndpointsForAllNamespaces",
        "watchCoreV1EndpointsListForAllNamespaces",
        "listCoreV1NamespacedEndpoints",
        "createCoreV1NamespacedEndpoints",
        "deleteCoreV1CollectionNamespacedEndpoints",
        "readCoreV1NamespacedEndpoints",
        "replaceCoreV1NamespacedEndpoints",
        "patchCoreV1NamespacedEndpoints",
        "deleteCoreV1NamespacedEndpoints",
        "watchCoreV1NamespacedEndpointsList",
        "watchCoreV1NamespacedEndpoints",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    assert_eq!(ids.len(), 11);
    let create = kconform_spec::ops::operation("createCoreV1NamespacedEndpoints").unwrap();
    assert_eq!(
        (create.method, create.path, create.action),
        ("POST", "/api/v1/namespaces/{namespace}/endpoints", "post")
    );
    assert_eq!(create.responses, vec![200, 201, 202, 401]);
    assert_eq!(create.param("namespace").unwrap().location, ParamIn::Path);
}

#[test]
fn every_documented_parameter_is_declared_by_the_right_operations() {
    let (params, codes) = parse_doc();
    assert!(
        params.len() > 60,
        "parsed only {} parameter rows",
        params.len()
    );
    let mut checked = 0;
    for param in &params {
        let matching: Vec<_> = operations()
            .iter()
            .filter(|op| {
                op.path == param.path && param.method.as_deref().is_none_or(|m| m == op.method)
            })
            .collect();
        assert!(
            !matching.is_empty(),
            "no operation for {} {:?}",
            param.path,
            param.method
        );
        for op in matching {
            let declared = op
                .param(&param.name)
                .unwrap_or_else(|| panic!("{} does not declare {}", op.id, param.name));
            if param.body {
                assert_eq!(declared.location, ParamIn::Body, "{}", op.id);
            }
            checked += 1;
        }
    }
    assert!(checked > 100);
    for (path, method, code) in codes {
        let op = operations()
            .iter()
            .find(|op| op.path == path && op.method == method)
            .unwrap();
        assert!(
            op.responses.contains(&code),
            "{} does not declare {code}",
            op.id
        );
    }
}

#[test]
fn every_recorded_endpoints_request_maps_to_one_operation() {
    let mut checked = 0;
    let folders = [
        "auth",
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "replace",
        "valid",
        "validation",
        "watch",
    ];
    for step in crate::recordings::steps(&folders) {
        let path = step.value["request"]["path"]
            .as_str()
            .unwrap()
            .replace("<ns>", "ns1");
        let method = step.value["request"]["method"].as_str().unwrap();
        let (op, bound) = kconform_spec::ops::match_request(method, &path)
            .unwrap_or_else(|| panic!("{}: {method} {path} matches no operation", step.file));
        for (name, value) in &bound {
            assert!(
                op.declares(name),
                "{} binds undeclared {name}={value}",
                op.id
            );
        }
        for pair in step.value["request"]["query"].as_array().unwrap() {
            let name = pair[0].as_str().unwrap();
            // GetOptions.resourceVersion is decoded although the OpenAPI does not declare it (§8).
            if !(op.id == "readCoreV1NamespacedEndpoints" && name == "resourceVersion") {
                assert!(
                    op.declares(name),
                    "{}: {} does not declare query parameter {name}",
                    step.file,
                    op.id
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 300);
}
