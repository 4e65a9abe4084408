//! `sluice`: serve SQS and STS on 127.0.0.1:9324 with an embedded on-disk store, and
//! the admin listener on 127.0.0.1:9326.

use std::io::IsTerminal;

use clap::Parser;
use sluice_server::config::{Cli, Config, LogFormat};

/// The server allocates and frees small buffers on every request from several threads;
/// mimalloc's per-thread free lists do that with less contention than glibc's malloc
/// (measured in docs/benchmarks/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Colour only for a person at a terminal: not in files, pipes or the journal, and
    // never when NO_COLOR is set (https://no-color.org).
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // Before the flags are parsed, so a bad on/off variable is named as such.
    if let Err(e) = sluice_server::config::check_boolean_environment() {
        eprintln!("sluice: {e}");
        return std::process::ExitCode::from(2);
    }
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match cli.log_format {
        LogFormat::Text => logs.with_ansi(colour).init(),
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    if let Err(e) = sluice_server::config::check_boolean_environment() {
        eprintln!("sluice: {e}");
        return std::process::ExitCode::from(2);
    }
    let config = match Config::from_cli(cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("sluice: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let data = match &config.data_dir {
        Some(dir) => format!("data in {}", dir.display()),
        None => "in memory only (nothing survives a restart)".to_owned(),
    };
    let server = match sluice_server::start_with_signal(config, stop_signal()).await {
        Ok(server) => server,
        Err(e) => {
            tracing::error!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let admin = server.admin_url();
    match server.tls_endpoint_url() {
        Some(tls) if tls != server.endpoint_url() => println!(
            "sluice listening on {} and {tls}, admin on {admin}, {data}",
            server.endpoint_url()
        ),
        _ => println!(
            "sluice listening on {}, admin on {admin}, {data}",
            server.endpoint_url()
        ),
    }
    match server.wait().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Completes on SIGINT or SIGTERM.
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("can listen for SIGTERM");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
