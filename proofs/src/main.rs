//! `pinref`: the main job (see [`pinref_proofs::cli`]).

fn main() -> std::process::ExitCode {
    pinref_proofs::cli::main()
}
