//! Decoding a request body into a v1 `Endpoints` the way kube-apiserver's JSON serializer does
//! (`apimachinery runtime/serializer/json`, `sigs.k8s.io/json`, `handlers/rest.go transformDecodeError`).
//!
//! The steps and their 400 texts:
//! 1. YAML bodies are converted to JSON first.
//! 2. `apiVersion`/`kind` are read (`couldn't get version/kind; json parse error: …`); failures here give
//!    `the object provided is unrecognized (must be of type Endpoints): <err> (<summary>)` (rule D1).
//! 3. Absent kind/version default to `Endpoints`/`v1`; another version or kind cannot be handled (D5, D6).
//! 4. The body is decoded into the Go structs: the first type mismatch gives
//!    `json: cannot unmarshal <json type> into Go struct field <Struct>.<path> of type <go type>` (D2, D3).
//! 5. Unknown and duplicate fields are collected for fieldValidation (D4) in document order, each once
//!    (`sigs.k8s.io/json`): [`Decoded::strict_error`] builds the Strict 400, [`Decoded::warnings`] the
//!    Warn texts.
//!
//! The decoded object keeps only the fields the Go structs know, as a real server's object would.

use serde_json::{Map, Value};

use crate::gojson::{self, Node};
use crate::status::Status;
use crate::version::K8sVersion;

/// The body's media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json` (also the default for an empty Content-Type).
    Json,
    /// `application/yaml`.
    Yaml,
    /// `application/vnd.kubernetes.protobuf` ([`decode_endpoints_for`]).
    Protobuf,
}

/// A successfully decoded body.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The object with only known fields, `apiVersion: v1` and `kind: Endpoints` filled in.
    pub object: Value,
    /// Unknown fields, as paths like `foo` or `subsets[0].bar`, in document order.
    pub unknown_fields: Vec<String>,
    /// Duplicate fields, as paths like `metadata.name`, in document order.
    pub duplicate_fields: Vec<String>,
    /// Both kinds together in the order kube-apiserver reports them: document order, identical problems
    /// once, at most 100 (`sigs.k8s.io/json` `saveStrictError`).
    pub strict: Vec<StrictProblem>,
    /// For a YAML body with a key set twice in one mapping: go-yaml's strict error
    /// (`yaml: unmarshal errors:` and a `line N: key "k" already set in map` line each). kube-apiserver's
    /// strict decoding runs `YAMLToJSONStrict` on the body and reports this before the JSON's problems;
    /// the JSON made of the YAML has no duplicates left (the last value won).
    pub yaml_strict: Option<String>,
    /// The kind decoded into, named in the errors (`Endpoints`, `EndpointSlice`).
    pub target: &'static str,
}

/// One strict-decoding problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictProblem {
    /// True for an unknown field, false for a duplicate one.
    pub unknown: bool,
    /// The field path, e.g. `subsets[0].bar`.
    pub path: String,
}

impl StrictProblem {
    /// `unknown field "<path>"` or `duplicate field "<path>"`.
    pub fn text(&self) -> String {
        let word = if self.unknown { "unknown" } else { "duplicate" };
        format!("{word} field {}", crate::gotext::go_quote(&self.path))
    }
}

impl Decoded {
    /// The strict-decoding problems in kube-apiserver's order: `unknown field "x"`, `duplicate field "y"`.
    pub fn strict_problems(&self) -> Vec<String> {
        self.yaml_strict
            .iter()
            .cloned()
            .chain(self.strict.iter().map(StrictProblem::text))
            .collect()
    }

    /// The 400 error for `fieldValidation=Strict` on POST/PUT, if there is any unknown or duplicate field.
    pub fn strict_error(&self) -> Option<DecodeError> {
        let problems = self.strict_problems();
        (!problems.is_empty()).then(|| DecodeError::CannotHandle {
            target: self.target,
            kind: self.target.to_owned(),
            version: "v1".to_owned(),
            error: format!("strict decoding error: {}", problems.join(", ")),
        })
    }

    /// The `Warning` texts for `fieldValidation=Warn` (the default): one per problem. kube-apiserver's
    /// warning recorder drops a text with a control character (`net.NewWarningHeader` refuses it), so
    /// the multi-line YAML duplicate-key text never becomes a header.
    pub fn warnings(&self) -> Vec<String> {
        self.strict_problems()
            .into_iter()
            .filter(|text| !text.chars().any(char::is_control))
            .collect()
    }
}

/// Why a body cannot be decoded; `Display` is the exact message of kube-apiserver's 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body's version/kind could not be read (rule D1).
    #[error("the object provided is unrecognized (must be of type {target}): {error} ({summary})")]
    Unrecognized {
        /// The kind the body was decoded into.
        target: &'static str,
        /// The error text, e.g. `couldn't get version/kind; json parse error: unexpected end of JSON input`.
        error: String,
        /// Go's `summarizeData(body, 30)`.
        summary: String,
    },
    /// The body was read but cannot become an Endpoints (rules D2–D6).
    #[error("{kind} in version \"{version}\" cannot be handled as a {target}: {error}")]
    CannotHandle {
        /// The kind the body was decoded into.
        target: &'static str,
        /// The body's kind (Endpoints when absent).
        kind: String,
        /// The body's version (v1 when absent).
        version: String,
        /// The inner error text.
        error: String,
    },
    /// A message of its own, e.g. `the API version in the data (discovery.k8s.io/v1beta1) does not
    /// match the expected API version (discovery.k8s.io/v1)`.
    #[error("{0}")]
    Other(String),
}

impl DecodeError {
    /// The 400 BadRequest Status carrying this message.
    pub fn to_status(&self) -> Status {
        Status::bad_request(self.to_string())
    }

    /// The rule id in [`crate::rules`] this failure belongs to.
    pub fn rule_id(&self) -> &'static str {
        match self {
            DecodeError::Unrecognized { .. } => "D1",
            DecodeError::Other(_) => "D5",
            DecodeError::CannotHandle { error, .. } => {
                if error.starts_with("strict decoding error") {
                    "D4"
                } else if error.starts_with("no kind") {
                    "D5"
                } else if error.starts_with("converting") {
                    "D6"
                } else if error.starts_with("json: cannot unmarshal number ")
                    && !error.contains("of type string")
                {
                    "D3"
                } else {
                    "D2"
                }
            }
        }
    }
}

/// Go's `summarizeData(data, 30)` used in the "unrecognized" message.
pub fn summarize_data(data: &[u8]) -> String {
    const MAX: usize = 30;
    match data.first() {
        None => "<empty>".to_owned(),
        Some(b'{') => {
            if data.len() > MAX {
                format!("{} ...", String::from_utf8_lossy(&data[..MAX]))
            } else {
                String::from_utf8_lossy(data).into_owned()
            }
        }
        Some(_) => {
            let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
            if data.len() > MAX {
                format!("{} ...", hex(&data[..MAX]))
            } else {
                hex(data)
            }
        }
    }
}

/// The Go type of a field, as far as decoding needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Str,
    /// A named string type (`types.UID`, `v1.DeletionPropagation`).
    NamedStr(&'static str),
    Int32,
    Int64,
    Bool,
    Time,
    /// Any JSON (FieldsV1 is raw JSON).
    Raw,
    StrMap,
    StrSlice,
    Slice(&'static Struct),
    Struct(&'static Struct),
}

#[derive(Debug)]
pub(crate) struct Struct {
    /// The Go type name used in `<Struct>.<path>`, e.g. `EndpointPort`.
    pub(crate) name: &'static str,
    pub(crate) fields: &'static [(&'static str, Ty)],
}

impl Ty {
    fn go_name(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::NamedStr(name) => (*name).into(),
            Ty::Int32 => "int32".into(),
            Ty::Int64 => "int64".into(),
            Ty::Bool => "bool".into(),
            Ty::Time => "v1.Time".into(),
            Ty::Raw => "v1.FieldsV1".into(),
            Ty::StrMap => "map[string]string".into(),
            Ty::StrSlice => "[]string".into(),
            Ty::Slice(s) => format!("[]v1.{}", s.name),
            Ty::Struct(s) => format!("v1.{}", s.name),
        }
    }
}

static OWNER_REFERENCE: Struct = Struct {
    name: "OwnerReference",
    fields: &[
        ("apiVersion", Ty::Str),
        ("kind", Ty::Str),
        ("name", Ty::Str),
        ("uid", Ty::Str),
        ("controller", Ty::Bool),
        ("blockOwnerDeletion", Ty::Bool),
    ],
};
static MANAGED_FIELDS_ENTRY: Struct = Struct {
    name: "ManagedFieldsEntry",
    fields: &[
        ("manager", Ty::Str),
        ("operation", Ty::Str),
        ("apiVersion", Ty::Str),
        ("time", Ty::Time),
        ("fieldsType", Ty::Str),
        ("fieldsV1", Ty::Raw),
        ("subresource", Ty::Str),
    ],
};
pub(crate) static OBJECT_META: Struct = Struct {
    name: "ObjectMeta",
    fields: &[
        ("name", Ty::Str),
        ("generateName", Ty::Str),
        ("namespace", Ty::Str),
        ("selfLink", Ty::Str),
        ("uid", Ty::Str),
        ("resourceVersion", Ty::Str),
        ("generation", Ty::Int64),
        ("creationTimestamp", Ty::Time),
        ("deletionTimestamp", Ty::Time),
        ("deletionGracePeriodSeconds", Ty::Int64),
        ("labels", Ty::StrMap),
        ("annotations", Ty::StrMap),
        ("ownerReferences", Ty::Slice(&OWNER_REFERENCE)),
        ("finalizers", Ty::StrSlice),
        ("managedFields", Ty::Slice(&MANAGED_FIELDS_ENTRY)),
    ],
};
pub(crate) static OBJECT_REFERENCE: Struct = Struct {
    name: "ObjectReference",
    fields: &[
        ("kind", Ty::Str),
        ("namespace", Ty::Str),
        ("name", Ty::Str),
        ("uid", Ty::Str),
        ("apiVersion", Ty::Str),
        ("resourceVersion", Ty::Str),
        ("fieldPath", Ty::Str),
    ],
};
static ENDPOINT_ADDRESS: Struct = Struct {
    name: "EndpointAddress",
    fields: &[
        ("ip", Ty::Str),
        ("hostname", Ty::Str),
        ("nodeName", Ty::Str),
        ("targetRef", Ty::Struct(&OBJECT_REFERENCE)),
    ],
};
static ENDPOINT_PORT: Struct = Struct {
    name: "EndpointPort",
    fields: &[
        ("name", Ty::Str),
        ("port", Ty::Int32),
        ("protocol", Ty::Str),
        ("appProtocol", Ty::Str),
    ],
};
static ENDPOINT_SUBSET: Struct = Struct {
    name: "EndpointSubset",
    fields: &[
        ("addresses", Ty::Slice(&ENDPOINT_ADDRESS)),
        ("notReadyAddresses", Ty::Slice(&ENDPOINT_ADDRESS)),
        ("ports", Ty::Slice(&ENDPOINT_PORT)),
    ],
};
static ENDPOINTS: Struct = Struct {
    name: "Endpoints",
    fields: &[
        ("kind", Ty::Str),
        ("apiVersion", Ty::Str),
        ("metadata", Ty::Struct(&OBJECT_META)),
        ("subsets", Ty::Slice(&ENDPOINT_SUBSET)),
    ],
};

static PRECONDITIONS: Struct = Struct {
    name: "Preconditions",
    fields: &[
        ("uid", Ty::NamedStr("types.UID")),
        ("resourceVersion", Ty::Str),
    ],
};
static DELETE_OPTIONS: Struct = Struct {
    name: "DeleteOptions",
    fields: &[
        ("kind", Ty::Str),
        ("apiVersion", Ty::Str),
        ("gracePeriodSeconds", Ty::Int64),
        ("preconditions", Ty::Struct(&PRECONDITIONS)),
        ("orphanDependents", Ty::Bool),
        ("propagationPolicy", Ty::NamedStr("v1.DeletionPropagation")),
        ("dryRun", Ty::StrSlice),
        ("ignoreStoreReadErrorWithClusterBreakingPotential", Ty::Bool),
    ],
};

/// The first Go type error decoding a DeleteOptions body (a JSON object) into `metav1.DeleteOptions`,
/// e.g. `json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string`.
/// Unknown fields are not errors there.
pub fn delete_options_type_error(node: &Node) -> Option<String> {
    let mut walk = Walk {
        strict: Vec::new(),
        first_error: None,
    };
    walk.object(node, &DELETE_OPTIONS, "", "");
    walk.first_error
}

/// Kinds registered in core/v1 besides Endpoints: a body of one of these kinds is decoded and then fails
/// conversion (`converting (v1.Service) to (core.Endpoints): unknown conversion`).
pub(crate) const CORE_V1_KINDS: &[&str] = &[
    "Binding",
    "ComponentStatus",
    "ComponentStatusList",
    "ConfigMap",
    "ConfigMapList",
    "EndpointsList",
    "Event",
    "EventList",
    "LimitRange",
    "LimitRangeList",
    "Namespace",
    "NamespaceList",
    "Node",
    "NodeList",
    "NodeProxyOptions",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "PersistentVolumeClaimList",
    "PersistentVolumeList",
    "Pod",
    "PodAttachOptions",
    "PodExecOptions",
    "PodList",
    "PodLogOptions",
    "PodPortForwardOptions",
    "PodProxyOptions",
    "PodStatusResult",
    "PodTemplate",
    "PodTemplateList",
    "RangeAllocation",
    "ReplicationController",
    "ReplicationControllerList",
    "ResourceQuota",
    "ResourceQuotaList",
    "Secret",
    "SecretList",
    "SerializedReference",
    "Service",
    "ServiceAccount",
    "ServiceAccountList",
    "ServiceList",
    "ServiceProxyOptions",
    "List",
    "Status",
    "DeleteOptions",
    "ListOptions",
    "GetOptions",
    "CreateOptions",
    "UpdateOptions",
    "PatchOptions",
    "WatchEvent",
];

/// The scheme name kube-apiserver prints in "no kind … is registered" errors.
/// The scheme's `no kind "<kind>" is registered for version "<gv>" in scheme "<file:line>"`.
pub(crate) fn not_registered(kind: &str, group_version: &str, v: K8sVersion) -> String {
    format!(
        "no kind {} is registered for version {} in scheme {}",
        crate::gotext::go_quote(kind),
        crate::gotext::go_quote(group_version),
        crate::gotext::go_quote(scheme_name(v))
    )
}

fn scheme_name(v: K8sVersion) -> &'static str {
    // 1.28.7 printed the runtime package's own call site; 1.36.2 prints the legacy scheme's. The change
    // between them is not pinned down by a recording, so 1.29+ is assumed to match 1.36.
    if v.at_least(29) {
        "pkg/api/legacyscheme/scheme.go:30"
    } else {
        "pkg/runtime/scheme.go:100"
    }
}

struct Walk {
    strict: Vec<StrictProblem>,
    first_error: Option<String>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl Walk {
    /// `saveStrictError`: document order, identical problems once, at most 100.
    fn strict_problem(&mut self, unknown: bool, path: String) {
        let problem = StrictProblem { unknown, path };
        if self.strict.len() < 100 && !self.strict.contains(&problem) {
            self.strict.push(problem);
        }
    }

    fn type_error(&mut self, node_word: &str, struct_name: &str, go_path: &str, ty: &str) {
        if self.first_error.is_none() {
            self.first_error = Some(format!(
                "json: cannot unmarshal {node_word} into Go struct field {struct_name}.{go_path} of type {ty}"
            ));
        }
    }

    /// Decodes `node` as `ty`. `path` is the JSON path with indices (for strict errors), `go_path` the
    /// dotted field path Go uses in type errors, `struct_name` the innermost enclosing struct.
    fn value(
        &mut self,
        node: &Node,
        ty: Ty,
        path: &str,
        go_path: &str,
        struct_name: &str,
    ) -> Option<Value> {
        if matches!(node, Node::Null) {
            return None;
        }
        let mismatch = |w: &mut Walk| {
            w.type_error(node.kind_word(), struct_name, go_path, &ty.go_name());
            None
        };
        match ty {
            Ty::Str | Ty::NamedStr(_) => match node {
                Node::String(s) => Some(Value::String(s.clone())),
                _ => mismatch(self),
            },
            Ty::Bool => match node {
                Node::Bool(b) => Some(Value::Bool(*b)),
                _ => mismatch(self),
            },
            Ty::Int32 | Ty::Int64 => match node {
                Node::Number(text) => {
                    let parsed = text
                        .parse::<i64>()
                        .ok()
                        .filter(|n| matches!(ty, Ty::Int64) || i32::try_from(*n).is_ok());
                    match parsed {
                        Some(n) => Some(Value::from(n)),
                        None => {
                            self.type_error(
                                &format!("number {text}"),
                                struct_name,
                                go_path,
                                &ty.go_name(),
                            );
                            None
                        }
                    }
                }
                _ => mismatch(self),
            },
            Ty::Time => match node {
                Node::String(s) => match check_rfc3339(s) {
                    Ok(()) => Some(Value::String(s.clone())),
                    Err(e) => {
                        if self.first_error.is_none() {
                            self.first_error = Some(e);
                        }
                        None
                    }
                },
                _ => {
                    // metav1.Time.UnmarshalJSON decodes into a plain string with a fresh decoder: no field context.
                    if self.first_error.is_none() {
                        self.first_error = Some(format!(
                            "json: cannot unmarshal {} into Go value of type string",
                            node.kind_word()
                        ));
                    }
                    None
                }
            },
            Ty::Raw => Some(node.to_value()),
            Ty::StrMap => match node {
                Node::Object(members) => {
                    let mut map = Map::new();
                    let mut seen: Vec<&str> = Vec::new();
                    for (key, value) in members {
                        if seen.contains(&key.as_str()) {
                            self.strict_problem(false, join(path, key));
                        }
                        seen.push(key);
                        match value {
                            Node::String(s) => {
                                map.insert(key.clone(), Value::String(s.clone()));
                            }
                            Node::Null => {
                                map.insert(key.clone(), Value::String(String::new()));
                            }
                            other => {
                                self.type_error(other.kind_word(), struct_name, go_path, "string")
                            }
                        }
                    }
                    Some(Value::Object(map))
                }
                _ => mismatch(self),
            },
            Ty::StrSlice => match node {
                Node::Array(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        match item {
                            Node::String(s) => out.push(Value::String(s.clone())),
                            Node::Null => out.push(Value::String(String::new())),
                            other => {
                                self.type_error(other.kind_word(), struct_name, go_path, "string")
                            }
                        }
                    }
                    Some(Value::Array(out))
                }
                _ => mismatch(self),
            },
            Ty::Slice(element) => match node {
                Node::Array(items) => {
                    let mut out = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{path}[{i}]");
                        match item {
                            Node::Object(_) => {
                                out.push(
                                    self.object(item, element, &item_path, go_path)
                                        .unwrap_or(Value::Object(Map::new())),
                                );
                            }
                            Node::Null => out.push(Value::Object(Map::new())),
                            other => {
                                self.type_error(
                                    other.kind_word(),
                                    struct_name,
                                    go_path,
                                    &format!("v1.{}", element.name),
                                );
                                out.push(Value::Object(Map::new()));
                            }
                        }
                    }
                    Some(Value::Array(out))
                }
                _ => mismatch(self),
            },
            Ty::Struct(inner) => match node {
                Node::Object(_) => self.object(node, inner, path, go_path),
                _ => mismatch(self),
            },
        }
    }

    fn object(
        &mut self,
        node: &Node,
        schema: &'static Struct,
        path: &str,
        go_path: &str,
    ) -> Option<Value> {
        let Node::Object(members) = node else {
            return None;
        };
        let mut out = Map::new();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in members {
            let field_path = join(path, key);
            // sigs.k8s.io/json matches field names case-sensitively.
            let Some((_, ty)) = schema.fields.iter().find(|(name, _)| name == key) else {
                self.strict_problem(true, field_path);
                continue;
            };
            if seen.contains(&key.as_str()) {
                self.strict_problem(false, field_path.clone());
            }
            seen.push(key);
            let field_go_path = join(go_path, key);
            match self.value(value, *ty, &field_path, &field_go_path, schema.name) {
                Some(v) => {
                    out.insert(key.clone(), v);
                }
                None => {
                    out.remove(key.as_str());
                }
            }
        }
        Some(Value::Object(out))
    }
}

/// A simplified `time.Parse(time.RFC3339, s)` with Go's error texts for the common failures.
fn check_rfc3339(s: &str) -> Result<(), String> {
    const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";
    let fail = |rest: &str, elem: &str| {
        Err(format!(
            "parsing time {} as {}: cannot parse {} as {}",
            crate::gotext::go_quote(s),
            crate::gotext::go_quote(LAYOUT),
            crate::gotext::go_quote(rest),
            crate::gotext::go_quote(elem)
        ))
    };
    let range = |what: &str| {
        Err(format!(
            "parsing time {}: {what} out of range",
            crate::gotext::go_quote(s)
        ))
    };
    let bytes = s.as_bytes();
    let mut pos = 0;
    let mut values = [0u32; 6];
    let parts: [(&str, usize, &str); 6] = [
        ("2006", 4, "-"),
        ("01", 2, "-"),
        ("02", 2, "T"),
        ("15", 2, ":"),
        ("04", 2, ":"),
        ("05", 2, ""),
    ];
    for (index, (elem, width, separator)) in parts.iter().enumerate() {
        let digits = bytes.get(pos..pos + width);
        match digits {
            Some(d) if d.iter().all(u8::is_ascii_digit) => {
                values[index] = d.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0'));
                pos += width;
            }
            _ => return fail(&s[pos.min(s.len())..], elem),
        }
        if !separator.is_empty() {
            if bytes.get(pos) != separator.as_bytes().first() {
                return fail(&s[pos..], separator);
            }
            pos += 1;
        }
    }
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
    }
    match bytes.get(pos) {
        Some(b'Z') => pos += 1,
        Some(b'+' | b'-') => {
            let zone = bytes.get(pos + 1..pos + 6);
            let ok = zone.is_some_and(|z| {
                z[0].is_ascii_digit()
                    && z[1].is_ascii_digit()
                    && z[2] == b':'
                    && z[3].is_ascii_digit()
                    && z[4].is_ascii_digit()
            });
            if !ok {
                return fail(&s[pos..], "Z07:00");
            }
            pos += 6;
        }
        _ => return fail(&s[pos..], "Z07:00"),
    }
    if pos != bytes.len() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            crate::gotext::go_quote(s),
            crate::gotext::go_quote(&s[pos..])
        ));
    }
    let [year, month, day, hour, minute, second] = values;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&month) {
        return range("month");
    }
    if day < 1 || day > days_in_month {
        return range("day");
    }
    if hour > 23 {
        return range("hour");
    }
    if minute > 59 {
        return range("minute");
    }
    if second > 59 {
        return range("second");
    }
    Ok(())
}

/// Decodes `body` as kube-apiserver 1.`v` does; see the module documentation for the steps.
///
/// # Errors
/// The [`DecodeError`] whose `Display` is kube-apiserver's 400 message.
pub fn decode_endpoints_for(
    body: &[u8],
    format: BodyFormat,
    v: K8sVersion,
) -> Result<Decoded, DecodeError> {
    if format == BodyFormat::Protobuf {
        return decode_protobuf_for(body, v, &ENDPOINTS_TARGET);
    }
    decode_json_for(body, format, v, &ENDPOINTS_TARGET)
}

/// What a body is decoded into: the kind, its group and version, its Go struct, and how the scheme
/// answers another kind or group-version.
pub(crate) struct Target {
    /// The kind, e.g. `EndpointSlice`.
    pub(crate) kind: &'static str,
    /// The group; empty for the core group.
    pub(crate) group: &'static str,
    /// The version, e.g. `v1`.
    pub(crate) version: &'static str,
    /// The Go struct of the kind.
    pub(crate) root: &'static Struct,
    /// The scheme's answer to a body of kind `kind` in `group_version` that is not the target's:
    /// the inner error of the `cannot be handled` text, or a whole message of its own.
    pub(crate) refuse: fn(kind: &str, group_version: &str, v: K8sVersion) -> Refusal,
}

/// How the decoder refuses a kind or group-version it cannot decode into the target.
pub(crate) enum Refusal {
    /// `<kind> in version "<v>" cannot be handled as a <Target>: <error>`.
    CannotHandle(String),
    /// A message of its own (the codec's version check).
    Message(String),
}

static ENDPOINTS_TARGET: Target = Target {
    kind: "Endpoints",
    group: "",
    version: "v1",
    root: &ENDPOINTS,
    refuse: refuse_for_endpoints,
};

fn refuse_for_endpoints(kind: &str, group_version: &str, v: K8sVersion) -> Refusal {
    if group_version != "v1" || !CORE_V1_KINDS.contains(&kind) {
        Refusal::CannotHandle(not_registered(kind, group_version, v))
    } else {
        Refusal::CannotHandle(format!(
            "converting (v1.{kind}) to (core.Endpoints): unknown conversion"
        ))
    }
}

/// Decodes a JSON or YAML `body` into `target` as kube-apiserver 1.`v` does; see the module
/// documentation for the steps.
pub(crate) fn decode_json_for(
    body: &[u8],
    format: BodyFormat,
    v: K8sVersion,
    target: &'static Target,
) -> Result<Decoded, DecodeError> {
    let unrecognized = |error: String| DecodeError::Unrecognized {
        target: target.kind,
        error,
        summary: summarize_data(body),
    };
    let json_bytes: Vec<u8> = match format {
        BodyFormat::Json => body.to_vec(),
        // A YAML failure is the decoder's error as is: `yaml: line 7: …`, `json: unsupported value: NaN`,
        // or, for nesting the JSON reader refuses, its `exceeded max depth`.
        BodyFormat::Yaml => crate::yaml::yaml_to_json(body).map_err(|err| match err {
            crate::yaml::YamlError::TooDeep => unrecognized(format!(
                "couldn't get version/kind; json parse error: {err}"
            )),
            other => unrecognized(other.to_string()),
        })?,
        BodyFormat::Protobuf => {
            return Err(unrecognized(
                "protobuf bodies are not decoded into this kind".to_owned(),
            ));
        }
    };
    let node = gojson::parse(&json_bytes)
        .map_err(|e| unrecognized(format!("couldn't get version/kind; json parse error: {e}")))?;
    // SimpleMetaFactory.Interpret: apiVersion and kind must be strings in an object (or null).
    let (api_version, kind) = match &node {
        Node::Object(members) => {
            let mut api_version = String::new();
            let mut kind = String::new();
            for (key, value) in members {
                let slot = match key.as_str() {
                    "apiVersion" => &mut api_version,
                    "kind" => &mut kind,
                    _ => continue,
                };
                match value {
                    Node::String(s) => *slot = s.clone(),
                    Node::Null => {}
                    other => {
                        return Err(unrecognized(format!(
                            "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go struct field .{key} of type string",
                            other.kind_word()
                        )));
                    }
                }
            }
            (api_version, kind)
        }
        Node::Null => (String::new(), String::new()),
        other => {
            return Err(unrecognized(format!(
                "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
                other.kind_word()
            )));
        }
    };
    if api_version.matches('/').count() > 1 {
        return Err(unrecognized(format!(
            "unexpected GroupVersion string: {api_version}"
        )));
    }
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g.to_owned(), v.to_owned()),
        None => (String::new(), api_version.clone()),
    };
    let (group, version) = if version.is_empty() && group.is_empty() {
        (target.group.to_owned(), target.version.to_owned())
    } else {
        (group, version)
    };
    let kind = if kind.is_empty() {
        target.kind.to_owned()
    } else {
        kind
    };
    let cannot = |error: String| DecodeError::CannotHandle {
        target: target.kind,
        kind: kind.clone(),
        version: version.clone(),
        error,
    };
    let group_version = if group.is_empty() {
        version.clone()
    } else {
        format!("{group}/{version}")
    };
    let target_group_version = if target.group.is_empty() {
        target.version.to_owned()
    } else {
        format!("{}/{}", target.group, target.version)
    };
    if group_version != target_group_version || kind != target.kind {
        return Err(match (target.refuse)(&kind, &group_version, v) {
            Refusal::CannotHandle(error) => cannot(error),
            Refusal::Message(message) => DecodeError::Other(message),
        });
    }
    let mut walk = Walk {
        strict: Vec::new(),
        first_error: None,
    };
    let mut object = match &node {
        Node::Object(_) => walk
            .object(&node, target.root, "", "")
            .unwrap_or_else(|| Value::Object(Map::new())),
        _ => Value::Object(Map::new()),
    };
    if let Some(error) = walk.first_error {
        return Err(cannot(error));
    }
    if let Some(map) = object.as_object_mut() {
        map.insert("kind".to_owned(), Value::String(target.kind.to_owned()));
        map.insert("apiVersion".to_owned(), Value::String(target_group_version));
    }
    let paths = |unknown: bool| {
        walk.strict
            .iter()
            .filter(|p| p.unknown == unknown)
            .map(|p| p.path.clone())
            .collect()
    };
    let yaml_strict = match format {
        BodyFormat::Yaml => crate::yaml::yaml_to_json_strict(body)
            .err()
            .map(|err| err.to_string()),
        BodyFormat::Json | BodyFormat::Protobuf => None,
    };
    Ok(Decoded {
        object,
        unknown_fields: paths(true),
        duplicate_fields: paths(false),
        strict: walk.strict,
        yaml_strict,
        target: target.kind,
    })
}

/// Decodes a POST or PUT body in protobuf into `target` as kube-apiserver 1.`v` does
/// (`protobuf.Serializer.Decode`, then the codec's conversion, then `transformDecodeError`).
///
/// A missing kind defaults to the target's, a missing version to the target's group and version
/// (`copyKindDefaults`). Protobuf has no unknown or duplicate fields to report (unknown field numbers
/// are skipped), so the result's strict lists are empty.
///
/// # Errors
/// The [`DecodeError`] whose `Display` is the 400 message: the envelope's failures as
/// `the object provided is unrecognized (must be of type <Target>): … (<summary>)`, another kind as
/// `<kind> in version "<version>" cannot be handled as a <Target>: …`.
pub(crate) fn decode_protobuf_for(
    data: &[u8],
    v: K8sVersion,
    target: &'static Target,
) -> Result<Decoded, DecodeError> {
    let unknown =
        crate::protobuf::parse_envelope(data).map_err(|err| DecodeError::Unrecognized {
            target: target.kind,
            error: err.to_string(),
            summary: summarize_data(data),
        })?;
    // `schema.FromAPIVersionAndKind`: an apiVersion with more than one slash has no group/version.
    let (group, version) = match unknown.api_version.matches('/').count() {
        0 => (String::new(), unknown.api_version.clone()),
        1 => {
            let (group, version) = unknown.api_version.split_once('/').unwrap_or_default();
            (group.to_owned(), version.to_owned())
        }
        _ => (String::new(), String::new()),
    };
    // copyKindDefaults with the request's kind: an empty version takes the target's group too.
    let kind = if unknown.kind.is_empty() {
        target.kind.to_owned()
    } else {
        unknown.kind.clone()
    };
    let (group, version) = if version.is_empty() {
        (target.group.to_owned(), target.version.to_owned())
    } else {
        (group, version)
    };
    let cannot = |error: String| DecodeError::CannotHandle {
        target: target.kind,
        kind: kind.clone(),
        version: version.clone(),
        error,
    };
    let join = |group: &str, version: &str| {
        if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        }
    };
    let group_version = join(&group, &version);
    let target_group_version = join(target.group, target.version);
    if group_version != target_group_version || kind != target.kind {
        // The raw bytes are unmarshalled into the named type before conversion fails; of the other
        // kinds of the group only the target's list has a message here.
        if group_version == target_group_version && kind == format!("{}List", target.kind) {
            crate::protobuf::check_message(&unknown.raw, &kind)
                .map_err(|err| cannot(err.to_string()))?;
        }
        return Err(match (target.refuse)(&kind, &group_version, v) {
            Refusal::CannotHandle(error) => cannot(error),
            Refusal::Message(message) => DecodeError::Other(message),
        });
    }
    let object =
        crate::protobuf::decode_object_message(&unknown.raw, target.kind, &target_group_version)
            .map_err(|err| cannot(err.to_string()))?;
    Ok(Decoded {
        object,
        unknown_fields: Vec::new(),
        duplicate_fields: Vec::new(),
        strict: Vec::new(),
        yaml_strict: None,
        target: target.kind,
    })
}

/// Decodes `body` with the newest modelled version's texts; see [`decode_endpoints_for`].
///
/// # Errors
/// The [`DecodeError`] whose `Display` is kube-apiserver's 400 message.
pub fn decode_endpoints(body: &[u8], format: BodyFormat) -> Result<Decoded, DecodeError> {
    decode_endpoints_for(body, format, K8sVersion::NEWEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        decode_endpoints(body.as_bytes(), BodyFormat::Json)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn unrecognized_bodies() {
        assert_eq!(
            err(""),
            "the object provided is unrecognized (must be of type Endpoints): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)"
        );
        assert!(
            err("this is not json").ends_with("(expecting 'r') (74686973206973206e6f74206a736f6e)")
        );
        assert!(
            err(r#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"#)
                .ends_with(r#"({"apiVersion":"v1","kind":"End ...)"#)
        );
        assert!(
            err("[]").contains(
                "cannot unmarshal array into Go value of type struct { APIVersion string"
            )
        );
        assert!(
            err(r#"{"kind":5}"#)
                .contains("cannot unmarshal number into Go struct field .kind of type string")
        );
    }

    #[test]
    fn type_errors_name_the_go_struct_field() {
        assert_eq!(
            err(r#"{"subsets":[{"ports":[{"port":4294967296}]}]}"#),
            "Endpoints in version \"v1\" cannot be handled as a Endpoints: json: cannot unmarshal number 4294967296 into Go struct field EndpointPort.subsets.ports.port of type int32"
        );
        assert!(err(r#"{"subsets":[{"ports":[{"port":"80"}]}]}"#).ends_with("cannot unmarshal string into Go struct field EndpointPort.subsets.ports.port of type int32"));
        assert!(err(r#"{"metadata":"x"}"#).ends_with(
            "cannot unmarshal string into Go struct field Endpoints.metadata of type v1.ObjectMeta"
        ));
        assert!(err(r#"{"subsets":["x"]}"#).ends_with("cannot unmarshal string into Go struct field Endpoints.subsets of type v1.EndpointSubset"));
        assert!(err(r#"{"metadata":{"labels":{"a":1}}}"#).ends_with(
            "cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"
        ));
        assert!(
            err(r#"{"metadata":{"creationTimestamp":"abc"}}"#)
                .contains("cannot parse \"abc\" as \"2006\"")
        );
        let e = decode_endpoints(
            br#"{"subsets":[{"ports":[{"port":1.5}]}]}"#,
            BodyFormat::Json,
        )
        .unwrap_err();
        assert_eq!(e.rule_id(), "D3");
    }

    #[test]
    fn wrong_kind_and_version() {
        assert_eq!(
            err(r#"{"apiVersion":"v1","kind":"Service"}"#),
            "Service in version \"v1\" cannot be handled as a Endpoints: converting (v1.Service) to (core.Endpoints): unknown conversion"
        );
        let old = decode_endpoints_for(
            br#"{"apiVersion":"v2","kind":"Endpoints"}"#,
            BodyFormat::Json,
            K8sVersion::new(28),
        )
        .unwrap_err();
        assert_eq!(
            old.to_string(),
            "Endpoints in version \"v2\" cannot be handled as a Endpoints: no kind \"Endpoints\" is registered for version \"v2\" in scheme \"pkg/runtime/scheme.go:100\""
        );
        assert!(decode_endpoints(br#"{"metadata":{"name":"a"}}"#, BodyFormat::Json).is_ok());
    }

    #[test]
    fn unknown_and_duplicate_fields_in_kube_order() {
        // sigs.k8s.io/json reports strict problems in document order, each once.
        let body = br#"{"foo":1,"metadata":{"name":"a","name":"b"},"subsets":[{"addresses":[{"ip":"1.2.3.4","bar":1}]}],"foo":2}"#;
        let decoded = decode_endpoints(body, BodyFormat::Json).unwrap();
        assert_eq!(
            decoded.unknown_fields,
            vec!["foo", "subsets[0].addresses[0].bar"]
        );
        assert_eq!(decoded.duplicate_fields, vec!["metadata.name"]);
        assert_eq!(decoded.object["metadata"]["name"], "b");
        assert!(decoded.object.get("foo").is_none());
        assert_eq!(
            decoded.strict_error().unwrap().to_string(),
            "Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: unknown field \"foo\", duplicate field \"metadata.name\", unknown field \"subsets[0].addresses[0].bar\""
        );
    }

    #[test]
    fn yaml_keys_set_twice_are_strict_problems_but_no_warnings() {
        let body = b"metadata:\n  name: a\n  name: b\nfoo: 1\n";
        let decoded = decode_endpoints(body, BodyFormat::Yaml).unwrap();
        assert_eq!(decoded.object["metadata"]["name"], "b");
        assert_eq!(
            decoded.strict_error().unwrap().to_string(),
            "Endpoints in version \"v1\" cannot be handled as a Endpoints: strict decoding error: yaml: unmarshal errors:\n  line 3: key \"name\" already set in map, unknown field \"foo\""
        );
        assert_eq!(decoded.warnings(), vec!["unknown field \"foo\"".to_owned()]);
    }

    #[test]
    fn yaml_bodies() {
        let body = b"apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ep-1\nsubsets:\n- addresses:\n  - ip: 10.1.2.3\n  ports:\n  - name: http\n    port: 80\n";
        let decoded = decode_endpoints(body, BodyFormat::Yaml).unwrap();
        assert_eq!(decoded.object["subsets"][0]["ports"][0]["port"], 80);
        // go-yaml's text, with the summary of the body Go appends to every unrecognized body.
        assert_eq!(
            decode_endpoints(b"a: [", BodyFormat::Yaml)
                .unwrap_err()
                .to_string(),
            "the object provided is unrecognized (must be of type Endpoints): yaml: line 1: did not find expected node content (613a205b)"
        );
    }

    /// Protobuf POST and PUT bodies, decoded as kube-apiserver decodes them.
    mod protobuf_bodies {
        use serde_json::{Value, json};

        use super::super::*;
        use crate::protobuf::encode;

        fn decode_endpoints_request(body: &[u8], v: K8sVersion) -> Result<Decoded, DecodeError> {
            decode_endpoints_for(body, BodyFormat::Protobuf, v)
        }

        fn request_error(body: &[u8]) -> String {
            decode_endpoints_request(body, K8sVersion::new(36))
                .unwrap_err()
                .to_string()
        }

        #[test]
        fn request_bodies_fail_with_the_recorded_texts() {
            assert_eq!(
                request_error(b"\x00\x01garbage\xff"),
                "the object provided is unrecognized (must be of type Endpoints): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (000167617262616765ff)"
            );
            assert_eq!(
                request_error(b"k8s\0\xff\xff\xff\xff garbage"),
                "the object provided is unrecognized (must be of type Endpoints): proto: illegal wireType 7 (6b387300ffffffff2067617262616765)"
            );
            let list = encode(
                &json!({"kind": "EndpointsList", "apiVersion": "v1", "metadata": {},
        "items": [{"metadata": {"name": "ep-list"}}]}),
            )
            .unwrap();
            assert_eq!(
                request_error(&list),
                "EndpointsList in version \"v1\" cannot be handled as a Endpoints: converting (v1.EndpointsList) to (core.Endpoints): unknown conversion"
            );
        }

        #[test]
        fn bad_bytes_give_errors_never_panics() {
            let good = encode(&json!({"kind": "Endpoints", "apiVersion": "v1",
        "metadata": {"name": "a", "labels": {"x": "y"}, "creationTimestamp": "2026-12-02T06:04:04Z"},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]}))
    .unwrap();
            // Every truncation and every single-byte change either decodes or fails with a Go text.
            for end in 0..good.len() {
                let _ = decode_endpoints_request(&good[..end], K8sVersion::new(36));
            }
            for at in 4..good.len() {
                for byte in [0x00, 0x07, 0x7f, 0x80, 0xff] {
                    let mut bad = good.clone();
                    bad[at] = byte;
                    if let Err(err) = decode_endpoints_request(&bad, K8sVersion::new(36)) {
                        assert!(!err.to_string().is_empty());
                    }
                }
            }
        }

        #[test]
        fn protobuf_requests_decode_like_their_json_twins() {
            let object = json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "ep-1", "labels": {"b": "2", "a": "1"}},
        "subsets": [{"addresses": [{"ip": "10.0.0.1", "nodeName": "n", "targetRef": {"kind": "Pod", "name": "p"}}],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "appProtocol": "h2c"}]}]});
            let from_protobuf =
                decode_endpoints_request(&encode(&object).unwrap(), K8sVersion::new(36)).unwrap();
            let from_json = decode_endpoints_for(
                object.to_string().as_bytes(),
                BodyFormat::Json,
                K8sVersion::new(36),
            )
            .unwrap();
            let mut protobuf_object = from_protobuf.object;
            // Protobuf always carries a (zero) creationTimestamp, which Go's JSON writes as null.
            assert_eq!(
                protobuf_object["metadata"]["creationTimestamp"],
                Value::Null
            );
            protobuf_object["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("creationTimestamp");
            assert_eq!(protobuf_object, from_json.object);
        }
    }
}
