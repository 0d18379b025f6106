//! The few wake-up tools the tasks share.

use std::cell::Cell;
use std::time::Instant;

use async_io::Timer;
use smol::channel::{Receiver, Sender, bounded};
use smol::future;
use stream_core::shell::wait_for;

/// A coalescing wake-up for one waiting task: any number of
/// [`notify`](Self::notify) calls before the task next waits wake it once,
/// and a notify with nobody waiting yet is not lost.
#[derive(Clone)]
pub(crate) struct Notify {
    tx: Sender<()>,
    rx: Receiver<()>,
}

impl Notify {
    pub(crate) fn new() -> Notify {
        let (tx, rx) = bounded(1);
        Notify { tx, rx }
    }

    /// Wakes the waiting task (or the next one to wait). Never blocks.
    pub(crate) fn notify(&self) {
        // Full means a wake-up is already pending: nothing to add.
        let _ = self.tx.try_send(());
    }

    /// Waits for a notification.
    pub(crate) async fn notified(&self) {
        // Never closed: `self` holds a sender.
        let _ = self.rx.recv().await;
    }
}

/// The core's next deadline, for the task that sleeps until it.
///
/// Whoever drains the core [`set`](Self::set)s the deadline it returned; if
/// that is earlier than the one the timer task sleeps until (or it sleeps
/// with none), the task is woken to sleep again until the new one. A later
/// deadline needs no wake-up: the task fires at the old one, finds nothing
/// due (a spurious `handle_timeout` is harmless) and sleeps again.
pub(crate) struct Deadline {
    next: Cell<Option<Instant>>,
    sleeping_until: Cell<Option<Instant>>,
    wake: Notify,
}

impl Deadline {
    pub(crate) fn new() -> Deadline {
        Deadline {
            next: Cell::new(None),
            sleeping_until: Cell::new(None),
            wake: Notify::new(),
        }
    }

    /// The deadline the core returned from its last drain.
    pub(crate) fn set(&self, next: Option<Instant>) {
        self.next.set(next);
        let earlier = match (next, self.sleeping_until.get()) {
            (Some(new), Some(old)) => new < old,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier {
            self.wake.notify();
        }
    }

    /// The timer task: sleeps until the deadline (an async-io [`Timer`],
    /// which never fires early, rounded up to a whole millisecond as
    /// [`wait_for`] says), calls `fire`, and again, forever. `fire`
    /// must feed the core its timeout and drain it (which calls
    /// [`set`](Self::set)).
    pub(crate) async fn run(&self, mut fire: impl FnMut()) {
        let mut timer = Timer::never();
        loop {
            let at = self.next.get();
            self.sleeping_until.set(at);
            let due = match wait_for(at) {
                Some(wait) if wait.is_zero() => true,
                Some(wait) => {
                    // Re-arming costs async-io a wake-up of its reactor:
                    // the shared whole-millisecond granularity makes it once
                    // per busy millisecond, not once per deadline.
                    timer.set_after(wait);
                    future::or(
                        async {
                            (&mut timer).await;
                            true
                        },
                        async {
                            self.wake.notified().await;
                            false
                        },
                    )
                    .await
                }
                None => {
                    self.wake.notified().await;
                    false
                }
            };
            if due {
                fire();
                // `fire` moved the deadline on; should the core keep one in
                // the past, this loop must still let the other tasks run.
                if self.next.get().is_some_and(|t| t <= Instant::now()) {
                    future::yield_now().await;
                }
            }
        }
    }
}

/// How many I/O operations a task does in a row before it lets the others
/// run. async-io retries a read before it waits, so a socket that always
/// has data would otherwise keep the executor's thread to itself.
const BUDGET: u32 = 32;

/// Counts a task's operations and yields to the executor every [`BUDGET`].
#[derive(Default)]
pub(crate) struct Budget(u32);

impl Budget {
    /// One operation done; yields now and then.
    pub(crate) async fn spend(&mut self) {
        self.0 += 1;
        if self.0 >= BUDGET {
            self.0 = 0;
            future::yield_now().await;
        }
    }
}

/// Feeds every datagram that arrives on `sock` to a machine with `read`
/// (which logs receive errors: an ICMP report for an earlier send leaves
/// the socket good), running `drain` after each one that was taken.
/// Never returns; the task is dropped with its executor.
pub(crate) async fn receive_datagrams(
    sock: &async_io::Async<std::net::UdpSocket>,
    mut read: impl FnMut(&std::net::UdpSocket) -> std::io::Result<()>,
    drain: impl Fn(),
) {
    let mut budget = Budget::default();
    loop {
        if sock.read_with(|s| read(s)).await.is_ok() {
            drain();
        }
        budget.spend().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use std::time::Duration;

    #[test]
    fn notify_coalesces_and_is_not_lost() {
        let n = Notify::new();
        n.notify();
        n.notify();
        future::block_on(n.notified());
        // Only one was pending.
        let second = future::block_on(future::or(
            async {
                n.notified().await;
                true
            },
            async { false },
        ));
        assert!(!second);
    }

    #[test]
    fn an_earlier_deadline_wakes_the_timer_task() {
        let ex = smol::LocalExecutor::new();
        let d = Rc::new(Deadline::new());
        let fired = Rc::new(Cell::new(0u32));
        let far = Instant::now() + Duration::from_secs(3600);
        d.set(Some(far));
        let (d2, f2) = (Rc::clone(&d), Rc::clone(&fired));
        ex.spawn(async move {
            // Like a drain after handle_timeout: the deadline moves on.
            d2.run(|| {
                f2.set(f2.get() + 1);
                d2.set(None);
            })
            .await;
        })
        .detach();
        future::block_on(async {
            // Let the task go to sleep until the far deadline.
            while ex.try_tick() {}
            assert_eq!(fired.get(), 0);
            d.set(Some(Instant::now()));
            // It fires promptly, not in an hour.
            ex.run(async {
                while fired.get() == 0 {
                    future::yield_now().await;
                }
            })
            .await;
        });
        assert_eq!(fired.get(), 1);
    }
}
