//! How a command ends: its exit code, and its error on standard error with each cause on a
//! line of its own; and the logs, on standard error too.

use std::process::ExitCode;

use crate::error::Error;

/// Why a command failed, and the exit code that says so.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) code: u8,
    pub(super) message: String,
    pub(super) causes: Vec<String>,
}

impl Failure {
    /// A command used wrongly: a flag, node, partition or parameter (exit code 2).
    pub(super) fn usage(message: String) -> Failure {
        Failure { code: 2, message, causes: Vec::new() }
    }

    /// The store could not be used (exit code 4).
    pub(super) fn store(message: String) -> Failure {
        Failure { code: 4, message, causes: Vec::new() }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        let code = match &error {
            Error::TaskFailed { .. } | Error::TaskPanicked { .. } => 1,
            Error::Isolation { .. } => 2,
            Error::NotReady { .. } => 3,
            Error::Store { .. } | Error::StoreUnavailable { .. } => 4,
            _ => 70,
        };
        let mut causes = Vec::new();
        let mut cause = std::error::Error::source(&error);
        while let Some(error) = cause {
            causes.push(error.to_string());
            cause = error.source();
        }
        Failure { code, message: error.to_string(), causes }
    }
}

/// Prints a failure on standard error, and the exit code.
pub(super) fn exit(outcome: Result<(), Failure>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            for cause in &failure.causes {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Logs on standard error: `RUST_LOG` if set, else warnings, info with `-v`, debug with
/// `-vv`, trace with more; errors only with `-q`. A program that already set a subscriber
/// keeps it.
pub(super) fn init_logs(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(filter) if verbose == 0 && !quiet => EnvFilter::new(filter),
        _ => EnvFilter::new(level),
    };
    let colors = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colors).try_init();
}
