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
}

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
}
