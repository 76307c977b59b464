//! `wp-bench`: benchmarks whose results go into BENCHMARKS.md, each section between its own
//! markers, with the command that produced it. Every figure is compared with a baseline
//! measured in the same run, because these machines are noisy.
//!
//! Usage: `cargo run --release -p wp-bench -- core [--iterations N]`, or
//! `scripts/bench.sh server` (starts PostgreSQL, then runs `wp-bench server [--requests N]`),
//! `scripts/bench.sh sync` (starts PostgreSQL, builds the CLI, runs `wp-bench sync`).

mod app;
mod core;
mod fanout;
mod pokes;
mod report;
mod series;
mod server;
mod sync;
mod typing;

/// The number after `flag` in `args`, or `default`.
fn number(args: &[String], flag: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let iterations = number(&args, "--iterations", 2000);
    match args.first().map(String::as_str) {
        Some("core") => core::run(iterations),
        Some("app") => {
            let launches = number(&args, "--launches", 7);
            app::run(launches)
        }
        Some("server") => {
            let requests = number(&args, "--requests", 20_000);
            server::run(requests)
        }
        Some("sync") => {
            let workshops = number(&args, "--workshops", 10_000);
            sync::run(workshops)
        }
        Some("fanout") => {
            let streams = number(&args, "--streams", 1000);
            fanout::run(streams)
        }
        Some("pokes") => {
            let pushes = number(&args, "--pushes", 1000);
            pokes::run(pushes)
        }
        Some("series") => {
            let count = number(&args, "--series", 1000);
            series::run(count)
        }
        Some("typing") => {
            let workshops = number(&args, "--workshops", 10_000);
            typing::run(workshops)
        }
        _ => {
            eprintln!("usage: wp-bench core [--iterations N] | server [--requests N] | app [--launches N] | sync [--workshops N] | pokes [--pushes N] | fanout [--streams N] | typing [--workshops N] | series [--series N]");
            std::process::exit(2);
        }
    }
}
