//! quickcheck `Arbitrary` implementations (feature `quickcheck`).
//!
//! Values are drawn with the proptest strategies of this crate from a seed taken from quickcheck's
//! `Gen`; shrinking replays the strategy's own simplification path, so shrunk values stay valid (or keep
//! their violation).

use ::quickcheck::{Arbitrary, Gen};
use kconform_spec::K8sVersion;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

use crate::endpointslice::invalid as slice_invalid;
use crate::endpointslice::{SliceShape, valid_slice_shape};
use crate::expect::{Expectation, VersionRange};
use crate::invalid::{self, Body, InvalidEndpoints, MUTATED_RULES};
use crate::valid::{self, ValidShape};

/// How many simplification steps one `shrink` call offers.
const SHRINK_CANDIDATES: u32 = 64;

/// Where a value came from, so it can be regenerated and simplified.
#[derive(Debug, Clone, Copy)]
struct Origin {
    choice: usize,
    seed: u64,
    steps: u32,
}

fn runner(seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&seed.wrapping_add(i as u64).to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// The value after `steps` simplifications of the tree drawn from `seed`, if the strategy could draw one
/// and could simplify that far.
fn replay<T: std::fmt::Debug>(strategy: &BoxedStrategy<T>, seed: u64, steps: u32) -> Option<T> {
    let mut tree = strategy.new_tree(&mut runner(seed)).ok()?;
    for _ in 0..steps {
        if !tree.simplify() {
            return None;
        }
    }
    Some(tree.current())
}

fn shrink_path<T: 'static>(
    origin: Origin,
    make: impl Fn(Origin) -> Option<T> + 'static,
) -> Box<dyn Iterator<Item = T>> {
    Box::new((1..=SHRINK_CANDIDATES).map_while(move |k| {
        make(Origin {
            steps: origin.steps + k,
            ..origin
        })
    }))
}

/// A valid Endpoints object of any shape, with the versions that accept it.
#[derive(Debug, Clone)]
pub struct ArbitraryValidEndpoints {
    /// The body, exactly as a client sends it.
    pub object: Value,
    /// The versions that answer 201 to a create of `object`.
    pub versions: VersionRange,
    origin: Origin,
}

fn valid_strategy(choice: usize) -> BoxedStrategy<valid::ValidEndpoints> {
    valid::valid_shape(
        ValidShape::ALL[choice % ValidShape::ALL.len()],
        K8sVersion::NEWEST,
    )
}

fn make_valid(origin: Origin) -> Option<ArbitraryValidEndpoints> {
    let v = replay(&valid_strategy(origin.choice), origin.seed, origin.steps)?;
    Some(ArbitraryValidEndpoints {
        object: v.object,
        versions: v.versions,
        origin,
    })
}

impl Arbitrary for ArbitraryValidEndpoints {
    fn arbitrary(g: &mut Gen) -> Self {
        arbitrary_from(g, ValidShape::ALL.len(), make_valid)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        shrink_path(self.origin, make_valid)
    }
}

/// An invalid Endpoints body breaking one rule, with its expected answers.
#[derive(Debug, Clone)]
pub struct ArbitraryInvalidEndpoints {
    /// The id of the broken rule.
    pub rule: &'static str,
    /// What is POSTed.
    pub body: Body,
    /// The expected answers per range of versions.
    pub expected: Vec<Expectation>,
    origin: Origin,
}

fn make_invalid(origin: Origin) -> Option<ArbitraryInvalidEndpoints> {
    let rule = MUTATED_RULES[origin.choice % MUTATED_RULES.len()];
    let strategy = invalid::invalid_for_rule(rule)?;
    let InvalidEndpoints {
        rule,
        body,
        expected,
    } = replay(&strategy, origin.seed, origin.steps)?;
    Some(ArbitraryInvalidEndpoints {
        rule,
        body,
        expected,
        origin,
    })
}

impl Arbitrary for ArbitraryInvalidEndpoints {
    fn arbitrary(g: &mut Gen) -> Self {
        // A filtered strategy (M11) can reject a seed: `arbitrary_from` tries the next one.
        arbitrary_from(g, MUTATED_RULES.len(), make_invalid)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        shrink_path(self.origin, make_invalid)
    }
}

/// A valid EndpointSlice of any shape, with the answers per version (warnings, dropped fields).
#[derive(Debug, Clone)]
pub struct ArbitraryValidEndpointSlice {
    /// The body, exactly as a client sends it.
    pub object: Value,
    /// The versions that answer 201 to a create of `object`.
    pub versions: VersionRange,
    /// The 201 per range of versions, with its warnings and dropped fields.
    pub expected: Vec<Expectation>,
    origin: Origin,
}

fn make_valid_slice(origin: Origin) -> Option<ArbitraryValidEndpointSlice> {
    let shape = SliceShape::ALL[origin.choice % SliceShape::ALL.len()];
    let v = replay(&valid_slice_shape(shape), origin.seed, origin.steps)?;
    Some(ArbitraryValidEndpointSlice {
        object: v.object,
        versions: v.versions,
        expected: v.expected,
        origin,
    })
}

/// Draws with `make` from a seed of `g`, trying the next seed if a strategy rejects one.
fn arbitrary_from<T>(g: &mut Gen, choices: usize, make: fn(Origin) -> Option<T>) -> T {
    let mut seed = u64::arbitrary(g);
    let choice = usize::arbitrary(g) % choices;
    loop {
        if let Some(v) = make(Origin {
            choice,
            seed,
            steps: 0,
        }) {
            return v;
        }
        seed = seed.wrapping_add(1);
    }
}

impl Arbitrary for ArbitraryValidEndpointSlice {
    fn arbitrary(g: &mut Gen) -> Self {
        arbitrary_from(g, SliceShape::ALL.len(), make_valid_slice)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        shrink_path(self.origin, make_valid_slice)
    }
}

/// An invalid EndpointSlice body breaking one rule, with its expected answers.
#[derive(Debug, Clone)]
pub struct ArbitraryInvalidEndpointSlice {
    /// The id of the broken rule.
    pub rule: &'static str,
    /// What is POSTed.
    pub body: Body,
    /// The expected answers per range of versions.
    pub expected: Vec<Expectation>,
    origin: Origin,
}

fn make_invalid_slice(origin: Origin) -> Option<ArbitraryInvalidEndpointSlice> {
    let rule = slice_invalid::MUTATED_RULES[origin.choice % slice_invalid::MUTATED_RULES.len()];
    let drawn = replay(
        &slice_invalid::invalid_for_rule(rule)?,
        origin.seed,
        origin.steps,
    )?;
    Some(ArbitraryInvalidEndpointSlice {
        rule: drawn.rule,
        body: drawn.body,
        expected: drawn.expected,
        origin,
    })
}

impl Arbitrary for ArbitraryInvalidEndpointSlice {
    fn arbitrary(g: &mut Gen) -> Self {
        arbitrary_from(g, slice_invalid::MUTATED_RULES.len(), make_invalid_slice)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        shrink_path(self.origin, make_invalid_slice)
    }
}
