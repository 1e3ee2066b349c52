//! Server configuration: emulated version, credentials and rights, history window and fault switches.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use kconform_spec::K8sVersion;

/// The group whose members may do everything, as in kube-apiserver's RBAC bootstrap policy.
pub const MASTERS_GROUP: &str = "system:masters";

/// Default number of retained events (the history window).
pub const DEFAULT_HISTORY: usize = 10_000;

/// How often an open watch with `allowWatchBookmarks` gets a BOOKMARK (kube-apiserver's
/// `defaultBookmarkFrequency`).
pub const DEFAULT_BOOKMARK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a deleted namespace stays Terminating by default ([`Config::namespace_finalize_after`]):
/// long enough for a client's next requests (`kubectl delete -f` deletes the namespace's objects
/// after the namespace) to find it terminating, short enough for a test that waits for it to go.
pub const DEFAULT_NAMESPACE_FINALIZE_AFTER: std::time::Duration =
    std::time::Duration::from_millis(500);

/// How the reference server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The kube-apiserver version whose behaviour is emulated.
    pub version: K8sVersion,
    /// Bearer tokens. Empty means authentication is off and every request acts as an administrator.
    pub tokens: Vec<TokenEntry>,
    /// Extra rights on `endpoints` for users outside [`MASTERS_GROUP`], by user name.
    pub grants: BTreeMap<String, BTreeSet<Verb>>,
    /// How many events the store retains before compacting (the window for continue tokens,
    /// `resourceVersionMatch=Exact` and watches).
    pub history: usize,
    /// How often an open watch with `allowWatchBookmarks` gets a BOOKMARK once something was written
    /// (besides the one 2 s before its deadline).
    pub bookmark_interval: std::time::Duration,
    /// Do the garbage collector's part: an object deleted with propagationPolicy Foreground or
    /// Orphan loses that finalizer at once (Endpoints have no dependents), as in a cluster running
    /// kube-controller-manager. Off by default: a kube-apiserver alone, as recorded, keeps the object
    /// with its `foregroundDeletion` or `orphan` finalizer until a client removes it.
    pub garbage_collector: bool,
    /// How long a deleted namespace stays Terminating before its contents and the namespace are
    /// removed: the namespace controller's part. kube-apiserver alone only marks the namespace
    /// (deletionTimestamp, phase Terminating); the controller then deletes what it holds and
    /// removes the `kubernetes` finalizer, within seconds in a cluster.
    pub namespace_finalize_after: std::time::Duration,
    /// Behaviours to break on purpose.
    pub faults: FaultSet,
    /// TLS setting for [`crate::spawn`] and the binary.
    pub tls: Tls,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: K8sVersion::NEWEST,
            tokens: Vec::new(),
            grants: BTreeMap::new(),
            history: DEFAULT_HISTORY,
            bookmark_interval: DEFAULT_BOOKMARK_INTERVAL,
            garbage_collector: false,
            namespace_finalize_after: DEFAULT_NAMESPACE_FINALIZE_AFTER,
            faults: FaultSet::default(),
            tls: Tls::Off,
        }
    }
}

impl Config {
    /// A configuration with one administrator token (user `admin`, group `system:masters`).
    pub fn with_admin_token(mut self, token: impl Into<String>) -> Self {
        self.tokens.push(TokenEntry {
            token: token.into(),
            user: "admin".to_owned(),
            uid: "admin".to_owned(),
            groups: vec![MASTERS_GROUP.to_owned()],
        });
        self
    }

    /// The first token whose user is in [`MASTERS_GROUP`], if any.
    pub fn admin_token(&self) -> Option<&str> {
        self.tokens
            .iter()
            .find(|entry| entry.groups.iter().any(|group| group == MASTERS_GROUP))
            .map(|entry| entry.token.as_str())
    }
}

/// TLS for the listener.
#[derive(Debug, Clone, Default)]
pub enum Tls {
    /// Plain HTTP.
    #[default]
    Off,
    /// A self-signed certificate for 127.0.0.1/localhost generated at start; its PEM is written to the path,
    /// when given, so clients can trust it.
    SelfSigned {
        /// Where to write the certificate (PEM).
        cert_out: Option<PathBuf>,
    },
    /// A certificate and key from PEM files.
    Files {
        /// The certificate chain (PEM).
        cert: PathBuf,
        /// The private key (PEM).
        key: PathBuf,
    },
}

/// One line of a kube-apiserver static token file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEntry {
    /// The bearer token.
    pub token: String,
    /// The user name.
    pub user: String,
    /// The user uid.
    pub uid: String,
    /// The groups.
    pub groups: Vec<String>,
}

/// Errors reading a token file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenFileError {
    /// A line has fewer than three columns.
    #[error("line {line}: expected token,user,uid[,\"group1,group2\"], got {columns} column(s)")]
    TooFewColumns {
        /// 1-based line number.
        line: usize,
        /// Columns found.
        columns: usize,
    },
    /// A quoted column is not closed.
    #[error("line {line}: unterminated quote")]
    UnterminatedQuote {
        /// 1-based line number.
        line: usize,
    },
    /// The token column is empty.
    #[error("line {line}: empty token")]
    EmptyToken {
        /// 1-based line number.
        line: usize,
    },
}

/// Parse a static token file (`--token-auth-file`): CSV lines `token,user,uid[,"group1,group2"]`.
///
/// # Errors
/// [`TokenFileError`] naming the first bad line.
pub fn parse_token_file(text: &str) -> Result<Vec<TokenEntry>, TokenFileError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let columns = split_csv(raw).ok_or(TokenFileError::UnterminatedQuote { line })?;
        if columns.len() < 3 {
            return Err(TokenFileError::TooFewColumns {
                line,
                columns: columns.len(),
            });
        }
        if columns[0].is_empty() {
            return Err(TokenFileError::EmptyToken { line });
        }
        let groups = columns
            .get(3)
            .map(|groups| {
                groups
                    .split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        entries.push(TokenEntry {
            token: columns[0].clone(),
            user: columns[1].clone(),
            uid: columns[2].clone(),
            groups,
        });
    }
    Ok(entries)
}

/// Splits one CSV line with `"` quoting (`""` is a literal quote). None when a quote is not closed.
fn split_csv(line: &str) -> Option<Vec<String>> {
    let mut columns = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => columns.push(std::mem::take(&mut current)),
            (c, _) => current.push(c),
        }
    }
    if quoted {
        return None;
    }
    columns.push(current);
    Some(columns.into_iter().map(|c| c.trim().to_owned()).collect())
}

/// An authorization verb on `endpoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    /// GET one object.
    Get,
    /// LIST.
    List,
    /// WATCH.
    Watch,
    /// POST (and PUT or apply that creates).
    Create,
    /// PUT.
    Update,
    /// PATCH.
    Patch,
    /// DELETE one object.
    Delete,
    /// DELETE the collection.
    DeleteCollection,
}

impl Verb {
    /// Every verb.
    pub const ALL: [Verb; 8] = [
        Verb::Get,
        Verb::List,
        Verb::Watch,
        Verb::Create,
        Verb::Update,
        Verb::Patch,
        Verb::Delete,
        Verb::DeleteCollection,
    ];

    /// The RBAC name (`get`, `deletecollection`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown verb, fault or grant.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// Not an RBAC verb on endpoints.
    #[error(
        "unknown verb {0:?} (expected one of get, list, watch, create, update, patch, delete, deletecollection)"
    )]
    Verb(String),
    /// Not a fault name.
    #[error("unknown fault {0:?} (see `kconform-mock --list-faults`)")]
    Fault(String),
    /// A grant without `=`.
    #[error("grant {0:?} is not USER=VERB[,VERB...]")]
    Grant(String),
}

impl FromStr for Verb {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verb::ALL
            .into_iter()
            .find(|verb| verb.as_str() == s)
            .ok_or_else(|| ParseError::Verb(s.to_owned()))
    }
}

/// Parse a grant `USER=VERB[,VERB...]` (`*` for all verbs).
///
/// # Errors
/// [`ParseError::Grant`] or [`ParseError::Verb`].
pub fn parse_grant(text: &str) -> Result<(String, BTreeSet<Verb>), ParseError> {
    let (user, verbs) = text
        .split_once('=')
        .ok_or_else(|| ParseError::Grant(text.to_owned()))?;
    let verbs = if verbs.trim() == "*" {
        Verb::ALL.into_iter().collect()
    } else {
        verbs
            .split(',')
            .map(|verb| verb.trim().parse())
            .collect::<Result<_, _>>()?
    };
    Ok((user.to_owned(), verbs))
}

macro_rules! faults {
    ($($variant:ident => $name:literal : $doc:literal,)*) => {
        /// A deliberate deviation from kube-apiserver's behaviour, for testing that the conformance suite
        /// notices it. Each fault breaks exactly one behaviour; the name is its stable identifier.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $(#[doc = $doc] $variant,)*
        }

        impl Fault {
            /// Every fault.
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            /// The stable name used by `--fault NAME`.
            pub fn name(self) -> &'static str {
                match self { $(Fault::$variant => $name,)* }
            }

            /// What the fault breaks.
            pub fn description(self) -> &'static str {
                match self { $(Fault::$variant => $doc,)* }
            }
        }
    };
}

faults! {
    CreateReturns200 => "create-returns-200": "POST answers 200 instead of 201 on success.",
    NoConflictOnStaleRv => "no-conflict-on-stale-rv": "PUT and PATCH with a stale resourceVersion succeed instead of 409 Conflict.",
    LimitIgnored => "limit-ignored": "LIST ignores `limit` and returns every item without a continue token.",
    DryRunPersists => "dry-run-persists": "Writes with dryRun=All are stored (and emit watch events) as if dryRun were absent.",
    DropDeprecationWarning => "drop-deprecation-warning": "The 1.33+ deprecation Warning header is never sent.",
    NoDefaultProtocol => "no-default-protocol": "Ports without a protocol are stored without defaulting it to TCP.",
    DeleteReturnsObject => "delete-returns-object": "DELETE answers with the deleted object instead of a Status.",
    NotFoundWrongReason => "not-found-wrong-reason": "404 answers carry reason \"Gone\" instead of \"NotFound\".",
    NoRemainingItemCount => "no-remaining-item-count": "Paged lists omit metadata.remainingItemCount.",
    SkipValidation => "skip-validation": "Objects are stored without validation (no 422 for invalid Endpoints).",
    AlreadyExistsOverwrites => "already-exists-overwrites": "POST of a name that exists replaces the stored object instead of answering 409 AlreadyExists.",
    CreateInMissingNamespace => "create-in-missing-namespace": "POST into a namespace that does not exist creates the object instead of answering 404 (no NamespaceLifecycle admission).",
    NamespaceMismatchAccepted => "namespace-mismatch-accepted": "A body whose metadata.namespace differs from the URL is moved to the URL's namespace instead of answering 400.",
    GenerateNameWithoutSuffix => "generate-name-without-suffix": "generateName is used as the name as is, without the 5 random characters.",
    PutDoesNotCreate => "put-does-not-create": "PUT of a missing object answers 404 instead of creating it (201).",
    UidPreconditionIgnored => "uid-precondition-ignored": "PUT with a metadata.uid other than the stored one is not refused with 409 Conflict.",
    UpdateDropsDeletionState => "update-drops-deletion-state": "A PUT or PATCH of an object held in deletion takes metadata.deletionTimestamp and deletionGracePeriodSeconds from the body (dropping them when it has none) instead of keeping the stored ones.",
    PutCreatesDespiteUid => "put-creates-despite-uid": "PUT of a name that does not exist with a metadata.uid in the body creates the object (201) instead of failing the uid precondition with 409 Conflict.",
    DeletePreconditionsIgnored => "delete-preconditions-ignored": "DeleteOptions preconditions (uid, resourceVersion) are not enforced: a mismatch deletes instead of 409.",
    FinalizersIgnored => "finalizers-ignored": "DELETE removes an object at once even when finalizers hold it (no deletionTimestamp phase).",
    PropagationPolicyIgnored => "propagation-policy-ignored": "propagationPolicy Foreground/Orphan adds no foregroundDeletion/orphan finalizer: the object goes at once.",
    DeleteCollectionIgnoresSelector => "delete-collection-ignores-selector": "DELETE of the collection deletes every object of the namespace, ignoring labelSelector and fieldSelector.",
    UnauthenticatedWatch => "unauthenticated-watch": "Watch requests with an unknown or missing bearer token are served instead of answering 401 (401 missing on one route).",
    DeleteCollectionUnauthorized => "delete-collection-unauthorized": "Users without rights may DELETE the collection (403 missing for the deletecollection verb).",
    ContinueSkipsItem => "continue-skips-item": "A continued LIST skips the first item of every page after the first.",
    ContinueRepeatsItem => "continue-repeats-item": "A continued LIST repeats the last item of the previous page.",
    EmptyListItemsNull => "empty-list-items-null": "A LIST with no items answers `\"items\":null` instead of `[]`.",
    ExactResourceVersionIgnored => "exact-resource-version-ignored": "resourceVersionMatch=Exact reads the latest state instead of the state at that resourceVersion.",
    FutureResourceVersionServed => "future-resource-version-served": "GET and LIST at a resourceVersion far in the future answer at once instead of waiting and answering 504.",
    LoopbackIpAccepted => "loopback-ip-accepted": "Loopback addresses (127.0.0.0/8, ::1) are accepted on create (no `may not be in the loopback range` cause).",
    WrongCauseFieldPath => "wrong-cause-field-path": "Validation causes name fields with dots (`subsets.0.addresses.0.ip`) instead of `subsets[0].addresses[0].ip`.",
    UpdateSkipsValidation => "update-skips-validation": "PUT and PATCH store invalid objects (validation runs on create only).",
    UnknownFieldWarningDropped => "unknown-field-warning-dropped": "fieldValidation=Warn (the default) sends no `unknown field` Warning header on POST and PUT.",
    StrictFieldValidationIgnored => "strict-field-validation-ignored": "fieldValidation=Strict accepts unknown and duplicate fields on POST and PUT instead of answering 400.",
    PrettyIgnored => "pretty-ignored": "`pretty=true` is ignored: bodies are compact JSON.",
    NotAcceptableIgnored => "not-acceptable-ignored": "An Accept header with no supported media type is answered in JSON instead of 406 NotAcceptable.",
    UnsupportedMediaTypeAccepted => "unsupported-media-type-accepted": "POST and PUT bodies of any Content-Type are decoded as JSON instead of answering 415.",
    NoBodySizeLimit => "no-body-size-limit": "Request bodies over 3 MiB are read instead of answering 413 RequestEntityTooLarge.",
    WarningDroppedOnErrors => "warning-dropped-on-errors": "The deprecation Warning header is sent on successes only, not on handler errors such as 404.",
    SmpMergesSubsets => "smp-merges-subsets": "A strategic merge patch appends the patch's subsets to the stored ones instead of replacing the list.",
    ApplyIgnoresConflicts => "apply-ignores-conflicts": "Server-side apply takes over fields owned by other managers without a 409 conflict (as if force=true).",
    NoBeforeFirstApply => "no-before-first-apply": "The first apply to an object without managedFields takes every field at once, as if nobody owned them, instead of conflicting with the `before-first-apply` manager.",
    UntrackedUpdatesTracked => "untracked-updates-tracked": "A PUT or PATCH of an object without managedFields starts tracking (an Update entry appears) instead of leaving it untracked.",
    ConflictPathsSortedAsText => "conflict-paths-sorted-as-text": "An apply conflict lists each manager's fields sorted as text (`.metadata.labels.app` before `.subsets`) instead of in structured-merge-diff's set order (members before children).",
    DeleteOptionsTypeErrorIgnored => "delete-options-type-error-ignored": "A DeleteOptions body with a field of the wrong JSON type (`\"dryRun\": \"All\"`) is read as if that field were absent instead of failing to decode (500 to 1.34, 400 from 1.35).",
    ApplyOwnsLabelMap => "apply-owns-label-map": "An Apply managedFields entry also owns the labels map itself (a `\".\"` under `f:labels`), as an Update entry does.",
    JsonPatchFailure400 => "json-patch-failure-400": "A JSON patch that cannot be applied (failed test, missing path) answers 400 instead of 422.",
    WatchDropsEvents => "watch-drops-events": "Watches drop every third change event.",
    WatchReordersEvents => "watch-reorders-events": "Watches swap each pair of change events (the second is sent before the first).",
    NoBookmarks => "no-bookmarks": "Watches never send BOOKMARK events, even with allowWatchBookmarks=true.",
    BookmarkWithoutInitialEventsEnd => "bookmark-without-initial-events-end": "The BOOKMARK after the initial events lacks the `k8s.io/initial-events-end: \"true\"` annotation.",
    WatchTooOldReplays => "watch-too-old-replays": "A watch from a compacted resourceVersion replays the current state from the start instead of the 410 Expired ERROR event.",
    WatchIgnoresTimeout => "watch-ignores-timeout": "Watches ignore timeoutSeconds and stay open (for the default 30 to 60 minutes).",
    WatchNoInitialEvents => "watch-no-initial-events": "A watch from resourceVersion \"\" or 0 (or with sendInitialEvents) sends no ADDED events for the objects that exist.",
    WatchSelectorExitNotDeleted => "watch-selector-exit-not-deleted": "An object that stops matching a watch's selector is not delivered as DELETED (the watcher never learns it left).",
    WatchNamedPathIgnoresName => "watch-named-path-ignores-name": "The deprecated named watch path /api/v1/watch/namespaces/{ns}/endpoints/{name} delivers every object of the namespace.",
    WatchWrongContentType => "watch-wrong-content-type": "Watch streams are labelled `Content-Type: text/plain` instead of `application/json`.",
    PathNamesUnchecked => "path-names-unchecked": "A name in the URL that cannot be a path segment (`.`, `..`, one containing `%`) is looked up as is instead of answering 400 `Name parameter invalid`.",
    PathSegmentsUndecoded => "path-segments-undecoded": "Path segments are used as sent, without percent-decoding: `caf%C3%A9` is not the name `café`, nor `e%70-1` the name `ep-1`.",
    NotAcceptableListShort => "not-acceptable-list-short": "A list or watch with no acceptable media type answers get's 406 text, without `application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch`.",
    DiscoveryMissingDeleteCollection => "discovery-missing-delete-collection": "GET /api/v1 lists the endpoints resource without the deletecollection verb.",
    ProtobufEmptyFieldsOmitted => "protobuf-empty-fields-omitted": "Protobuf objects leave out the empty fields Go always writes (`\"\"`, `0`, empty messages), so the bytes differ from kube-apiserver's.",
    ProtobufListDropsContinue => "protobuf-list-drops-continue": "A protobuf LIST page carries no continue token (ListMeta.continue empty).",
    ProtobufCreateRefused => "protobuf-create-refused": "POST with a protobuf body answers 415 UnsupportedMediaType instead of decoding it.",
    ProtobufReplaceRefused => "protobuf-replace-refused": "PUT with a protobuf body answers 415 UnsupportedMediaType instead of decoding it.",
    ProtobufDeleteOptionsIgnored => "protobuf-delete-options-ignored": "A protobuf DeleteOptions body is ignored (dryRun, preconditions and propagationPolicy in it have no effect).",
    ProtobufDeleteCollectionJson => "protobuf-delete-collection-json": "DELETE of the collection answers JSON when protobuf was asked for.",
    ProtobufWatchJson => "protobuf-watch-json": "A watch that asks for protobuf streams newline-delimited JSON instead of length-prefixed protobuf frames.",
    ProtobufWatchBookmarksDropped => "protobuf-watch-bookmarks-dropped": "A protobuf watch sends no BOOKMARK events.",
    ProtobufWatchExpiredAsStatus => "protobuf-watch-expired-as-status": "A protobuf watch from a compacted resourceVersion answers HTTP 410 with a Status body instead of a 200 stream with one ERROR event.",
    ProtobufErrorsJson => "protobuf-errors-json": "Handler errors (400, 404, 409, 422) are JSON when protobuf was asked for.",
    ProtobufFilterErrorsJson => "protobuf-filter-errors-json": "401 and 403 are JSON when protobuf was asked for.",
    ProtobufPatchHandlerText => "protobuf-patch-handler-text": "PATCH with a protobuf body answers the handler's 415 text (`the body of the request was in an unknown format …`) instead of the router's `415: Unsupported Media Type`.",
    AcceptQValuesIgnored => "accept-q-values-ignored": "Content negotiation takes the first acceptable Accept entry, ignoring q-values: `application/json;q=0.5,application/vnd.kubernetes.protobuf` gets JSON.",
    ProtobufDecodeErrorsGeneric => "protobuf-decode-errors-generic": "Undecodable protobuf bodies answer a generic `the body is not valid protobuf` 400 instead of kube-apiserver's decoder texts.",
    // EndpointSlice (discovery.k8s.io/v1): each switch breaks one behaviour of that resource only.
    EsGenerationNotSet => "es-generation-not-set": "An EndpointSlice is created without `metadata.generation: 1` (the strategy's PrepareForCreate does not set it).",
    EsGenerationIgnoresPorts => "es-generation-ignores-ports": "An EndpointSlice update that changes only the ports keeps the stored `metadata.generation` instead of incrementing it.",
    EsGenerationCountsAnnotations => "es-generation-counts-annotations": "An EndpointSlice update that changes only annotations increments `metadata.generation` (only the address type, endpoints, ports and labels should).",
    EsPortNameNotDefaulted => "es-port-name-not-defaulted": "An EndpointSlice port without a name is stored without `name: \"\"` (protocol is still defaulted to TCP).",
    EsDeprecatedTopologyKept => "es-deprecated-topology-kept": "`endpoints[*].deprecatedTopology` is stored and answered instead of being dropped silently on v1.",
    EsEmptyEndpointsStored => "es-empty-endpoints-stored": "`endpoints: []` (and `ports: []`) are stored and answered as `[]` instead of coming back from storage as `null`.",
    EsNullListsOmitted => "es-null-lists-omitted": "An EndpointSlice without endpoints or ports is answered without the `endpoints`/`ports` keys instead of Go's `null` for these non-omitempty lists.",
    EsFqdnWarningMissing => "es-fqdn-warning-missing": "A write of an FQDN slice sends no `spec.addressType: FQDN endpoints are deprecated` Warning.",
    EsHintsForNodesKept => "es-hints-for-nodes-kept": "Before 1.33, `hints.forNodes` is decoded and stored (no unknown-field Warning, no 400 under Strict) as if the field existed.",
    EsAddressTypeMutable => "es-address-type-mutable": "An update may change `addressType` (no 422 `field is immutable`).",
    EsIpAddressTypeCreatable => "es-ip-address-type-creatable": "The deprecated addressType `IP` is accepted on create instead of 422 Unsupported value (it is valid only on a slice that already has it).",
    EsPortRangeValidated => "es-port-range-validated": "EndpointSlice port numbers outside 1..65535 (0, 65536, -1) are rejected with 422, which kube-apiserver accepts.",
    EsPortsLimitEnforced => "es-ports-limit-enforced": "More than 100 ports are rejected with 422 TooMany, which kube-apiserver accepts.",
    EsZoneValidated => "es-zone-validated": "An endpoint's `zone` is validated as a label value (422 for `zone!`), which kube-apiserver does not check.",
    EsFqdnRejectsIp => "es-fqdn-rejects-ip": "An FQDN slice rejects an address that is an IP (`10.1.2.3`) with 422, which kube-apiserver accepts.",
    EsAddressesLimitOffByOne => "es-addresses-limit-off-by-one": "An endpoint with exactly 100 addresses is rejected as Too many (the limit checked with >= instead of >).",
    EsEndpointsLimitOffByOne => "es-endpoints-limit-off-by-one": "A slice with exactly 1000 endpoints is rejected as Too many (the limit checked with >= instead of >).",
    EsZoneHintsLimitOffByOne => "es-zone-hints-limit-off-by-one": "An endpoint with exactly 8 `hints.forZones` entries is rejected as Too many (the limit checked with >= instead of >).",
    EsPutCreates => "es-put-creates": "PUT of a missing EndpointSlice creates it (201), as Endpoints do, instead of answering 404 (EndpointSlice has no create-on-update).",
    EsSmpMergesLists => "es-smp-merges-lists": "A strategic merge patch appends the patch's `endpoints` and `ports` to the stored ones instead of replacing these atomic lists.",
    EsAddressTypeFieldSelector => "es-address-type-field-selector": "`fieldSelector=addressType=...` on EndpointSlice lists, watches and deletecollection is accepted and ignored instead of answering 400 `not a known field selector`.",
    EsBookmarkObjectBare => "es-bookmark-object-bare": "An EndpointSlice BOOKMARK's object lacks the fields Go writes for an empty slice (`addressType: \"\"`, `endpoints: null`, `ports: null`).",
    EsForbiddenCoreGroup => "es-forbidden-core-group": "A 403 for EndpointSlices names the core group (`endpointslices is forbidden: ... in API group \"\"`) instead of discovery.k8s.io.",
    EsDiscoveryMissingDeleteCollection => "es-discovery-missing-delete-collection": "Discovery (`/apis/discovery.k8s.io/v1` and aggregated `/apis`) lists endpointslices without the deletecollection verb.",
    EsAggregatedDiscoveryV2beta1 => "es-aggregated-discovery-v2beta1": "Aggregated discovery is served as apidiscovery.k8s.io/v2beta1 only, at every version, instead of v2 from 1.30 (and v2beta1 up to 1.32).",
}

impl FromStr for Fault {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|fault| fault.name() == s)
            .ok_or_else(|| ParseError::Fault(s.to_owned()))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The set of enabled faults (empty: faithful behaviour).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet(BTreeSet<Fault>);

impl FaultSet {
    /// Whether `fault` is switched on.
    pub fn has(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }

    /// Switch `fault` on.
    pub fn insert(&mut self, fault: Fault) {
        self.0.insert(fault);
    }

    /// The enabled faults in name order.
    pub fn iter(&self) -> impl Iterator<Item = Fault> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<Fault> for FaultSet {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> Self {
        FaultSet(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_parse_like_kube_apiserver() {
        let entries =
            parse_token_file("t1,alice,u1,\"g1,system:masters\"\n\n# comment\nt2,bob,u2\n")
                .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].groups, ["g1", "system:masters"]);
        assert_eq!(entries[1].user, "bob");
        assert!(entries[1].groups.is_empty());
        assert_eq!(
            parse_token_file("t1,alice"),
            Err(TokenFileError::TooFewColumns {
                line: 1,
                columns: 2
            })
        );
        assert_eq!(
            parse_token_file("t1,alice,u,\"g"),
            Err(TokenFileError::UnterminatedQuote { line: 1 })
        );
    }

    #[test]
    fn fault_names_round_trip_and_are_unique() {
        let mut names = BTreeSet::new();
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>(), Ok(*fault));
            assert!(names.insert(fault.name()));
        }
        assert!("nope".parse::<Fault>().is_err());
    }

    #[test]
    fn grants_parse() {
        let (user, verbs) = parse_grant("bob=get,list").unwrap();
        assert_eq!(user, "bob");
        assert_eq!(
            verbs.into_iter().collect::<Vec<_>>(),
            [Verb::Get, Verb::List]
        );
        assert_eq!(parse_grant("bob=*").unwrap().1.len(), 8);
        assert!(parse_grant("bob").is_err());
        assert!(parse_grant("bob=fly").is_err());
    }
}
