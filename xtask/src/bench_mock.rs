//! Benchmarks (being written by their owner).

pub(crate) fn run() -> anyhow::Result<()> {
    anyhow::bail!("this benchmark group is not written yet")
}
