//! `narcodoor serve`: a local policy lab in the browser, on the same scenarios, engine and
//! statistics as the command line.
//!
//! One page (`assets/web/`, compiled into the binary) and a JSON API (`api.rs`): list the
//! scenarios of a directory, show a scenario's parameters as `explain` does, and start
//! runs that compare a scenario with changes against the unchanged scenario on common
//! random numbers, exactly as `narcodoor compare` does. A run streams one server-sent
//! event per reported month and a final event with the `compare` effects.
//!
//! Safety rules, all enforced here: the server binds loopback unless told otherwise; a
//! request names scenarios only by a name looked up in the catalog built at start
//! (`catalog.rs`) and files only from a fixed list, so no path from a request reaches the
//! file system; bodies are capped at 64 KiB and queued runs at [`Limits::max_queued`];
//! connections are capped and slow clients cut off by timeouts (`connections.rs`);
//! every input goes through the scenario layer (`request.rs`), and a run that fails is
//! reported on its id (`runs.rs`), never fatal to the server. The simulation itself
//! (`job.rs`) runs on a worker thread, one run at a time with all the threads given. A
//! scenario that ships a posterior can also run under parameter uncertainty
//! (`uncertain.rs`).

mod api;
pub mod catalog;
mod connections;
mod job;
mod page;
mod request;
mod runs;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub use catalog::Catalog;

/// The bounds a server enforces on requests.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Most youths a run may simulate (per replicate).
    pub max_youths: u64,
    /// Most replicates per arm.
    pub max_replicates: u32,
    /// Most reported months of a run.
    pub max_months: u32,
    /// Runs waiting to start beyond the one running; more get `429`.
    pub max_queued: usize,
    /// Largest request body in bytes; larger ones get `413`.
    pub max_body: usize,
    /// A run nobody listens to (no event stream open, no status request) for this long is
    /// cancelled.
    pub idle: Duration,
    /// Finished runs whose results are kept (the oldest are forgotten first).
    pub kept_runs: usize,
    /// Connections served at once (event streams included); one more gets `503`.
    pub max_connections: usize,
    /// Time a client has to send a request's headers (and an idle connection is kept).
    pub header_timeout: Duration,
    /// Time a client has to send a request's body; a slower one gets `408`.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_youths: 1_000_000,
            max_replicates: 50,
            max_months: 1200,
            max_queued: 8,
            max_body: 64 * 1024,
            idle: Duration::from_secs(60),
            kept_runs: 64,
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// How to start a server.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub host: String,
    pub port: u16,
    pub scenarios: PathBuf,
    pub threads: usize,
    pub limits: Limits,
}

/// What every handler shares.
pub struct AppState {
    pub catalog: Catalog,
    pub runs: runs::Runs,
    pub limits: Limits,
}

/// Loads the catalog, binds the address and serves until the process is stopped. Prints
/// `listening on http://ADDR/` once bound (tests read the port from it).
pub fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    let catalog = Catalog::load(&opts.scenarios)?;
    let work = std::env::temp_dir().join(format!("narcodoor-serve-{}", std::process::id()));
    let runs = runs::Runs::start(work, opts.threads, opts.limits.clone())?;
    let state = Arc::new(AppState { catalog, runs, limits: opts.limits.clone() });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind((opts.host.as_str(), opts.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", opts.host, opts.port))?;
        let addr = listener.local_addr()?;
        println!(
            "narcodoor serve: listening on http://{addr}/ (scenarios from {})",
            opts.scenarios.display()
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
        connections::serve(listener, api::router(state), &opts.limits).await.context("the server stopped")
    })
}

/// The one shape of an error answer: its status and `{"error": "..."}`.
pub(crate) fn error(status: StatusCode, message: String) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}
