//! Percentiles and the BENCHMARKS.md writer.

use std::path::PathBuf;
use std::time::Duration;

/// Sorted samples with percentile lookups.
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn new(mut samples: Vec<Duration>) -> Samples {
        samples.sort();
        Samples(samples)
    }

    /// The `p`-th percentile (0 to 100), nearest rank.
    pub fn percentile(&self, p: f64) -> Duration {
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Milliseconds with three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

pub fn ratio(ours: Duration, baseline: Duration) -> String {
    format!("{:.2}x", ours.as_secs_f64() / baseline.as_secs_f64())
}

/// Replaces (or appends) the section between `<!-- bench:{name} -->` and
/// `<!-- /bench:{name} -->` in BENCHMARKS.md at the workspace root.
pub fn write_section(name: &str, body: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nEach section is written by the command it names; figures are compared with a baseline \
         measured in the same run, as ratios, because these machines are noisy.\n"
            .to_string()
    });
    let (start, end) = (
        format!("<!-- bench:{name} -->"),
        format!("<!-- /bench:{name} -->"),
    );
    let section = format!("{start}\n{}\n{end}", body.trim_end());
    let updated = match (existing.find(&start), existing.find(&end)) {
        (Some(a), Some(b)) if b > a => {
            format!("{}{section}{}", &existing[..a], &existing[b + end.len()..])
        }
        _ => format!("{}\n{section}\n", existing.trim_end()),
    };
    std::fs::write(&path, updated).expect("write BENCHMARKS.md");
    println!("{body}\n\nwritten to {}", path.display());
}

/// A one-line description of the machine the numbers come from.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{} cores, {cpu}", cores())
}

/// The CPUs this process may run on (0 where the system does not say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}
