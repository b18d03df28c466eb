//! Progress reporting and cancellation for long work (loading, analyses, exports), shared
//! between the worker thread and whoever shows a progress bar.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A progress counter with a cancel flag. Cheap to clone (it is an `Arc`).
#[derive(Clone, Default)]
pub struct Progress(Arc<Inner>);

#[derive(Default)]
struct Inner {
    done: AtomicU64,
    total: AtomicU64,
    cancelled: AtomicBool,
    /// Set internally to stop sibling threads of a failed job (not a user cancel).
    quiet: AtomicBool,
    stage: Mutex<String>,
    /// What the work said the user should know, in order.
    notes: Mutex<Vec<String>>,
    /// Called with each note as it is said (the CLI prints it at once).
    sink: Mutex<Option<NoteSink>>,
}

/// Receives notes as they are said.
type NoteSink = Box<dyn Fn(&str) + Send + Sync>;

/// Returned by work that stopped because the user cancelled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled / 已取消")
    }
}
impl std::error::Error for Cancelled {}

impl Progress {
    /// A new counter at 0 of 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a stage: a name and the number of steps.
    pub fn stage(&self, name: &str, total: u64) {
        *self.0.stage.lock().unwrap() = name.to_string();
        self.0.total.store(total, Ordering::Relaxed);
        self.0.done.store(0, Ordering::Relaxed);
    }

    /// Sets the number of steps done; returns `Err(Cancelled)` when the user cancelled.
    pub fn set(&self, done: u64) -> Result<(), Cancelled> {
        self.0.done.store(done, Ordering::Relaxed);
        self.check()
    }

    /// `Err(Cancelled)` once cancel was asked for.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.0.cancelled.load(Ordering::Relaxed) || self.0.quiet.load(Ordering::Relaxed) {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Asks the work to stop.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::Relaxed);
    }

    /// Stops the other threads of a job that failed (without counting as a user cancel).
    pub fn cancel_quietly(&self) {
        self.0.quiet.store(true, Ordering::Relaxed);
    }

    /// Clears [`Progress::cancel_quietly`].
    pub fn uncancel_quiet(&self) {
        self.0.quiet.store(false, Ordering::Relaxed);
    }

    /// Whether cancel was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::Relaxed)
    }

    /// Fraction done, 0–1 (0 when the total is unknown).
    pub fn fraction(&self) -> f32 {
        let t = self.0.total.load(Ordering::Relaxed);
        if t == 0 {
            0.0
        } else {
            (self.0.done.load(Ordering::Relaxed) as f32 / t as f32).min(1.0)
        }
    }

    /// The current stage's name.
    pub fn stage_name(&self) -> String {
        self.0.stage.lock().unwrap().clone()
    }

    /// Says something the user should know (a layer chosen, shapes repaired, tables imported), in Chinese and
    /// English: passed at once to the sink of [`Progress::on_note`] and kept for [`Progress::notes`], so it reaches
    /// the user even when the work fails later.
    pub fn note(&self, message: impl Into<String>) {
        let m = message.into();
        if let Some(sink) = &*self.0.sink.lock().unwrap() {
            sink(&m);
        }
        self.0.notes.lock().unwrap().push(m);
    }

    /// Every note said so far, in order.
    pub fn notes(&self) -> Vec<String> {
        self.0.notes.lock().unwrap().clone()
    }

    /// Calls `sink` with each note as it is said.
    pub fn on_note(&self, sink: impl Fn(&str) + Send + Sync + 'static) {
        *self.0.sink.lock().unwrap() = Some(Box::new(sink));
    }
}
