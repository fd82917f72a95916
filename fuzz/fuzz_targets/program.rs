//! Fuzzes operation programs against the ghost spec: the input bytes choose
//! a built-in scheme, a layout, the starting references (biased towards the
//! edges: the carry at 1024, pins near 2^21, counts near `i32::MAX`) and a
//! program of GUP operations, garbage indices, flags and refs included. The
//! sequential checker runs it; an unexpected violation is a crash whose
//! artifact replays it (`cargo fuzz run --sanitizer none program ARTIFACT`).

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use pinref_model::{Devmap, Folio, Held, Layout, Scheme, Seed, V5_7};
use pinref_proofs::engines::sequential::{Op, Program, Start, run_program};

/// Starting counts worth hitting often: the carry, the pin headroom, the
/// 32-bit edges.
const PLAIN: [i64; 8] = [
    0,
    1,
    2,
    1023,
    1024,
    2047,
    i32::MAX as i64 - 2,
    i32::MAX as i64,
];
const PINS: [i64; 6] = [0, 1, 2, (1 << 21) - 2, (1 << 21) - 1, 1 << 21];

fn held(u: &mut Unstructured<'_>) -> Result<Held> {
    let plain = if u.ratio(1, 2)? {
        *u.choose(&PLAIN)?
    } else {
        i64::from(u.int_in_range(0..=4096u16)?)
    };
    let pins = if u.ratio(1, 2)? {
        *u.choose(&PINS)?
    } else {
        i64::from(u.int_in_range(0..=8u8)?)
    };
    Ok(Held { plain, pins })
}

fn op(u: &mut Unstructured<'_>, frames: usize) -> Result<Op> {
    // Mostly valid indices, sometimes one past the end or garbage.
    let index = |u: &mut Unstructured<'_>| -> Result<usize> {
        Ok(if u.ratio(15, 16)? {
            u.int_in_range(0..=frames.saturating_sub(1))?
        } else {
            u.arbitrary()?
        })
    };
    let flags = |u: &mut Unstructured<'_>| -> Result<u32> {
        Ok(*u.choose(&[0x04, 0x40000, 0x40004, 0, 0x10000 | 0x40000, 0x01])?)
    };
    Ok(match u.int_in_range(0..=12u8)? {
        0 => Op::GetPage { page: index(u)? },
        1 => Op::TryGetPage { page: index(u)? },
        2 => Op::PutPage { page: index(u)? },
        3 => Op::TryGrabPage {
            page: index(u)?,
            flags: flags(u)?,
        },
        4 => Op::TryGrabFolio {
            page: index(u)?,
            refs: if u.ratio(7, 8)? {
                u.int_in_range(1..=4)?
            } else {
                u.arbitrary()?
            },
            flags: flags(u)?,
        },
        5 => Op::GupFastPte {
            addr: index(u)?,
            flags: flags(u)?,
        },
        6 => Op::PinUserPages {
            start: index(u)?,
            nr: u.int_in_range(0..=4)?,
            flags: flags(u)?,
        },
        7 => Op::PinUserPagesFast {
            start: index(u)?,
            nr: u.int_in_range(0..=4)?,
            flags: flags(u)?,
        },
        8 => Op::UnpinUserPage { page: index(u)? },
        9 => Op::UnpinUserPages {
            pages: vec![index(u)?, index(u)?],
        },
        10 => Op::UnpinUserPagesDirtyLock {
            pages: vec![index(u)?],
            make_dirty: u.arbitrary()?,
        },
        _ => Op::PageDmaPinned { page: index(u)? },
    })
}

fn program(u: &mut Unstructured<'_>) -> Result<Program> {
    let count = u.int_in_range(1..=3usize)?;
    let orders: Vec<u32> = (0..count)
        .map(|_| u.int_in_range(0..=3u32))
        .collect::<Result<_>>()?;
    let layout = Layout::new(&orders).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let held: Vec<Held> = (0..count).map(|_| held(u)).collect::<Result<_>>()?;
    let start = Start::new(layout, held).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let frames = start.layout().frames();
    let ops = (0..u.int_in_range(1..=40usize)?)
        .map(|_| op(u, frames))
        .collect::<Result<_>>()?;
    Ok(Program { start, ops })
}

fn check<S: Scheme>(scheme: &S, program: &Program) {
    if let Err(failure) = run_program(scheme, program) {
        panic!(
            "{} violates {}\nprogram:\n{}",
            scheme.name(),
            failure.violation,
            program.to_rust()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(scheme) = u.int_in_range(0..=3u8) else {
        return;
    };
    let Ok(program) = program(&mut u) else { return };
    match scheme {
        0 => check(&Seed, &program),
        1 => check(&V5_7, &program),
        2 => check(&Folio, &program),
        _ => check(&Devmap, &program),
    }
});
