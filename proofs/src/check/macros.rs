//! The one-line test suites: [`check_scheme_tests!`](crate::check_scheme_tests)
//! and [`check_scenario_tests!`](crate::check_scenario_tests).
//!
//! Each expands to a module with one `#[test]` per scenario of the
//! catalogue (or per built-in scheme), named after it, so that `cargo
//! test` runs them in parallel and a failure names its scenario; and one
//! more test for whatever the catalogue gained since this list was written
//! (`scenarios_new_to_the_catalogue`, `schemes_new_to_the_builtins`), so
//! that nothing pinref checks is ever skipped. The lists are written once,
//! here, and a test in this crate fails if they drift from
//! [`crate::scenarios::catalogue`] or [`crate::catalogue::builtin_schemes`].

/// One `#[test]` per scenario of pinref's catalogue for your scheme, each
/// running every engine, plus one per scenario of your own:
///
/// ```ignore
/// // in tests/pinref.rs of your crate
/// pinref_proofs::check_scheme_tests!(my_crate::MyScheme);
/// // or, named, with scenarios of your own (a name => a `Scenario` value):
/// pinref_proofs::check_scheme_tests!(mod my_scheme, my_crate::MyScheme,
///     scenarios: [driver_put => my_crate::DriverPut]);
/// ```
///
/// The scheme is an expression, evaluated once per test. A test fails,
/// with the timeline and replay command of every property that broke, when
/// a property the scheme claims is violated or a run is cut short; a
/// violation the scheme's claims allow is printed and passes. Replay files
/// and traces go under the test target's temporary directory
/// (`target/tmp/pinref`).
#[macro_export]
macro_rules! check_scheme_tests {
    (mod $module:ident, $scheme:expr $(, scenarios: [$($name:ident => $scenario:expr),* $(,)?])? $(,)?) => {
        $crate::__pinref_check_module! {
            mod $module: scheme($scheme), for each of __pinref_catalogue_scenarios,
            [only_scenario, except_scenarios, scenarios_new_to_the_catalogue],
            own scenarios: [$($($name => $scenario),*)?] as $crate::scenarios::ScenarioEntry::new
        }
    };
    ($scheme:expr $(, scenarios: [$($name:ident => $scenario:expr),* $(,)?])? $(,)?) => {
        $crate::check_scheme_tests!(mod pinref_checks, $scheme $(, scenarios: [$($name => $scenario),*])?);
    };
}

/// One `#[test]` per built-in scheme for your scenario, each running every
/// engine that supports it, plus one per scheme of your own:
///
/// ```ignore
/// pinref_proofs::check_scenario_tests!(my_crate::DriverPut);
/// pinref_proofs::check_scenario_tests!(mod driver_put, my_crate::DriverPut,
///     schemes: [my_scheme => my_crate::MyScheme]);
/// ```
#[macro_export]
macro_rules! check_scenario_tests {
    (mod $module:ident, $scenario:expr $(, schemes: [$($name:ident => $scheme:expr),* $(,)?])? $(,)?) => {
        $crate::__pinref_check_module! {
            mod $module: scenario($scenario), for each of __pinref_builtin_schemes,
            [only_scheme, except_schemes, schemes_new_to_the_builtins],
            own schemes: [$($($name => $scheme),*)?] as $crate::schemes::SchemeEntry::new
        }
    };
    ($scenario:expr $(, schemes: [$($name:ident => $scheme:expr),* $(,)?])? $(,)?) => {
        $crate::check_scenario_tests!(mod pinref_checks, $scenario $(, schemes: [$($name => $scheme),*])?);
    };
}

/// The catalogue's scenario names, handed to `$callback` after its
/// arguments. Keep in step with [`crate::scenarios::catalogue`] (a test
/// checks).
#[doc(hidden)]
#[macro_export]
macro_rules! __pinref_catalogue_scenarios {
    ($callback:ident { $($args:tt)* }) => {
        $crate::$callback! { $($args)* [
            pin_vs_unpin pin_vs_unpin_order1 pin_vs_unpin_order2
            get_put_vs_pin get_put_vs_pin_order1 get_put_vs_pin_order2 carry_1023 carry_2047
            last_reference last_reference_order1 last_reference_order2 overflow
            gup_fast_vs_unmap gup_fast_vs_unmap_order1 gup_fast_vs_unmap_order2
            dirty_unpin dirty_unpin_order1 dirty_unpin_order2 compound batches stats devmap
            split_vs_gup_fast wrapped_count
            anon_exclusive_vs_gup_fast anon_exclusive_vs_gup_fast_order1
            anon_exclusive_vs_gup_fast_order2
            fork_vs_gup_fast fork_vs_gup_fast_order1 fork_vs_gup_fast_order2
            migrate_vs_gup_fast migrate_vs_gup_fast_order1 migrate_vs_gup_fast_order2 zero_page
            writeback_vs_dirty_unpin writeback_vs_dirty_unpin_order1
            writeback_vs_dirty_unpin_order2 pin_get_mix_4x4 pin_get_mix pin_get_mix_order1
            pin_get_mix_order2 programs
        ] }
    };
}

/// The built-in schemes' names, handed to `$callback` after its arguments.
/// Keep in step with [`crate::catalogue::builtin_schemes`] (a test checks).
#[doc(hidden)]
#[macro_export]
macro_rules! __pinref_builtin_schemes {
    ($callback:ident { $($args:tt)* }) => {
        $crate::$callback! { $($args)* [seed v5_7 v5_11 v5_14 folio v6_1 v6_5 devmap] }
    };
}

/// The names as an array of `&str`.
#[doc(hidden)]
#[macro_export]
macro_rules! __pinref_names {
    ([$($name:ident)*]) => {
        [$(::std::stringify!($name)),*]
    };
}

/// The module both suites expand to: `check()`, the [`crate::check::Check`]
/// of `$subject` (`Check::$start`); one test per name the `$list` macro
/// hands over ([`__pinref_named_tests!`](crate::__pinref_named_tests),
/// with the `Check` methods that pick one name and that leave out the
/// named ones, and the name of the test for the rest); and one test per
/// item of the user's own, each `check()` with `.$own(vec![$entry(item)])`.
#[doc(hidden)]
#[macro_export]
macro_rules! __pinref_check_module {
    (
        mod $module:ident: $start:ident($subject:expr), for each of $list:ident,
        [$only:ident, $except:ident, $rest:ident],
        own $own:ident: [$($name:ident => $item:expr),*] as $entry:path
    ) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            fn check() -> $crate::check::Check {
                $crate::check::Check::$start($subject)
                    .in_test_target(::std::option_env!("CARGO_TARGET_TMPDIR"))
            }

            $crate::$list!(__pinref_named_tests { $only $except $rest });

            $(
                #[test]
                fn $name() {
                    check().$own(::std::vec![$entry($item)]).run().assert_passes();
                }
            )*
        }
    };
}

/// One test per name, each checking `check()` on that name alone
/// (`.$only(name)`), and one, `$rest`, checking it on everything not named
/// (`.$except(names)`).
#[doc(hidden)]
#[macro_export]
macro_rules! __pinref_named_tests {
    ($only:ident $except:ident $rest:ident [$($name:ident)*]) => {
        $(
            #[test]
            fn $name() {
                check().$only(::std::stringify!($name)).run().assert_passes();
            }
        )*

        #[test]
        fn $rest() {
            check()
                .$except(&[$(::std::stringify!($name)),*])
                .run()
                .assert_passes();
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::catalogue::builtin_schemes;
    use crate::scenarios;

    #[test]
    fn the_macros_list_every_scenario_of_the_catalogue_in_order() {
        let listed = crate::__pinref_catalogue_scenarios!(__pinref_names {});
        let catalogue: Vec<&str> = scenarios::catalogue().iter().map(|s| s.name()).collect();
        assert_eq!(
            listed.to_vec(),
            catalogue,
            "a scenario was added or renamed: update __pinref_catalogue_scenarios in \
             proofs/src/check/macros.rs"
        );
    }

    #[test]
    fn the_macros_list_every_builtin_scheme_in_order() {
        let listed = crate::__pinref_builtin_schemes!(__pinref_names {});
        let builtins: Vec<&str> = builtin_schemes().iter().map(|s| s.name).collect();
        assert_eq!(
            listed.to_vec(),
            builtins,
            "a built-in scheme was added or renamed: update __pinref_builtin_schemes in \
             proofs/src/check/macros.rs"
        );
    }
}
