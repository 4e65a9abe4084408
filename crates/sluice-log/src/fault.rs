//! Storage faults: telling a full disk from a failing one, and a fault-injecting
//! layer over the writer's file operations for tests.
//!
//! The writer asks [`Faults`] before each segment write, fsync and segment
//! creation. With nothing armed that is one relaxed atomic load; only an armed
//! fault takes the mutex. Tests arm faults through
//! [`Log::inject_fault_for_tests`](crate::Log::inject_fault_for_tests) to make
//! writes fail with `ENOSPC` (optionally after a number of bytes, as a disk
//! filling up mid-write does), fsync fail with `EIO`, or a write tear after a
//! number of bytes, without a real full or failing disk.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

/// `ENOSPC` on Linux: what injected disk-full errors carry.
const ENOSPC: i32 = 28;
/// `EIO` on Linux: what injected I/O errors carry.
const EIO: i32 = 5;

/// Whether an error means the disk (or the user's quota) is full: `ENOSPC` or
/// `EDQUOT`. Such a failed write is retried later instead of stopping the log.
pub(crate) fn is_no_space(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// A storage fault a test can inject into a running log's writer.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The disk is full: once `free_bytes` more bytes have been written
    /// (0: at once), every segment write and segment creation fails with
    /// `ENOSPC` (the write that crosses the limit lands its first bytes, as a
    /// short write does) until the fault is cleared. Retryable.
    DiskFull { free_bytes: u64 },
    /// The next segment write lands only its first `after_bytes` bytes, then
    /// fails with `EIO`: a torn write. Fail-stops the log.
    TornWrite { after_bytes: u64 },
    /// The next fsync fails with `EIO`. Fail-stops the log.
    SyncError,
    /// The next segment write, fsync or segment creation fails with `EIO`.
    /// Fail-stops the log.
    IoError,
}

/// The armed fault, if any, shared by the log handle and its writer.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: AtomicBool,
    fault: Mutex<Option<Fault>>,
}

fn injected(errno: i32, what: &str) -> io::Error {
    let os = io::Error::from_raw_os_error(errno);
    io::Error::new(os.kind(), format!("{os} (injected {what})"))
}

impl Faults {
    /// Arms `fault`, replacing any armed one; `None` clears it.
    pub fn set(&self, fault: Option<Fault>) {
        let mut slot = self.fault.lock();
        *slot = fault;
        self.armed.store(fault.is_some(), Ordering::Relaxed);
    }

    fn disarm(&self, slot: &mut Option<Fault>) {
        *slot = None;
        self.armed.store(false, Ordering::Relaxed);
    }

    /// Before writing `len` bytes: `None` to write them all, or
    /// `Some((n, err))` to write only the first `n` and then fail with `err`.
    #[inline]
    pub fn check_write(&self, len: usize) -> Option<(usize, io::Error)> {
        if !self.armed.load(Ordering::Relaxed) {
            return None;
        }
        self.check_write_slow(len as u64)
    }

    #[cold]
    fn check_write_slow(&self, len: u64) -> Option<(usize, io::Error)> {
        let mut slot = self.fault.lock();
        match *slot {
            Some(Fault::DiskFull { free_bytes }) => {
                if len <= free_bytes {
                    *slot = Some(Fault::DiskFull {
                        free_bytes: free_bytes - len,
                    });
                    None
                } else {
                    *slot = Some(Fault::DiskFull { free_bytes: 0 });
                    Some((free_bytes as usize, injected(ENOSPC, "disk full")))
                }
            }
            Some(Fault::TornWrite { after_bytes }) => {
                self.disarm(&mut slot);
                let landed = after_bytes.min(len) as usize;
                Some((landed, injected(EIO, "torn write")))
            }
            Some(Fault::IoError) => {
                self.disarm(&mut slot);
                Some((0, injected(EIO, "write error")))
            }
            Some(Fault::SyncError) | None => None,
        }
    }

    /// Before an fsync.
    #[inline]
    pub fn check_sync(&self) -> io::Result<()> {
        if !self.armed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut slot = self.fault.lock();
        match *slot {
            Some(Fault::SyncError) => {
                self.disarm(&mut slot);
                Err(injected(EIO, "fsync error"))
            }
            Some(Fault::IoError) => {
                self.disarm(&mut slot);
                Err(injected(EIO, "fsync error"))
            }
            _ => Ok(()),
        }
    }

    /// Before creating a segment file of `header_len` bytes.
    #[inline]
    pub fn check_create(&self, header_len: usize) -> io::Result<()> {
        if !self.armed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut slot = self.fault.lock();
        match *slot {
            Some(Fault::DiskFull { free_bytes }) => {
                let len = header_len as u64;
                if len <= free_bytes {
                    *slot = Some(Fault::DiskFull {
                        free_bytes: free_bytes - len,
                    });
                    Ok(())
                } else {
                    *slot = Some(Fault::DiskFull { free_bytes: 0 });
                    Err(injected(ENOSPC, "disk full"))
                }
            }
            Some(Fault::IoError) => {
                self.disarm(&mut slot);
                Err(injected(EIO, "error creating a segment"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert!(is_no_space(&io::Error::from_raw_os_error(ENOSPC)));
        assert!(is_no_space(&io::Error::from_raw_os_error(122))); // EDQUOT
        assert!(is_no_space(&injected(ENOSPC, "disk full")));
        assert!(!is_no_space(&io::Error::from_raw_os_error(EIO)));
        assert!(!is_no_space(&io::Error::other("other")));
    }

    #[test]
    fn disk_full_counts_down_then_stays_full_until_cleared() {
        let faults = Faults::default();
        assert!(faults.check_write(100).is_none());
        faults.set(Some(Fault::DiskFull { free_bytes: 10 }));
        assert!(faults.check_write(4).is_none());
        let (n, err) = faults.check_write(10).unwrap();
        assert_eq!(n, 6);
        assert!(is_no_space(&err));
        let (n, _) = faults.check_write(1).unwrap();
        assert_eq!(n, 0);
        assert!(is_no_space(&faults.check_create(24).unwrap_err()));
        assert!(
            faults.check_sync().is_ok(),
            "a full disk does not fail fsync"
        );
        faults.set(None);
        assert!(faults.check_write(1000).is_none());
        assert!(faults.check_create(24).is_ok());
    }

    #[test]
    fn one_shot_faults_fire_once() {
        let faults = Faults::default();
        faults.set(Some(Fault::TornWrite { after_bytes: 3 }));
        assert!(faults.check_sync().is_ok());
        let (n, err) = faults.check_write(10).unwrap();
        assert_eq!(n, 3);
        assert!(!is_no_space(&err));
        assert!(faults.check_write(10).is_none());

        faults.set(Some(Fault::SyncError));
        assert!(faults.check_write(10).is_none());
        assert!(faults.check_sync().is_err());
        assert!(faults.check_sync().is_ok());

        faults.set(Some(Fault::IoError));
        assert!(faults.check_sync().is_err());
        assert!(faults.check_write(1).is_none());
    }
}
