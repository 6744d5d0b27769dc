//! `cargo run -p openapi -- --write` regenerates `openapi/openapi.json`; `--check` fails on
//! drift; no argument prints the document.

use std::process::ExitCode;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    match arg.as_deref() {
        Some("--write") => match std::fs::write(openapi::committed_path(), openapi::generate()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("writing the document: {e}");
                ExitCode::FAILURE
            }
        },
        Some("--check") => match openapi::check() {
            Ok(()) => {
                eprintln!("openapi/openapi.json matches the code");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        None => {
            #[allow(clippy::print_stdout)]
            {
                print!("{}", openapi::generate());
            }
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown argument {other}: use --write or --check");
            ExitCode::FAILURE
        }
    }
}
