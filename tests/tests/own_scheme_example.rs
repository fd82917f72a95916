//! The README's own-scheme example (`tests/examples/own_scheme.rs`) runs,
//! says for each scenario whether its violation is expected for the
//! scheme's claims, with the counterexample, and is the code the README
//! shows.

#[allow(dead_code)]
#[path = "../examples/own_scheme.rs"]
mod own_scheme;

#[test]
fn the_example_says_which_violation_the_claims_allow_and_which_they_do_not() {
    let names = ["last_reference".to_string(), "overflow".to_string()];
    let report = own_scheme::check(&names);
    let shown = report.to_string();

    assert!(!report.passed(), "{shown}");
    assert!(
        shown.contains(
            "last_reference on relaxed-put (loom): FAILED: P4 violated, which relaxed-put claims"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("overflow on relaxed-put (loom): ok: P6 violated, as expected: relaxed-put does not claim it"),
        "{shown}"
    );
    // Each with its counterexample: the last put racing the unpinner's use
    // of the page, and the second pin carrying the count past the sign bit.
    assert!(
        shown.contains("T2 putter        page 0  page_ref_sub_and_test_relaxed refcount 1 -> 0"),
        "{shown}"
    );
    assert!(
        shown.contains(">>> P6 (overflow safety) broken here"),
        "{shown}"
    );
}

#[test]
fn the_readme_shows_the_example_s_code_as_it_is() {
    let example = include_str!("../examples/own_scheme.rs");
    let readme = include_str!("../../README.md");
    let code = example
        .split("// README: begin\n")
        .nth(1)
        .and_then(|rest| rest.split("// README: end").next())
        .expect("the example marks what the README shows");
    assert!(
        readme.contains(code),
        "README.md's own-scheme code differs from tests/examples/own_scheme.rs:\n{code}"
    );
}
