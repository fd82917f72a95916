//! A one-shot signal between a scenario's threads: how a scenario makes one
//! thread's check happen-after another thread's operation (P1 is about
//! observers that happen-after the pin), without adding anything to the
//! page the scheme manages.

use pinref_model::sync::{AtomicI32, Ordering, Platform};

/// A flag one thread raises and another waits for.
pub struct Signal<P: Platform> {
    raised: P::AtomicI32,
}

impl<P: Platform> Signal<P> {
    /// A signal not yet raised.
    pub fn new() -> Self {
        Signal {
            raised: P::AtomicI32::new(0),
        }
    }

    /// Raises the signal. Release: everything the raiser did before is
    /// visible to whoever [`Signal::wait`]s and sees it.
    pub fn raise(&self) {
        self.raised.store(1, Ordering::Release);
    }

    /// Waits until the signal is raised. Acquire: pairs with
    /// [`Signal::raise`], so the waiter happens-after the raiser's earlier
    /// operations.
    ///
    /// The wait is one operation that returns nothing, and its spin holds no
    /// state between attempts: to the state-caching explorer, a thread that
    /// waits is in one state however often it has looked.
    pub fn wait(&self) {
        P::operation("Signal::wait", || {
            P::spin_until(|| (self.raised.load(Ordering::Acquire) != 0).then_some(()))
        })
    }
}

impl<P: Platform> Default for Signal<P> {
    fn default() -> Self {
        Signal::new()
    }
}
