//! Shrinking a differing sequence: drop steps (halves, quarters, … single steps, as delta
//! debugging does), then simplify the requests that remain (drop query parameters, labels, JSON
//! patch operations), keeping a candidate only when it still differs.
//!
//! A trial runs the candidate on the reference in a fresh namespace (by replay with sequence rules,
//! so its placeholders are filled in from the reference's own answers in this run), and that run's
//! normalized answers are then replayed against the target in another fresh namespace. The
//! reproduction is therefore always a run the reference really answered, never an edited recording.
//! Removing a step can make a later placeholder name another value (the numbering of `<rv-N>`
//! follows what was seen so far); the trial shows what that changed, and the candidate is kept only
//! if a difference remains.

use std::time::Instant;

use serde_json::Value;

use super::{SequenceResult, ShrinkOptions, Shrunk, first_step, millis, planned_caps};
use crate::replay::{self, Difference, Scenario, Step, Target};

/// One candidate that still differs: both sides' answers and the differences.
struct Found {
    reference: Scenario,
    target: Scenario,
    differences: Vec<Difference>,
}

struct Shrinker<'a> {
    reference: &'a Target,
    target: &'a Target,
    id: String,
    description: String,
    trials: usize,
    max_trials: usize,
    deadline: Instant,
}

impl Shrinker<'_> {
    fn exhausted(&self) -> bool {
        self.trials >= self.max_trials || Instant::now() >= self.deadline
    }

    async fn trial(&mut self, steps: Vec<Step>) -> Option<Found> {
        if self.exhausted() {
            return None;
        }
        self.trials += 1;
        let candidate = Scenario {
            id: self.id.clone(),
            description: self.description.clone(),
            steps,
            error: None,
            skipped: None,
        };
        let on_reference = replay::replay(self.reference, &candidate).await;
        if on_reference.actual.error.is_some() {
            return None;
        }
        let mut recording = renumbered(on_reference.actual);
        planned_caps(&mut recording);
        let on_target = replay::replay(self.target, &recording).await;
        (!on_target.differences.is_empty()).then(|| Found {
            reference: recording,
            target: on_target.actual,
            differences: on_target.differences,
        })
    }
}

/// The steps' notes say `step N: …` with their position in the reproduction.
fn renumbered(mut scenario: Scenario) -> Scenario {
    for (i, step) in scenario.steps.iter_mut().enumerate() {
        let what = step
            .note
            .as_deref()
            .map(|note| match note.split_once(": ") {
                Some((head, rest)) if head.starts_with("step ") => rest.to_owned(),
                _ => note.to_owned(),
            })
            .unwrap_or_default();
        step.note = Some(format!("step {}: {what}", i + 1));
    }
    scenario
}

/// Simpler versions of one request: each query parameter dropped, the labels dropped, each
/// operation of a JSON patch dropped.
fn simplifications(step: &Step) -> Vec<Step> {
    let mut out = Vec::new();
    for i in 0..step.request.query.len() {
        let mut simpler = step.clone();
        simpler.request.query.remove(i);
        out.push(simpler);
    }
    match &step.request.body {
        Some(Value::Object(body)) => {
            let labelled = body.get("metadata").and_then(|m| m.get("labels")).is_some();
            if labelled {
                let mut simpler = step.clone();
                if let Some(Value::Object(meta)) = simpler
                    .request
                    .body
                    .as_mut()
                    .and_then(|b| b.get_mut("metadata"))
                {
                    meta.remove("labels");
                }
                out.push(simpler);
            }
        }
        Some(Value::Array(ops)) if ops.len() > 1 => {
            for i in 0..ops.len() {
                let mut simpler = step.clone();
                if let Some(Value::Array(ops)) = simpler.request.body.as_mut() {
                    ops.remove(i);
                }
                out.push(simpler);
            }
        }
        _ => {}
    }
    out
}

/// Shrinks `result` (a differing sequence) within `opts`' budget. The result is the smallest
/// candidate found that still differs; the whole sequence when none did. None when the whole
/// sequence, run again, no longer differs: a difference that comes and goes is timing, and
/// shrinking it would only spend the budget.
pub(super) async fn shrink(
    reference: &Target,
    target: &Target,
    result: &SequenceResult,
    opts: &ShrinkOptions,
) -> Option<Shrunk> {
    let started = Instant::now();
    let mut shrinker = Shrinker {
        reference,
        target,
        id: result.reference.id.clone(),
        description: format!("{} (shrunk)", result.reference.description),
        trials: 0,
        max_trials: opts.max_trials,
        deadline: started + opts.time_limit,
    };
    let mut best = shrinker.trial(result.reference.steps.clone()).await?;

    // Steps after the first difference cannot have caused it.
    if let Some(first) = first_step(&best.differences)
        && first < best.reference.steps.len()
    {
        let prefix = best.reference.steps[..first].to_vec();
        if let Some(found) = shrinker.trial(prefix).await {
            best = found;
        }
    }

    // Delta debugging over steps: try removing chunks, halving the chunk size when none goes.
    let mut chunk = best.reference.steps.len().div_ceil(2).max(1);
    loop {
        let mut start = 0;
        while start < best.reference.steps.len() && !shrinker.exhausted() {
            let steps = &best.reference.steps;
            let end = (start + chunk).min(steps.len());
            let candidate: Vec<Step> = steps[..start]
                .iter()
                .chain(&steps[end..])
                .cloned()
                .collect();
            match shrinker.trial(candidate).await {
                Some(found) => {
                    best = found;
                    if let Some(first) = first_step(&best.differences)
                        && first < best.reference.steps.len()
                    {
                        // Keep only what leads up to the first difference.
                        let prefix = best.reference.steps[..first].to_vec();
                        if let Some(found) = shrinker.trial(prefix).await {
                            best = found;
                        }
                    }
                }
                None => start += chunk,
            }
        }
        if chunk == 1 || shrinker.exhausted() {
            break;
        }
        chunk = chunk.div_ceil(2);
    }

    // Simplify the requests that remain.
    let mut index = 0;
    while index < best.reference.steps.len() && !shrinker.exhausted() {
        let mut simplified = false;
        for simpler in simplifications(&best.reference.steps[index]) {
            let mut candidate = best.reference.steps.clone();
            candidate[index] = simpler;
            if let Some(found) = shrinker.trial(candidate).await {
                best = found;
                simplified = true;
                break;
            }
        }
        if !simplified {
            index += 1;
        }
    }

    Some(Shrunk {
        steps: best.reference.steps.len(),
        trials: shrinker.trials,
        duration_ms: millis(started),
        differences: best.differences,
        reference: renumbered(best.reference),
        target: best.target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::transcript::Request;

    fn step(query: &[(&str, &str)], body: Option<Value>) -> Step {
        Step {
            note: Some("step 4: list".to_owned()),
            request: Request {
                method: "GET".to_owned(),
                path: "/x".to_owned(),
                query: query
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                headers: serde_json::Map::new(),
                auth: "admin".to_owned(),
                body,
            },
            nondeterministic: None,
            response: None,
            events: None,
            stream: None,
            continue_tokens: None,
        }
    }

    #[test]
    fn simplifications_drop_one_thing_each() {
        let list = step(&[("limit", "1"), ("labelSelector", "a=b")], None);
        let simpler = simplifications(&list);
        assert_eq!(simpler.len(), 2);
        assert_eq!(
            simpler[0].request.query,
            vec![("labelSelector".to_owned(), "a=b".to_owned())]
        );
        let labelled = step(
            &[],
            Some(serde_json::json!({"metadata": {"name": "n", "labels": {"a": "b"}}})),
        );
        let simpler = simplifications(&labelled);
        assert_eq!(simpler.len(), 1);
        assert_eq!(
            simpler[0].request.body,
            Some(serde_json::json!({"metadata": {"name": "n"}}))
        );
        let patch = step(
            &[],
            Some(serde_json::json!([{"op": "add"}, {"op": "remove"}])),
        );
        let simpler = simplifications(&patch);
        assert_eq!(simpler.len(), 2);
        assert_eq!(
            simpler[1].request.body,
            Some(serde_json::json!([{"op": "add"}]))
        );
        assert!(simplifications(&step(&[], None)).is_empty());
    }

    #[test]
    fn notes_are_renumbered_by_position() {
        let scenario = Scenario {
            id: "diff/seed-1".to_owned(),
            description: String::new(),
            steps: vec![step(&[], None), step(&[], None)],
            error: None,
            skipped: None,
        };
        let notes: Vec<Option<String>> = renumbered(scenario)
            .steps
            .into_iter()
            .map(|s| s.note)
            .collect();
        assert_eq!(
            notes,
            [
                Some("step 1: list".to_owned()),
                Some("step 2: list".to_owned())
            ]
        );
    }
}
