//! The runs a server knows: their status, their events (kept, so that a client that
//! connects late gets every month), their listeners, the bounded queue and the worker
//! thread that runs them one at a time.
//!
//! A run's id is the only handle a client has; its files live in a directory the server
//! names itself under its own temporary directory. The worker catches panics, so a failing
//! run is reported as `failed` on its id and the server goes on. A run is cancelled by
//! `DELETE`, or when nobody has listened to it (an open event stream or a status request)
//! for `Limits::idle`.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value as Json, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::Limits;
use super::job::{self, JobError};
use super::request::Prepared;
use crate::request::uncertain;
use narcodoor_lab::cancel::Cancel;

/// A run's state, as `GET /api/runs/{id}` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn finished(self) -> bool {
        matches!(self, Status::Done | Status::Failed | Status::Cancelled)
    }
}

/// One server-sent event: its name and JSON data.
pub type Message = (String, Json);

struct State {
    status: Status,
    events: Vec<Message>,
    listeners: Vec<UnboundedSender<Message>>,
    last_listened: Instant,
    months_done: u64,
    result: Option<Json>,
    error: Option<String>,
}

/// One run.
pub struct Run {
    pub id: String,
    prepared: Prepared,
    cancel: Cancel,
    dir: PathBuf,
    state: Mutex<State>,
}

impl Run {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave the state half-written in a way
        // that matters to readers, so a poisoned lock is used as it is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends an event to every listener and keeps it for later ones.
    fn publish(&self, name: &str, data: Json) {
        let mut st = self.lock();
        let msg = (name.to_string(), data);
        st.listeners.retain(|tx| tx.send(msg.clone()).is_ok());
        if !st.listeners.is_empty() {
            st.last_listened = Instant::now();
        }
        if name == "month" {
            st.months_done += 1;
        }
        st.events.push(msg);
    }

    /// A stream of every event so far and every later one; it ends after the final event.
    pub fn subscribe(&self) -> UnboundedReceiver<Message> {
        let (tx, rx) = unbounded_channel();
        let mut st = self.lock();
        for m in &st.events {
            let _ = tx.send(m.clone());
        }
        st.last_listened = Instant::now();
        if !st.status.finished() {
            st.listeners.push(tx);
        }
        rx
    }

    /// The status document of `GET /api/runs/{id}` (counts as listening).
    pub fn describe(&self) -> Json {
        let mut st = self.lock();
        st.last_listened = Instant::now();
        let run = &self.prepared.base.params.run;
        let mut doc = json!({
            "id": self.id,
            "status": st.status.name(),
            "scenario": self.prepared.name,
            "months": run.months,
            "months_done": st.months_done,
            "replicates": run.replicates,
            "youths": self.prepared.base.params.total_youths(),
        });
        if let Some(obj) = doc.as_object_mut() {
            if let Some(e) = &st.error {
                obj.insert("error".into(), json!(e));
            }
            if let Some(Json::Object(r)) = &st.result {
                obj.insert("result".into(), Json::Object(r.clone()));
            }
        }
        doc
    }

    pub fn status(&self) -> Status {
        self.lock().status
    }

    /// Asks the run to stop; `false` if it had already finished.
    pub fn cancel(&self) -> bool {
        let st = self.lock();
        if st.status.finished() {
            return false;
        }
        self.cancel.cancel();
        true
    }

    /// The path of one of the run's files once it is done (`name` must be one of
    /// `job::FILES` or, for a run under a posterior, `uncertain::FILES`; anything else is
    /// `None`).
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        let optional = if self.under_posterior() { &uncertain::FILES[..] } else { &[] };
        let known = job::FILES.iter().chain(optional).find(|f| **f == name)?;
        (self.status() == Status::Done).then(|| self.dir.join(known))
    }

    /// Whether the run runs under the scenario's posterior (`"posterior": true`).
    pub fn under_posterior(&self) -> bool {
        self.prepared.uncertain.is_some()
    }

    fn finish(&self, status: Status, result: Option<Json>, error: Option<String>) {
        let (name, data) = match (&result, &error) {
            (Some(r), _) => ("done", r.clone()),
            (None, Some(e)) => (status.name(), json!({ "status": status.name(), "error": e })),
            (None, None) => (status.name(), json!({ "status": status.name() })),
        };
        self.publish(name, data);
        let mut st = self.lock();
        st.status = status;
        st.result = result;
        st.error = error;
        st.listeners.clear();
    }

    fn idle_too_long(&self, limits: &Limits) -> bool {
        let mut st = self.lock();
        st.listeners.retain(|tx| !tx.is_closed());
        if !st.listeners.is_empty() {
            st.last_listened = Instant::now();
        }
        st.last_listened.elapsed() > limits.idle
    }
}

/// Every run, the queue and the worker.
pub struct Runs {
    map: Mutex<HashMap<String, Arc<Run>>>,
    /// Ids in creation order, for forgetting the oldest finished runs.
    order: Mutex<VecDeque<String>>,
    queue: SyncSender<Arc<Run>>,
    /// How the forgotten runs ended, the newest [`FORGOTTEN_KEPT`]: a client that comes
    /// back late learns that its run ended rather than that it never existed.
    forgotten: Mutex<VecDeque<(String, Status)>>,
    next: AtomicU64,
    salt: u64,
    work: PathBuf,
    limits: Limits,
}

/// Ends of forgotten runs remembered (an id and a status: some 40 bytes each).
pub const FORGOTTEN_KEPT: usize = 100_000;

/// Why a run could not be queued.
pub enum Refused {
    QueueFull,
}

impl Runs {
    /// Creates the work directory and starts the worker thread.
    pub fn start(work: PathBuf, threads: usize, limits: Limits) -> anyhow::Result<Runs> {
        std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
        let (tx, rx) = mpsc::sync_channel::<Arc<Run>>(limits.max_queued);
        let worker_limits = limits.clone();
        std::thread::Builder::new()
            .name("narcodoor-runs".into())
            .spawn(move || {
                for run in rx {
                    execute(&run, threads.max(1), &worker_limits);
                }
            })
            .context("cannot start the run worker")?;
        let salt = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(Runs {
            map: Mutex::default(),
            order: Mutex::default(),
            queue: tx,
            forgotten: Mutex::default(),
            next: AtomicU64::new(1),
            salt,
            work,
            limits,
        })
    }

    /// Queues a checked run; `QueueFull` when `Limits::max_queued` runs are waiting.
    pub fn submit(&self, prepared: Prepared) -> Result<Arc<Run>, Refused> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{n}-{:08x}", (self.salt ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) as u32);
        let state = State {
            status: Status::Queued,
            events: Vec::new(),
            listeners: Vec::new(),
            last_listened: Instant::now(),
            months_done: 0,
            result: None,
            error: None,
        };
        let dir = self.work.join(&id);
        let run =
            Arc::new(Run { id: id.clone(), prepared, cancel: Cancel::new(), dir, state: Mutex::new(state) });
        // Registered before it is queued, so that the worker never meets an unknown run.
        self.insert(run.clone());
        match self.queue.try_send(run.clone()) {
            Ok(()) => Ok(run),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.map.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                Err(Refused::QueueFull)
            }
        }
    }

    fn insert(&self, run: Arc<Run>) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        // Forget the oldest finished runs beyond the bound (their files too).
        while map.len() >= self.limits.kept_runs {
            let Some(pos) = order.iter().position(|id| map.get(id).is_none_or(|r| r.status().finished()))
            else {
                break;
            };
            if let Some(id) = order.remove(pos) {
                if let Some(old) = map.remove(&id) {
                    let _ = std::fs::remove_dir_all(&old.dir);
                    let mut forgotten = self.forgotten.lock().unwrap_or_else(|e| e.into_inner());
                    if forgotten.len() >= FORGOTTEN_KEPT {
                        forgotten.pop_front();
                    }
                    forgotten.push_back((id, old.status()));
                }
            }
        }
        order.push_back(run.id.clone());
        map.insert(run.id.clone(), run);
    }

    pub fn get(&self, id: &str) -> Option<Arc<Run>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    /// How a run that was forgotten ended, if it is still remembered.
    pub fn forgotten(&self, id: &str) -> Option<Status> {
        let forgotten = self.forgotten.lock().unwrap_or_else(|e| e.into_inner());
        forgotten.iter().rev().find(|(i, _)| i == id).map(|(_, s)| *s)
    }
}

/// Runs one queued run to its end, whatever happens inside.
fn execute(run: &Arc<Run>, threads: usize, limits: &Limits) {
    if run.cancel.is_cancelled() || run.idle_too_long(limits) {
        run.finish(Status::Cancelled, None, None);
        return;
    }
    run.lock().status = Status::Running;
    // Every event (one a month) is also the moment to notice that nobody listens.
    let emit = |name: &str, data: Json| {
        run.publish(name, data);
        if run.idle_too_long(limits) {
            run.cancel.cancel();
        }
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        job::execute(&run.prepared, threads, run.cancel.clone(), &run.dir, &emit)
    }));
    match outcome {
        Ok(Ok(result)) => run.finish(Status::Done, Some(result), None),
        Ok(Err(JobError::Cancelled)) => {
            let _ = std::fs::remove_dir_all(&run.dir);
            run.finish(Status::Cancelled, None, None)
        }
        Ok(Err(JobError::Failed(e))) => run.finish(Status::Failed, None, Some(format!("{e:#}"))),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            run.finish(Status::Failed, None, Some(format!("the run failed: {what}")))
        }
    }
}
