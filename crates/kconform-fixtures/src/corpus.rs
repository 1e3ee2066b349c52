//! The deterministic fixture corpus: generation, writing, and the staleness check.
//!
//! Layout (relative to the corpus directory, `fixtures/endpoints-v1` and `fixtures/endpointslice-v1`
//! in this repository):
//! `valid/<shape>-NNN.{json,yaml,pb}`, `invalid/<rule>-NNN.{json,yaml,pb}`,
//! `{valid,invalid}/corner-<name>.{json,yaml,pb}` and `index.json`. The same options always give byte-identical files: each shape and rule draws from its
//! own ChaCha stream seeded from the corpus seed and its name, and every map is ordered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kconform_spec::K8sVersion;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use serde_json::Value;

use crate::corner::{Replay, corner_cases};
use crate::expect::{Expectation, VersionRange};
use crate::invalid::{self, Body, MUTATED_RULES};
use crate::valid::{self, ValidShape};

/// The seed of the committed corpus.
pub const DEFAULT_SEED: u64 = 20_261_127;
/// Fixtures per shape and per rule in the committed corpus.
pub const DEFAULT_COUNT: usize = 2;
/// The corpus folder inside a repository.
pub const DEFAULT_DIR: &str = "fixtures/endpoints-v1";
/// The EndpointSlice corpus folder inside a repository.
pub const ENDPOINT_SLICE_DIR: &str = "fixtures/endpointslice-v1";
/// The command that regenerates the committed corpus.
pub const FIX_COMMAND: &str = "cargo xtask fixtures";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusOptions {
    /// Seed of every random stream.
    pub seed: u64,
    /// Fixtures per valid shape and per rule (the 256 KiB annotation rule M8 gets one).
    pub count: usize,
    /// Only fixtures whose expectation covers this version, generated for it; `None`: every modelled version.
    pub k8s_version: Option<K8sVersion>,
}

impl Default for CorpusOptions {
    fn default() -> Self {
        CorpusOptions {
            seed: DEFAULT_SEED,
            count: DEFAULT_COUNT,
            k8s_version: None,
        }
    }
}

/// Why a corpus could not be generated, written or checked.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A strategy could not produce a value (a filter rejected too many draws).
    #[error("generating fixtures for {stream}: {reason}")]
    Generate {
        /// The shape or rule.
        stream: String,
        /// proptest's explanation.
        reason: String,
    },
    /// A body could not be written as protobuf.
    #[error("writing {file} as protobuf")]
    Protobuf {
        /// The JSON fixture.
        file: String,
        /// The encoder's error.
        #[source]
        source: kconform_spec::protobuf::ProtobufError,
    },
    /// Reading or writing a file failed.
    #[error("{action} {path}")]
    Io {
        /// What was being done ("writing", "reading", "removing", "listing").
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The corpus on disk differs from what the generator produces.
    #[error(transparent)]
    Stale(#[from] StaleCorpus),
}

/// The committed corpus is out of date.
#[derive(Debug, thiserror::Error)]
#[error("the fixture corpus in {dir} is stale; run `{command}` and commit the result\n{diff}")]
pub struct StaleCorpus {
    /// The corpus directory.
    pub dir: String,
    /// The command that fixes it.
    pub command: String,
    /// A readable diff: missing, extra and changed files.
    pub diff: String,
}

/// Whether a fixture is accepted or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixtureKind {
    /// Created (201).
    Valid,
    /// Rejected (422 or 400).
    Invalid,
}

/// What request a fixture is sent with; absent from `index.json` for a create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// The body is a JSON merge patch (`application/merge-patch+json`) of the entry's `stored` object, sent
    /// to that object's URL after creating it.
    Patch,
}

/// Why a fixture has no protobuf twin: its violation is one protobuf cannot carry, or carries as
/// another request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoProtobuf {
    /// The body is not JSON (`D1`): its violation is in bytes that have no object to encode.
    NotJson,
    /// Unknown or duplicate fields (`D4`, `fieldValidation=Strict`): protobuf fields are numbered,
    /// so a body cannot carry a field name the message lacks, nor one name twice.
    UnknownOrDuplicateFields,
    /// A JSON value of the wrong type (`D2`, `D3`): protobuf fields are typed, so the conversion
    /// cannot keep it.
    WrongJsonType,
    /// A port outside int32 (400 `P4-int32`): protobuf's int32 field keeps only the low 32 bits,
    /// so the twin would carry another port and get another answer.
    Int32Overflow,
    /// Another kind or version (Endpoints `D6`, EndpointSlice `D5`): kube-apiserver reads the
    /// protobuf raw bytes as that kind's own message before the conversion fails, so the API's
    /// message under that kind is another request.
    OtherKind,
    /// A JSON merge patch (`M14`, `M15`): kube-apiserver answers a protobuf patch body with 415.
    Patch,
    /// The spec's protobuf codec has no message for this kind (no API of the corpus today).
    NoMessage,
}

impl NoProtobuf {
    /// The reason for a fixture's body, or None when it gets a protobuf twin.
    fn of(api: Api, body: &Body, rules: &[String], replay: &Replay) -> Option<NoProtobuf> {
        if replay.stored.is_some() {
            return Some(NoProtobuf::Patch);
        }
        let rule = rules.first().map(String::as_str).unwrap_or_default();
        // The decoding rules are numbered per API: the other-kind rule is `D6` for Endpoints and
        // `D5` for EndpointSlice (whose `D5` is not the Endpoints one).
        let other_kind = match api {
            Api::Endpoints => "D6",
            Api::EndpointSlices => "D5",
        };
        match (body, rule) {
            (_, "D4") => Some(NoProtobuf::UnknownOrDuplicateFields),
            (Body::Raw(_), _) | (_, "D1") => Some(NoProtobuf::NotJson),
            (_, "D2" | "D3") => Some(NoProtobuf::WrongJsonType),
            (_, "P4-int32") => Some(NoProtobuf::Int32Overflow),
            (_, rule) if rule == other_kind => Some(NoProtobuf::OtherKind),
            _ => None,
        }
    }
}

/// The protobuf twin of a JSON object, as client-go writes a request body: Go's marshalling, every
/// non-pointer field written even when empty (`kconform_spec::protobuf::encode`; the recorded
/// client request of `transcripts/protobuf/*/create-protobuf-body.json` has those bytes). The
/// envelope's typeMeta is the body's own `apiVersion` and `kind`, empty when it has none.
fn protobuf_twin(
    value: &Value,
    kind: &str,
) -> Result<Vec<u8>, kconform_spec::protobuf::ProtobufError> {
    let mut object = value.clone();
    if let Some(map) = object.as_object_mut() {
        // The message is chosen by kind; a body without one is still of the URL's kind.
        map.insert("kind".to_owned(), Value::from(kind));
    }
    let bytes = kconform_spec::protobuf::encode(&object)?;
    let mut unknown = kconform_spec::protobuf::parse_envelope(&bytes)?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
    unknown.kind = text("kind").to_owned();
    unknown.api_version = text("apiVersion").to_owned();
    Ok(unknown.to_bytes())
}

/// One entry of `index.json`.
#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    /// The JSON body, relative to the corpus directory.
    pub file: String,
    /// The same object as YAML; absent for bodies that are not a JSON object (400 `D1`), byte-exact bodies
    /// (`D4`) and patches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yaml: Option<String>,
    /// The same object as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), written as
    /// client-go writes a request body; absent when protobuf cannot carry the violation
    /// (`no_protobuf` says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protobuf: Option<String>,
    /// Why there is no protobuf twin; absent when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_protobuf: Option<NoProtobuf>,
    /// `valid` or `invalid`.
    pub kind: FixtureKind,
    /// The valid shape (`any`, `ipv6`, …), `corner` for hand-written cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    /// Ids of the broken rules (`kconform_spec::rules`), in the order of the causes; empty when valid.
    pub rules: Vec<String>,
    /// The HTTP status of the request (201, 422 or 400) at the newest version of `versions`; `expected`
    /// gives it per version (an EndpointSlice with `hints.forNodes` is created before 1.33 and
    /// rejected from 1.33).
    pub status: u16,
    /// `patch` for an update; absent for a create (a POST of the body to the collection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// The object created (POST) before the patch; present exactly when `operation` is `patch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored: Option<Value>,
    /// True when `stored` is deleted (DELETE) before the patch: it carries a finalizer, so it stays with
    /// `deletionTimestamp` set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub delete_stored: bool,
    /// Query parameters of the request, e.g. `{"fieldValidation": "Strict"}`; absent when none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// The versions for which `expected` states the answer.
    pub versions: VersionRange,
    /// The answer per range of versions (causes and messages can differ between versions).
    pub expected: Vec<Expectation>,
    /// The seed of the random stream the fixture was drawn from; absent for hand-written cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// `index.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Index {
    /// The format of this file.
    pub format: &'static str,
    /// The corpus seed.
    pub seed: u64,
    /// Fixtures per shape and rule.
    pub count: usize,
    /// The version the corpus was generated for, or absent for every modelled version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k8s_version: Option<String>,
    /// The command that regenerates the corpus.
    pub generated_by: String,
    /// Every fixture, valid first, in file order.
    pub fixtures: Vec<IndexEntry>,
}

/// A generated corpus: every file's relative path and bytes, and the index.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The index (also among `files` as `index.json`).
    pub index: Index,
    /// Relative path → contents, sorted by path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The API's corpus folder in a repository ([`Api::default_dir`]).
    pub dir: &'static str,
}

/// FNV-1a: a stable hash, so stream seeds never depend on the platform or the Rust version.
fn fnv1a(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.to_le_bytes().iter().chain(name.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The seed of the stream for `name` (a shape or rule) in a corpus seeded with `seed`.
///
/// Kept below 2^53 so that `index.json` readers whose numbers are doubles (JavaScript) read it exactly.
pub fn stream_seed(seed: u64, name: &str) -> u64 {
    fnv1a(seed, name) & ((1 << 53) - 1)
}

/// A test runner whose ChaCha generator is seeded from `seed` (SplitMix64 expansion to 32 bytes).
pub fn seeded_runner(seed: u64) -> TestRunner {
    let mut state = seed;
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

fn draw<T: std::fmt::Debug>(
    stream: &str,
    strategy: &BoxedStrategy<T>,
    runner: &mut TestRunner,
) -> Result<T, CorpusError> {
    strategy
        .new_tree(runner)
        .map(|tree| tree.current())
        .map_err(|reason| CorpusError::Generate {
            stream: stream.to_owned(),
            reason: reason.to_string(),
        })
}

fn json_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` cannot fail: all map keys are strings.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn versions_of(expected: &[Expectation]) -> VersionRange {
    let from = expected
        .first()
        .map_or(K8sVersion::OLDEST, |e| e.versions.from);
    let to = expected
        .last()
        .map_or(K8sVersion::NEWEST, |e| e.versions.to);
    VersionRange { from, to }
}

struct Builder {
    files: BTreeMap<String, Vec<u8>>,
    entries: Vec<IndexEntry>,
    /// The API the corpus is of (its kind chooses the protobuf message).
    api: Api,
    /// False when the spec's protobuf codec has no message for the API: no twin is written.
    protobuf: bool,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        folder: &str,
        stem: &str,
        kind: FixtureKind,
        shape: Option<String>,
        rules: Vec<String>,
        body: &Body,
        expected: Vec<Expectation>,
        seed: Option<u64>,
        replay: Replay,
    ) -> Result<(), CorpusError> {
        let file = format!("{folder}/{stem}.json");
        let no_protobuf = if self.protobuf {
            NoProtobuf::of(self.api, body, &rules, &replay)
        } else {
            Some(NoProtobuf::NoMessage)
        };
        let protobuf = match body {
            Body::Json(value) if no_protobuf.is_none() => {
                let pb_file = format!("{folder}/{stem}.pb");
                let bytes = protobuf_twin(value, self.api.kind()).map_err(|source| {
                    CorpusError::Protobuf {
                        file: file.clone(),
                        source,
                    }
                })?;
                self.files.insert(pb_file.clone(), bytes);
                Some(pb_file)
            }
            _ => None,
        };
        let yaml = match body {
            // A merge patch is JSON only.
            Body::Json(value) if replay.stored.is_some() => {
                self.files.insert(file.clone(), json_bytes(value));
                None
            }
            Body::Json(value) => {
                let yaml_file = format!("{folder}/{stem}.yaml");
                // Written as kube-apiserver writes YAML, so the twin reads back as its JSON twin.
                let text = kconform_spec::yaml::to_yaml(value);
                self.files.insert(yaml_file.clone(), text.into_bytes());
                self.files.insert(file.clone(), json_bytes(value));
                Some(yaml_file)
            }
            Body::Raw(bytes) => {
                self.files.insert(file.clone(), bytes.clone());
                None
            }
        };
        let status = expected.last().map_or(201, |e| e.outcome.status);
        let versions = versions_of(&expected);
        self.entries.push(IndexEntry {
            file,
            yaml,
            protobuf,
            no_protobuf,
            kind,
            shape,
            rules,
            status,
            operation: replay.stored.is_some().then_some(Operation::Patch),
            stored: replay.stored,
            delete_stored: replay.delete_stored,
            query: replay.query,
            versions,
            expected,
            seed,
        });
        Ok(())
    }
}

/// One random stream of the corpus: a valid shape or a rule, drawn `count` times.
pub(crate) struct Stream {
    /// The shape or rule: the file-name stem and the name the stream's seed is derived from.
    pub(crate) name: &'static str,
    /// The versions the stream's fixtures hold for (a `--k8s-version` outside it skips the stream).
    pub(crate) versions: VersionRange,
    /// How many fixtures to draw.
    pub(crate) count: usize,
    /// The fixtures.
    pub(crate) strategy: BoxedStrategy<Drawn>,
}

impl Stream {
    /// The stream of a drawn type that converts into a fixture.
    pub(crate) fn of<T: Into<Drawn> + std::fmt::Debug + 'static>(
        name: &'static str,
        versions: VersionRange,
        count: usize,
        strategy: BoxedStrategy<T>,
    ) -> Stream {
        Stream {
            name,
            versions,
            count,
            strategy: strategy.prop_map(Into::into).boxed(),
        }
    }
}

/// One stream per rule that has a mutator, with its versions and its count.
pub(crate) fn rule_streams<T: Into<Drawn> + std::fmt::Debug + 'static>(
    rules: &[&'static str],
    mutator: fn(&str) -> Option<BoxedStrategy<T>>,
    versions: fn(&str) -> VersionRange,
    count: impl Fn(&str) -> usize,
) -> Vec<Stream> {
    rules
        .iter()
        .filter_map(|&rule| {
            let strategy = mutator(rule)?;
            Some(Stream::of(rule, versions(rule), count(rule), strategy))
        })
        .collect()
}

impl From<invalid::InvalidEndpoints> for Drawn {
    fn from(drawn: invalid::InvalidEndpoints) -> Drawn {
        Drawn::new(drawn.body, drawn.expected)
    }
}

/// One drawn fixture: its body and its expected answers.
#[derive(Debug, Clone)]
pub(crate) struct Drawn {
    pub(crate) body: Body,
    pub(crate) expected: Vec<Expectation>,
}

impl Drawn {
    pub(crate) fn new(body: Body, expected: Vec<Expectation>) -> Drawn {
        Drawn { body, expected }
    }
}

/// What one API's corpus is made of, in file order.
pub(crate) struct Parts {
    pub(crate) api: Api,
    /// Valid shapes.
    pub(crate) valid: Vec<Stream>,
    /// Invalid rules.
    pub(crate) invalid: Vec<Stream>,
    /// Hand-written cases, valid and invalid.
    pub(crate) corners: Vec<crate::corner::CornerCase>,
}

/// The APIs a corpus can be generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Api {
    /// core/v1 Endpoints (`fixtures/endpoints-v1`).
    #[default]
    Endpoints,
    /// discovery.k8s.io/v1 EndpointSlice (`fixtures/endpointslice-v1`).
    EndpointSlices,
}

impl Api {
    /// Every API, in the order `kconform fixtures` names them.
    pub const ALL: &'static [Api] = &[Api::Endpoints, Api::EndpointSlices];

    /// The name on the command line (`--api endpoints`), the resource's plural.
    pub fn name(self) -> &'static str {
        match self {
            Api::Endpoints => "endpoints",
            Api::EndpointSlices => "endpointslices",
        }
    }

    /// The corpus folder inside a repository.
    pub fn default_dir(self) -> &'static str {
        match self {
            Api::Endpoints => DEFAULT_DIR,
            Api::EndpointSlices => ENDPOINT_SLICE_DIR,
        }
    }

    /// The kind of the API's objects.
    pub fn kind(self) -> &'static str {
        match self {
            Api::Endpoints => "Endpoints",
            Api::EndpointSlices => "EndpointSlice",
        }
    }

    /// Whether the spec's protobuf codec can write this API's objects (else no fixture has a `.pb` twin).
    fn has_protobuf(self) -> bool {
        kconform_spec::protobuf::has_message(self.kind())
    }
}

impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Api {
    type Err = String;

    fn from_str(s: &str) -> Result<Api, String> {
        Api::ALL
            .iter()
            .copied()
            .find(|api| api.name() == s)
            .ok_or_else(|| format!("unknown API {s:?}: expected endpoints or endpointslices"))
    }
}

/// Generates the Endpoints corpus for `options`.
///
/// # Errors
/// [`CorpusError::Generate`] if a strategy gives up.
pub fn generate(options: &CorpusOptions) -> Result<Corpus, CorpusError> {
    generate_api(Api::Endpoints, options)
}

/// Generates the corpus of `api` for `options`.
///
/// # Errors
/// [`CorpusError::Generate`] if a strategy gives up.
pub fn generate_api(api: Api, options: &CorpusOptions) -> Result<Corpus, CorpusError> {
    let parts = match api {
        Api::Endpoints => endpoints_parts(options),
        Api::EndpointSlices => crate::endpointslice::corpus_parts(options),
    };
    assemble(parts, options)
}

/// The streams and corner cases of the Endpoints corpus.
fn endpoints_parts(options: &CorpusOptions) -> Parts {
    let valid = ValidShape::ALL
        .iter()
        .map(|&shape| {
            let v = options.k8s_version.unwrap_or(shape.versions().to);
            Stream {
                name: shape.name(),
                versions: shape.versions(),
                count: options.count,
                strategy: valid::valid_shape(shape, v)
                    .prop_map(|drawn| Drawn {
                        body: Body::Json(drawn.object),
                        expected: vec![Expectation {
                            versions: drawn.versions,
                            outcome: crate::expect::Outcome::created(),
                        }],
                    })
                    .boxed(),
            }
        })
        .collect();
    // One 256 KiB body is enough to show the annotation limit.
    let invalid = rule_streams(
        MUTATED_RULES,
        invalid::invalid_for_rule,
        invalid::rule_versions,
        |rule| {
            if rule == "M8" {
                options.count.min(1)
            } else {
                options.count
            }
        },
    );
    Parts {
        api: Api::Endpoints,
        valid,
        invalid,
        corners: corner_cases(),
    }
}

/// Draws every stream and writes the files and the index: valid shapes, valid corner cases, rules,
/// invalid corner cases.
fn assemble(parts: Parts, options: &CorpusOptions) -> Result<Corpus, CorpusError> {
    let mut b = Builder {
        files: BTreeMap::new(),
        entries: Vec::new(),
        api: parts.api,
        protobuf: parts.api.has_protobuf(),
    };
    let covers = |range: VersionRange| options.k8s_version.is_none_or(|v| range.contains(v));
    let (valid_corners, invalid_corners): (Vec<_>, Vec<_>) =
        parts.corners.into_iter().partition(|c| c.valid);
    for (streams, corners, kind, folder) in [
        (parts.valid, valid_corners, FixtureKind::Valid, "valid"),
        (
            parts.invalid,
            invalid_corners,
            FixtureKind::Invalid,
            "invalid",
        ),
    ] {
        for stream in streams {
            if !covers(stream.versions) {
                continue;
            }
            let seed = stream_seed(options.seed, stream.name);
            let mut runner = seeded_runner(seed);
            for n in 0..stream.count {
                let drawn = draw(stream.name, &stream.strategy, &mut runner)?;
                let (shape, rules) = match kind {
                    FixtureKind::Valid => (Some(stream.name.to_owned()), Vec::new()),
                    FixtureKind::Invalid => (None, vec![stream.name.to_owned()]),
                };
                b.add(
                    folder,
                    &format!("{}-{n:03}", stream.name),
                    kind,
                    shape,
                    rules,
                    &drawn.body,
                    drawn.expected,
                    Some(seed),
                    Replay::default(),
                )?;
            }
        }
        for case in corners {
            if covers(versions_of(&case.expected)) {
                b.add(
                    folder,
                    &format!("corner-{}", case.name),
                    kind,
                    Some("corner".into()),
                    case.rules,
                    &case.body,
                    case.expected,
                    None,
                    case.replay,
                )?;
            }
        }
    }

    let mut generated_by = FIX_COMMAND.to_owned();
    if parts.api != Api::Endpoints {
        generated_by.push_str(&format!(" --api {}", parts.api));
    }
    generated_by.push_str(&format!(
        " --seed {} --count {}",
        options.seed, options.count
    ));
    if let Some(v) = options.k8s_version {
        generated_by.push_str(&format!(" --k8s-version {v}"));
    }
    let index = Index {
        format: "kconform-fixtures/v1",
        seed: options.seed,
        count: options.count,
        k8s_version: options.k8s_version.map(|v| v.to_string()),
        generated_by,
        fixtures: b.entries,
    };
    let mut index_bytes = serde_json::to_vec_pretty(&index).unwrap_or_default();
    index_bytes.push(b'\n');
    b.files.insert("index.json".to_owned(), index_bytes);
    Ok(Corpus {
        index,
        files: b.files,
        dir: parts.api.default_dir(),
    })
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CorpusError + use<> {
    let path = path.to_owned();
    move |source| CorpusError::Io {
        action,
        path,
        source,
    }
}

/// The corpus files present in `dir`: `index.json` and every file of `valid/` and `invalid/`.
fn files_on_disk(dir: &Path) -> Result<BTreeMap<String, PathBuf>, CorpusError> {
    let mut out = BTreeMap::new();
    let index = dir.join("index.json");
    if index.exists() {
        out.insert("index.json".to_owned(), index);
    }
    for folder in ["valid", "invalid"] {
        let sub = dir.join(folder);
        if !sub.exists() {
            continue;
        }
        for entry in std::fs::read_dir(&sub).map_err(io("listing", &sub))? {
            let entry = entry.map_err(io("listing", &sub))?;
            if entry.path().is_file() {
                out.insert(
                    format!("{folder}/{}", entry.file_name().to_string_lossy()),
                    entry.path(),
                );
            }
        }
    }
    Ok(out)
}

impl Corpus {
    /// Writes the corpus into `dir`, removing corpus files that are no longer generated.
    ///
    /// # Errors
    /// [`CorpusError::Io`] when a file cannot be written or removed.
    pub fn write(&self, dir: &Path) -> Result<(), CorpusError> {
        for folder in ["valid", "invalid"] {
            let sub = dir.join(folder);
            std::fs::create_dir_all(&sub).map_err(io("creating", &sub))?;
        }
        for (rel, path) in files_on_disk(dir)? {
            if !self.files.contains_key(&rel) {
                std::fs::remove_file(&path).map_err(io("removing", &path))?;
            }
        }
        for (rel, bytes) in &self.files {
            let path = dir.join(rel);
            // Leave identical files untouched so their timestamps do not change.
            if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                std::fs::write(&path, bytes).map_err(io("writing", &path))?;
            }
        }
        Ok(())
    }

    /// Compares the corpus with the files in `dir`.
    ///
    /// # Errors
    /// [`CorpusError::Stale`] with a diff when they differ; [`CorpusError::Io`] when `dir` cannot be read.
    pub fn check(&self, dir: &Path) -> Result<(), CorpusError> {
        let on_disk = files_on_disk(dir)?;
        let mut diff = String::new();
        let mut shown = 0usize;
        for (rel, bytes) in &self.files {
            let Some(path) = on_disk.get(rel) else {
                diff.push_str(&format!("missing: {rel}\n"));
                continue;
            };
            let current = std::fs::read(path).map_err(io("reading", path))?;
            if &current != bytes {
                diff.push_str(&format!("changed: {rel}\n"));
                // Full diffs of the first few files are enough to see what changed.
                if shown < 3 {
                    shown += 1;
                    let old = String::from_utf8_lossy(&current);
                    let new = String::from_utf8_lossy(bytes);
                    let text = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
                    let unified = text
                        .unified_diff()
                        .context_radius(2)
                        .header(&format!("a/{rel}"), &format!("b/{rel}"))
                        .to_string();
                    for line in unified.lines().take(60) {
                        diff.push_str(line);
                        diff.push('\n');
                    }
                }
            }
        }
        for rel in on_disk.keys() {
            if !self.files.contains_key(rel) {
                diff.push_str(&format!("extra: {rel}\n"));
            }
        }
        if diff.is_empty() {
            Ok(())
        } else {
            let mut command = self.index.generated_by.clone();
            if dir != Path::new(self.dir) {
                command.push_str(&format!(" --out {}", dir.display()));
            }
            Err(StaleCorpus {
                dir: dir.display().to_string(),
                command,
                diff,
            }
            .into())
        }
    }
}
