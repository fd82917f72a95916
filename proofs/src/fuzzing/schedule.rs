//! [`ByteScheduler`]: a shuttle scheduler whose every choice is read from
//! a fuzzer's input, so that the bytes choose the interleaving as well as
//! the program, and the same bytes replay the same interleaving.

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// A shuttle [`Scheduler`] for exactly one execution, whose choices come
/// from bytes: at each scheduling point the next byte, modulo the number of
/// runnable tasks, picks the task to run (the current one included, so a
/// byte may as well mean "no preemption here"). When the bytes run out the
/// current task keeps running until it blocks or ends, and then the first
/// runnable task runs: the rest of the execution has no preemption. A
/// yielding task is passed over while another can run, so that a spin loop
/// cannot starve the task it waits for.
#[derive(Debug, Clone)]
pub struct ByteScheduler {
    bytes: Vec<u8>,
    next: usize,
    started: bool,
}

impl ByteScheduler {
    /// A scheduler reading its choices from `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        ByteScheduler {
            bytes: bytes.to_vec(),
            next: 0,
            started: false,
        }
    }

    fn take(&mut self) -> Option<u8> {
        let byte = self.bytes.get(self.next).copied();
        self.next += usize::from(byte.is_some());
        byte
    }
}

impl Scheduler for ByteScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable_tasks: &[&Task],
        current_task: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let position = |id: Option<TaskId>| runnable_tasks.iter().position(|t| Some(t.id()) == id);
        let pick = match self.take() {
            Some(byte) => usize::from(byte) % runnable_tasks.len(),
            None => match position(current_task) {
                Some(current) if !is_yielding => current,
                Some(current) => (current + 1) % runnable_tasks.len(),
                None => 0,
            },
        };
        runnable_tasks.get(pick).map(|task| task.id())
    }

    fn next_u64(&mut self) -> u64 {
        let mut value = 0u64;
        for _ in 0..8 {
            value = (value << 8) | u64::from(self.take().unwrap_or(0));
        }
        value
    }
}
