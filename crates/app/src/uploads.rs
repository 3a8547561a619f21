//! Files received in pieces (video files, cover images): written to a temporary file in the data
//! directory by a blocking thread while their size is counted and their SHA-256 computed, then
//! kept under their hash. The request's thread only copies bytes into a bounded buffer, so memory
//! stays flat whatever the file's size; an upload dropped before it is kept leaves nothing behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{AppError, AppResult};

/// Bytes gathered before they are handed to the writing thread.
const UPLOAD_BUFFER_BYTES: usize = 1024 * 1024;

/// What an upload accepts.
#[derive(Debug, Clone)]
pub(crate) struct UploadRules {
    pub bytes_max: u64,
    /// The refusal past `bytes_max`.
    pub too_large: AppError,
    /// How many first bytes `check_head` judges the file's type by.
    pub head_bytes: usize,
    /// Refuses a file by its first bytes, as soon as they arrived (or at the end of a shorter file).
    pub check_head: fn(&[u8]) -> AppResult<()>,
}

/// A file being received.
pub struct Upload {
    /// The temporary file and the running hash; `None` only while a write is in flight.
    sink: Option<(tempfile::NamedTempFile, Sha256)>,
    buffer: Vec<u8>,
    bytes: u64,
    head: Vec<u8>,
    head_checked: bool,
    rules: UploadRules,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload").field("bytes", &self.bytes).finish_non_exhaustive()
    }
}

/// A file kept under its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub bytes: u64,
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|error| AppError::internal(&error))
}

impl Upload {
    /// Opens a temporary file in `data_dir/tmp` for a file received under `rules`.
    pub(crate) fn begin(data_dir: &Path, rules: UploadRules) -> AppResult<Upload> {
        let tmp = data_dir.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|error| AppError::internal(&error))?;
        let file = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(&tmp)
            .map_err(|error| AppError::internal(&error))?;
        Ok(Upload {
            sink: Some((file, Sha256::new())),
            buffer: Vec::with_capacity(UPLOAD_BUFFER_BYTES),
            bytes: 0,
            head: Vec::with_capacity(rules.head_bytes),
            head_checked: false,
            rules,
        })
    }

    /// Appends a chunk; refuses the byte past the limit, and a file whose first bytes are not of
    /// an accepted type (the upload is then to be dropped).
    pub async fn write(&mut self, chunk: &[u8]) -> AppResult<()> {
        let total = self.bytes + chunk.len() as u64;
        if total > self.rules.bytes_max {
            return Err(self.rules.too_large.clone());
        }
        if self.head.len() < self.rules.head_bytes {
            let take = (self.rules.head_bytes - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if !self.head_checked && self.head.len() == self.rules.head_bytes {
            (self.rules.check_head)(&self.head)?;
            self.head_checked = true;
        }
        self.buffer.extend_from_slice(chunk);
        self.bytes = total;
        if self.buffer.len() >= UPLOAD_BUFFER_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// Hands the buffer to a blocking thread that hashes and writes it. If the request is dropped
    /// meanwhile, that thread drops the temporary file when done, which deletes it.
    async fn flush(&mut self) -> AppResult<()> {
        let (mut file, mut hasher) =
            self.sink.take().ok_or_else(|| AppError::internal(&"upload written after a failed write"))?;
        let buffer = std::mem::take(&mut self.buffer);
        let (file, hasher, mut buffer) = blocking(move || {
            hasher.update(&buffer);
            file.write_all(&buffer).map(|()| (file, hasher, buffer))
        })
        .await?
        .map_err(|error| AppError::internal(&error))?;
        buffer.clear();
        self.buffer = buffer;
        self.sink = Some((file, hasher));
        Ok(())
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The file's first bytes (up to `UploadRules::head_bytes`).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Writes what is buffered, syncs the file to disk and moves it to `dir/<sha256>`; when that
    /// content is stored already, the copy is dropped.
    pub(crate) async fn keep(mut self, dir: PathBuf) -> AppResult<StoredFile> {
        if !self.head_checked {
            (self.rules.check_head)(&self.head)?;
        }
        self.flush().await?;
        let (file, hasher) = self.sink.take().ok_or_else(|| AppError::internal(&"upload kept twice"))?;
        let bytes = self.bytes;
        blocking(move || {
            std::fs::create_dir_all(&dir)?;
            file.as_file().sync_all()?;
            let sha256 = hex::encode(hasher.finalize());
            let target = dir.join(&sha256);
            if !target.exists() {
                file.persist(&target).map_err(|error| error.error)?;
            }
            Ok::<_, std::io::Error>(StoredFile { sha256, bytes })
        })
        .await?
        .map_err(|error| AppError::internal(&error))
    }
}
