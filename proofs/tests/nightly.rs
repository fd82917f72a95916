//! What the nightly workflow relies on: `--shard K/N` splits a job without
//! losing or repeating a run, `--total-seconds` reports what it did not
//! start, and a loom run cut short resumes from its checkpoint until it
//! finishes (`--checkpoint-dir`).

use pinref_proofs::catalogue::find_scheme;
use pinref_proofs::engines::loom::LoomEngine;
use pinref_proofs::engines::{Bound, Engine, RunOptions, Verdict};
use pinref_proofs::scenarios;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PINREF: &str = env!("CARGO_BIN_EXE_pinref");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pinref-nightly-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn pinref(args: &[&str]) -> Output {
    Command::new(PINREF)
        .args(args)
        .env_remove("LOOM_MAX_PREEMPTIONS")
        .output()
        .expect("pinref runs")
}

/// The (scenario, scheme, engine) of every run in a report.
fn runs(out: &Path) -> Vec<(String, String, String)> {
    let text = fs::read_to_string(out.join("report.json")).expect("a report");
    let report: Value = serde_json::from_str(&text).expect("JSON");
    report["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|run| {
            let field = |key: &str| run[key].as_str().expect(key).to_string();
            (field("scenario"), field("scheme"), field("engine"))
        })
        .collect()
}

/// A small job: three cheap scenarios on two schemes, loom only.
const JOB: [&str; 12] = [
    "--engine",
    "loom",
    "--scenario",
    "get_put_vs_pin",
    "--scenario",
    "last_reference",
    "--scenario",
    "dirty_unpin",
    "--scheme",
    "seed",
    "--scheme",
    "v5_7",
];

#[test]
fn three_shards_run_every_run_of_the_job_exactly_once() {
    let dir = scratch("shards");
    let whole = dir.join("whole");
    let status = pinref(&[&JOB[..], &["--out", whole.to_str().unwrap()]].concat());
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let expected: BTreeSet<_> = runs(&whole).into_iter().collect();
    assert_eq!(expected.len(), 6);

    let mut seen = Vec::new();
    for k in 1..=3 {
        let out = dir.join(format!("shard-{k}"));
        let shard = format!("{k}/3");
        let status = pinref(
            &[
                &JOB[..],
                &["--shard", &shard, "--out", out.to_str().unwrap()],
            ]
            .concat(),
        );
        assert_eq!(status.status.code(), Some(0), "shard {shard}: {status:?}");
        let these = runs(&out);
        assert_eq!(these.len(), 2, "shard {shard} takes a third: {these:?}");
        seen.extend(these);
    }
    let union: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(union, expected, "the shards together are the job");
    assert_eq!(seen.len(), union.len(), "no run is in two shards");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_shard_that_is_not_k_of_n_is_refused_before_anything_runs() {
    for bad in ["0/3", "4/3", "1/0", "2", "a/b"] {
        let output = pinref(&[&JOB[..], &["--shard", bad]].concat());
        assert_eq!(output.status.code(), Some(2), "--shard {bad}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--shard"), "--shard {bad}: {stderr}");
    }
}

#[test]
fn runs_the_total_time_leaves_no_room_for_are_reported_incomplete_not_dropped() {
    let dir = scratch("total");
    let output = pinref(
        &[
            &JOB[..],
            &[
                "--total-seconds",
                "0",
                "--jobs",
                "1",
                "--out",
                dir.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let text = fs::read_to_string(dir.join("report.json")).expect("a report");
    let report: Value = serde_json::from_str(&text).expect("JSON");
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 6, "every run is in the report");
    for run in runs {
        assert_eq!(run["verdict"], "incomplete", "{run}");
        assert!(
            run["note"]
                .as_str()
                .unwrap_or("")
                .contains("--total-seconds"),
            "{run}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// `stats` on v5_7 without a bound: 11,004 executions, explored here 3,000
/// at a time, each run resuming where the last one stopped.
#[test]
fn a_capped_unbounded_loom_run_resumes_from_its_checkpoint_until_it_finishes() {
    let dir = scratch("resume");
    let scenario = scenarios::catalogue()
        .into_iter()
        .find(|s| s.name() == "stats")
        .expect("the stats scenario");
    let scheme = find_scheme("v5_7").expect("v5_7");
    let options = RunOptions {
        bound: Bound::Unbounded,
        max_executions: 3_000,
        resume: Some(dir.clone()),
        ..RunOptions::default()
    };
    let whole = LoomEngine.explore(
        &scenario,
        &scheme,
        &RunOptions {
            resume: None,
            max_executions: u64::MAX,
            ..options.clone()
        },
    );
    assert_eq!(whole.verdict, Verdict::Pass, "{whole:#?}");

    let mut runs = Vec::new();
    loop {
        let outcome = LoomEngine.explore(&scenario, &scheme, &options);
        runs.push((outcome.verdict, outcome.executions));
        if outcome.verdict != Verdict::Incomplete || runs.len() > 10 {
            assert_eq!(outcome.verdict, Verdict::Pass, "{runs:?}: {outcome:#?}");
            break;
        }
        assert!(
            outcome
                .note
                .as_deref()
                .unwrap_or("")
                .contains("checkpoint saved"),
            "{outcome:#?}"
        );
    }
    let total: u64 = runs.iter().map(|(_, executions)| executions).sum();
    // Each resumed run repeats at most the executions since the last saved
    // position (256).
    let repeated_at_most = 256 * (runs.len() as u64 - 1);
    assert!(
        total >= whole.executions && total <= whole.executions + repeated_at_most,
        "{runs:?} against {} in one go",
        whole.executions
    );
    assert!(
        fs::read_dir(&dir).expect("the directory").next().is_none(),
        "a finished run leaves no checkpoint"
    );
    let _ = fs::remove_dir_all(&dir);
}
