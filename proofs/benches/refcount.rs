//! What the refcount costs on real threads: each built-in scheme's order-0
//! operations next to a bare `AtomicI32` doing the same number of atomic
//! read-modify-writes, uncontended and with a second thread hammering the
//! same page. `cargo bench` measures with criterion, then prints every
//! operation as a ratio to its bare baseline (the figures the README
//! quotes).
//!
//! - `get_put`: `get_page` then `put_page` (v5.7 `include/linux/mm.h`),
//!   against a bare `fetch_add(1)` / `fetch_sub(1)` pair.
//! - `pin_unpin`: `try_grab_page(FOLL_PIN)` then `unpin_user_page` (v5.7
//!   `mm/gup.c`), the refcount half of `pin_user_pages*`, against the same
//!   pair with the bias.
//! - `gup_fast_grab`: `gup_fast_pte(FOLL_PIN)` (the page-table read, the
//!   speculative grab, the re-read) then `unpin_user_page`, against the pair
//!   with a relaxed load on each side.
//! - `page_dma_pinned`: the predicate, against a bare acquire-free load.
//!
//! Run one group with `cargo bench --bench refcount -- get_put`.

use criterion::Criterion;
use pinref_model::sync::Std;
use pinref_model::{
    Devmap, Folio, GupFlags, Held, Layout, Memory, PageRef, Scheme, Seed, V5_7, V5_11, V5_14, V6_1,
    V6_5,
};
use std::hint::black_box;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// `GUP_PIN_COUNTING_BIAS`, for the bare baseline.
const BIAS: i32 = 1 << 10;

/// One measured operation: its name and how to run it once.
struct Op {
    name: &'static str,
    /// The bare atomic sequence it is compared with.
    baseline: fn(&AtomicI32),
    /// The same sequence with the full barriers the kernel's fully ordered
    /// operations have (`smp_mb()` on each side of a value-returning RMW,
    /// `Documentation/atomic_t.txt`), as the model writes them: a SeqCst
    /// fence on each side.
    barriered: fn(&AtomicI32),
    /// The scheme's operation, on the single page of a memory.
    run: fn(&dyn Run, &Memory<Std>),
}

/// A scheme, object-safe for the table of operations. Each method is the
/// scheme's own code, monomorphised; the one dynamic call per operation is
/// matched by the baseline's call through a `fn` pointer.
trait Run: Sync {
    /// Sets page 0 up as held by one plain reference, the scheme's way.
    fn hold(&self, memory: &Memory<Std>);
    fn get_put(&self, memory: &Memory<Std>);
    fn pin_unpin(&self, memory: &Memory<Std>);
    fn gup_fast_grab(&self, memory: &Memory<Std>);
    fn dma_pinned(&self, memory: &Memory<Std>);
}

impl<S: Scheme + Sync> Run for S {
    fn hold(&self, memory: &Memory<Std>) {
        self.init_page(page0(memory), Held { plain: 1, pins: 0 });
    }
    fn get_put(&self, memory: &Memory<Std>) {
        let page = page0(memory);
        self.get_page(page).expect("a held page takes a reference");
        self.put_page(page).expect("the reference is held");
    }
    fn pin_unpin(&self, memory: &Memory<Std>) {
        let page = page0(memory);
        self.try_grab_page(page, GupFlags::FOLL_PIN)
            .expect("a held page takes a pin");
        self.unpin_user_page(page).expect("the pin is held");
    }
    fn gup_fast_grab(&self, memory: &Memory<Std>) {
        let page = self
            .gup_fast_pte(memory, 0, GupFlags::FOLL_PIN)
            .expect("address 0 maps a held page");
        self.unpin_user_page(page).expect("the pin is held");
    }
    fn dma_pinned(&self, memory: &Memory<Std>) {
        black_box(self.page_dma_pinned(page0(memory)));
    }
}

fn page0(memory: &Memory<Std>) -> PageRef<'_, Std> {
    memory.page(0).expect("a single-page memory has page 0")
}

const OPS: [Op; 4] = [
    Op {
        name: "get_put",
        baseline: |count| {
            count.fetch_add(1, Ordering::Relaxed);
            count.fetch_sub(1, Ordering::AcqRel);
        },
        barriered: |count| {
            count.fetch_add(1, Ordering::Relaxed);
            full_barrier(|| count.fetch_sub(1, Ordering::Relaxed));
        },
        run: |scheme, memory| scheme.get_put(memory),
    },
    Op {
        name: "pin_unpin",
        baseline: |count| {
            count.fetch_add(BIAS, Ordering::Relaxed);
            count.fetch_sub(BIAS, Ordering::AcqRel);
        },
        barriered: |count| {
            count.fetch_add(BIAS, Ordering::Relaxed);
            full_barrier(|| count.fetch_sub(BIAS, Ordering::Relaxed));
        },
        run: |scheme, memory| scheme.pin_unpin(memory),
    },
    Op {
        name: "gup_fast_grab",
        baseline: |count| {
            black_box(count.load(Ordering::Relaxed));
            count.fetch_add(BIAS, Ordering::Relaxed);
            black_box(count.load(Ordering::Relaxed));
            count.fetch_sub(BIAS, Ordering::AcqRel);
        },
        barriered: |count| {
            let seen = count.load(Ordering::Relaxed);
            let grabbed = full_barrier(|| {
                count.compare_exchange(seen, seen + BIAS, Ordering::Relaxed, Ordering::Relaxed)
            });
            black_box(grabbed.is_ok());
            black_box(count.load(Ordering::Relaxed));
            full_barrier(|| count.fetch_sub(BIAS, Ordering::Relaxed));
        },
        run: |scheme, memory| scheme.gup_fast_grab(memory),
    },
    Op {
        name: "page_dma_pinned",
        baseline: |count| {
            black_box(count.load(Ordering::Relaxed) as u32 >= BIAS as u32);
        },
        barriered: |count| {
            black_box(count.load(Ordering::Relaxed) as u32 >= BIAS as u32);
        },
        run: |scheme, memory| scheme.dma_pinned(memory),
    },
];

/// The built-in schemes measured: one line each.
fn schemes() -> Vec<(&'static str, Box<dyn Run>)> {
    vec![
        ("seed", Box::new(Seed)),
        ("v5_7", Box::new(V5_7)),
        ("v5_11", Box::new(V5_11)),
        ("v5_14", Box::new(V5_14)),
        ("folio", Box::new(Folio)),
        ("v6_1", Box::new(V6_1)),
        ("v6_5", Box::new(V6_5)),
        ("devmap", Box::new(Devmap)),
    ]
}

/// The bare baseline's name in every group.
const BARE: &str = "bare AtomicI32";
/// The barriered baseline's name in every group.
const BARRIERED: &str = "bare + full barriers";

/// A fully ordered read-modify-write as the kernel defines it, and as the
/// model's `page_ref` helpers write it: a full fence on each side.
fn full_barrier<T>(rmw: impl FnOnce() -> T) -> T {
    std::sync::atomic::fence(Ordering::SeqCst);
    let value = rmw();
    std::sync::atomic::fence(Ordering::SeqCst);
    value
}

/// How a measurement runs: alone, or while another thread does the same
/// operation on the same page.
#[derive(Clone, Copy)]
enum Contention {
    Uncontended,
    Contended,
}

impl Contention {
    fn label(self) -> &'static str {
        match self {
            Contention::Uncontended => "uncontended",
            Contention::Contended => "2 threads",
        }
    }

    /// Times `iters` runs of `op` on this thread; `Contended`, while a
    /// second thread runs `op` in a loop from before the clock starts until
    /// after it stops.
    fn time(self, iters: u64, op: impl Fn() + Sync) -> Duration {
        let timed = || {
            let start = Instant::now();
            for _ in 0..iters {
                op();
            }
            start.elapsed()
        };
        match self {
            Contention::Uncontended => timed(),
            Contention::Contended => {
                let stop = AtomicBool::new(false);
                let running = AtomicBool::new(false);
                std::thread::scope(|scope| {
                    scope.spawn(|| {
                        running.store(true, Ordering::Release);
                        while !stop.load(Ordering::Relaxed) {
                            op();
                        }
                    });
                    while !running.load(Ordering::Acquire) {
                        std::hint::spin_loop();
                    }
                    let elapsed = timed();
                    stop.store(true, Ordering::Relaxed);
                    elapsed
                })
            }
        }
    }
}

fn group_name(op: &Op, contention: Contention) -> String {
    format!("{} {}", op.name, contention.label())
}

fn bench_group(criterion: &mut Criterion, op: &Op, contention: Contention) {
    let mut group = criterion.benchmark_group(group_name(op, contention));
    group.bench_function(BARE, |b| {
        let count = AtomicI32::new(1);
        b.iter_custom(|iters| contention.time(iters, || (op.baseline)(&count)));
    });
    group.bench_function(BARRIERED, |b| {
        let count = AtomicI32::new(1);
        b.iter_custom(|iters| contention.time(iters, || (op.barriered)(&count)));
    });
    for (name, scheme) in schemes() {
        let memory = Memory::<Std>::new(&Layout::single_page());
        scheme.hold(&memory);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| contention.time(iters, || (op.run)(&*scheme, &memory)));
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .configure_from_args();
    for contention in [Contention::Uncontended, Contention::Contended] {
        for op in &OPS {
            bench_group(&mut criterion, op, contention);
        }
    }
    criterion.final_summary();
    print_ratios();
}

/// Where criterion keeps its estimates: `$CRITERION_HOME`, else
/// `criterion/` in the target directory this benchmark runs from (as
/// criterion itself decides).
fn criterion_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    // <target>/<profile>/deps/refcount-<hash>
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join("criterion"))
}

/// The mean time per iteration criterion estimated for `function` in
/// `group`, in nanoseconds; `None` when it was not run (a filter) or its
/// estimates cannot be read.
fn mean_ns(home: &Path, group: &str, function: &str) -> Option<f64> {
    let path = home
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

/// The table the README quotes: each operation's mean, and its ratio to the
/// bare atomic measured in the same run.
fn print_ratios() {
    let Some(home) = criterion_home() else {
        eprintln!("no criterion directory found: no ratio table");
        return;
    };
    let names: Vec<&str> = schemes().into_iter().map(|(name, _)| name).collect();
    println!();
    println!("ratio to a bare AtomicI32 doing the same atomic operations (mean ns in brackets)");
    print!("{:<32} {:>10} {:>16}", "operation", "bare", "with barriers");
    for name in &names {
        print!(" {name:>16}");
    }
    println!();
    for contention in [Contention::Uncontended, Contention::Contended] {
        for op in &OPS {
            let group = group_name(op, contention);
            let Some(bare) = mean_ns(&home, &group, BARE) else {
                continue;
            };
            print!("{group:<32} {bare:>8.2}ns");
            match mean_ns(&home, &group, BARRIERED) {
                Some(ns) => print!(" {:>8.2}x ({ns:>4.1})", ns / bare),
                None => print!(" {:>16}", "-"),
            }
            for name in &names {
                match mean_ns(&home, &group, name) {
                    Some(ns) => print!(" {:>8.2}x ({ns:>4.1})", ns / bare),
                    None => print!(" {:>16}", "-"),
                }
            }
            println!();
        }
    }
}
