//! The one-writer guard: an exclusive OS lock on `<db>.lock`, held for as long as the value
//! lives. The operating system releases it when the process dies, so a killed scan never leaves
//! the database locked.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct WriteLock {
    file: std::fs::File,
    path: PathBuf,
    /// This process made the lock file (it did not exist before).
    created: bool,
}

/// `<db>.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl WriteLock {
    /// Take the lock, or say who holds it; with `wait`, queue behind the holder.
    pub fn acquire(db: &Path, what: &str, wait: bool) -> Result<WriteLock> {
        use std::io::{Read, Seek, Write};
        let path = lock_path(db);
        let created = !path.exists();
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) if !wait => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::Locked(if holder.is_empty() {
                    "holder unknown".into()
                } else {
                    holder.to_string()
                }));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::warn!("waiting for the other xrefscan to finish writing");
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(
            file,
            "{what}, pid {}, since {}",
            std::process::id(),
            super::now()
        );
        let _ = file.flush();
        Ok(WriteLock {
            file,
            path,
            created,
        })
    }

    /// Give the lock up after a failed open; a lock file this process made is removed, so a
    /// mistyped `--db` leaves nothing behind.
    pub fn release_and_remove_if_created(self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
        drop(self.file);
    }
}

/// Who the lock file says holds (or last held) the lock, and whether that process is still
/// alive — read without taking the lock, so asking never gets in a writer's way. `None` when
/// no writer ever ran.
pub fn holder(db: &Path) -> Option<(String, Option<bool>)> {
    let text = std::fs::read_to_string(lock_path(db)).ok()?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return None;
    }
    let pid: Option<u32> = text
        .split(", pid ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|p| p.trim().parse().ok());
    let proc = Path::new("/proc");
    // Where /proc exists (Linux) a process's liveness can be read; elsewhere it is unknown.
    let alive = match pid {
        Some(p) if proc.is_dir() => Some(proc.join(p.to_string()).exists()),
        _ => None,
    };
    Some((text, alive))
}
