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
        let mut seed = u64::arbitrary(g);
        let choice = usize::arbitrary(g) % ValidShape::ALL.len();
        loop {
            // Strategies without filters always yield a tree; the loop only guards against that changing.
            if let Some(v) = make_valid(Origin {
                choice,
                seed,
                steps: 0,
            }) {
                return v;
            }
            seed = seed.wrapping_add(1);
        }
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
        let mut seed = u64::arbitrary(g);
        let choice = usize::arbitrary(g) % MUTATED_RULES.len();
        loop {
            // A filtered strategy (M11) can reject a seed: try the next one.
            if let Some(v) = make_invalid(Origin {
                choice,
                seed,
                steps: 0,
            }) {
                return v;
            }
            seed = seed.wrapping_add(1);
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        shrink_path(self.origin, make_invalid)
    }
}
