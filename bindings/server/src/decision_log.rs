//! The decision log: one JSON Lines record per decision, hash-chained, and
//! its verification (`pdao log verify`).
//!
//! A record is a JSON object written in canonical form — keys sorted,
//! no whitespace — on one line:
//!
//! ```text
//! {"decision":"deny","decision_id":"0190…","endpoint":"/v1/decide",
//!  "engine_version":"0.1.0","hash":"sha256:…","masked":["operator.id"],
//!  "missing":[],"obligations":[{"due":"2025-06-30","rule":"…"}],
//!  "policy_version":"sha256:…","prev":"sha256:…","reasons":["…"],
//!  "request":{…},"request_sha256":"sha256:…","seq":42,
//!  "time":"2024-05-01T08:00:00.000123Z"}
//! ```
//!
//! `hash` is the sha256 of the record's canonical bytes without `hash`;
//! `prev` is the `hash` of the record before ([`GENESIS`] for the first of
//! a chain); `seq` counts from 1. `request` is the validated request in
//! contract form with the masked fields replaced by `"***"`;
//! `request_sha256` is the hash of the unmasked canonical request, so the
//! holder of the original can prove which request was decided.
//!
//! Altering a record breaks its own hash; removing or reordering records
//! breaks `seq` and `prev`. Removing records from the *end* of the last
//! file leaves a shorter valid chain: compare the head that
//! [`verify`] reports with one kept elsewhere (the service's
//! `pdao_decision_log_records` metric, records shipped off the host).
//!
//! Rotation: move the file away and send the service SIGHUP; it reopens
//! the path and the first record of the new file carries the `prev` and
//! the next `seq` of the last record of the old one. `verify` takes the
//! files in order and checks the chain across them.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pdao::{Decision, Request};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev` of the first record of a chain.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// What replaces a masked value.
pub const MASK: &str = "***";

/// The decision log could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// An I/O error on the file.
    #[error("decision log `{path}`: {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The error.
        source: std::io::Error,
    },
    /// The existing file does not end with a valid record to continue from.
    #[error("decision log `{path}`: cannot continue the chain: {reason}")]
    Tail {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A `--mask` path that cannot be a field path.
    #[error("mask `{0}`: expected a field path like `operator.id`")]
    Mask(String),
}

/// One decision to record.
pub(crate) struct Entry<'a> {
    pub decision_id: &'a str,
    pub endpoint: &'a str,
    pub request: &'a Request,
    pub decision: &'a Decision,
}

/// The last record written: where the chain continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Its `seq` (0 before the first record).
    pub seq: u64,
    /// Its `hash` ([`GENESIS`] before the first record).
    pub hash: String,
}

impl Head {
    fn genesis() -> Head {
        Head {
            seq: 0,
            hash: GENESIS.to_string(),
        }
    }
}

struct Inner {
    file: File,
    head: Head,
}

/// An open decision log. Appends are serialised; each is written with one
/// `write` before the decision is answered.
pub(crate) struct DecisionLog {
    path: PathBuf,
    masks: Vec<Vec<String>>,
    sync: bool,
    inner: Mutex<Inner>,
}

impl DecisionLog {
    /// Opens (or creates) the log; an existing file's chain is continued
    /// from its last record.
    pub fn open(path: &Path, masks: &[String], sync: bool) -> Result<DecisionLog, LogError> {
        let masks = masks
            .iter()
            .map(|m| parse_mask(m))
            .collect::<Result<Vec<_>, _>>()?;
        let (file, head) = open_file(path, None)?;
        Ok(DecisionLog {
            path: path.to_path_buf(),
            masks,
            sync,
            inner: Mutex::new(Inner { file, head }),
        })
    }

    /// The last record written.
    pub fn head(&self) -> Head {
        match self.inner.lock() {
            Ok(inner) => inner.head.clone(),
            Err(poisoned) => poisoned.into_inner().head.clone(),
        }
    }

    /// Reopens the path (after it was moved away for rotation), continuing
    /// the chain. A file that is already there must end with this chain's
    /// last record (it is the same file, not rotated).
    pub fn reopen(&self) -> Result<(), LogError> {
        let mut inner = self.lock();
        let (file, _) = open_file(&self.path, Some(&inner.head))?;
        inner.file = file;
        Ok(())
    }

    /// Flushes the file to disk.
    pub fn sync(&self) -> Result<(), LogError> {
        self.lock().file.sync_all().map_err(|source| LogError::Io {
            path: self.path.clone(),
            action: "sync",
            source,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-advanced head:
        // the head is only replaced after a complete write.
        match self.inner.lock() {
            Ok(inner) => inner,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Appends one record per entry, in order, with one write. Nothing is
    /// recorded (and the head does not move) when the write fails.
    pub fn append(&self, entries: &[Entry<'_>]) -> Result<(), LogError> {
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let bodies: Vec<Map<String, Value>> = entries
            .iter()
            .map(|entry| self.body(entry, &time))
            .collect();
        let mut inner = self.lock();
        let mut head = inner.head.clone();
        let mut buffer = Vec::with_capacity(bodies.len() * 2048);
        for mut body in bodies {
            head.seq += 1;
            body.insert("seq".into(), Value::from(head.seq));
            body.insert("prev".into(), Value::String(head.hash.clone()));
            head.hash = seal(&mut body);
            buffer.extend_from_slice(&canonical_bytes(&Value::Object(body)));
            buffer.push(b'\n');
        }
        let io = |action, source| LogError::Io {
            path: self.path.clone(),
            action,
            source,
        };
        let before = inner.file.metadata().map(|m| m.len()).ok();
        let written = inner.file.write_all(&buffer).and_then(|()| {
            if self.sync {
                inner.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            // Leave no torn record behind when the file allows it.
            if let Some(len) = before {
                let _ = inner.file.set_len(len);
            }
            return Err(io("write", e));
        }
        inner.head = head;
        Ok(())
    }

    /// A record without `seq`, `prev` and `hash`.
    fn body(&self, entry: &Entry<'_>, time: &str) -> Map<String, Value> {
        let decision = entry.decision;
        let mut request = entry.request.to_json();
        request.sort_all_objects();
        let request_sha256 = sha256(&canonical_bytes(&request));
        let mut masked = Vec::new();
        for path in &self.masks {
            if mask(&mut request, path) {
                masked.push(Value::String(path.join(".")));
            }
        }
        let obligations = decision
            .obligations
            .iter()
            .map(|o| {
                let mut m = Map::new();
                if let Some(due) = &o.due {
                    m.insert("due".into(), Value::String(due.clone()));
                }
                m.insert("rule".into(), Value::String(o.rule.clone()));
                Value::Object(m)
            })
            .collect();
        let strings = |items: &[String]| items.iter().cloned().map(Value::String).collect();
        let mut body = Map::new();
        body.insert(
            "decision".into(),
            Value::String(if decision.is_allow() { "allow" } else { "deny" }.into()),
        );
        body.insert(
            "decision_id".into(),
            Value::String(entry.decision_id.into()),
        );
        body.insert("endpoint".into(), Value::String(entry.endpoint.into()));
        body.insert("engine_version".into(), Value::String(pdao::VERSION.into()));
        body.insert("masked".into(), Value::Array(masked));
        body.insert("missing".into(), Value::Array(strings(&decision.missing)));
        body.insert("obligations".into(), Value::Array(obligations));
        body.insert(
            "policy_version".into(),
            Value::String(decision.policy_version.clone()),
        );
        body.insert(
            "reasons".into(),
            Value::Array(
                decision
                    .reasons
                    .iter()
                    .map(|r| Value::String(r.rule.clone()))
                    .collect(),
            ),
        );
        body.insert("request".into(), request);
        body.insert("request_sha256".into(), Value::String(request_sha256));
        body.insert("time".into(), Value::String(time.to_string()));
        body
    }
}

/// Computes a record's hash (over its canonical bytes without `hash`),
/// inserts it and returns it.
fn seal(body: &mut Map<String, Value>) -> String {
    body.remove("hash");
    let mut value = Value::Object(std::mem::take(body));
    value.sort_all_objects();
    let hash = sha256(&canonical_bytes(&value));
    if let Value::Object(map) = value {
        *body = map;
    }
    body.insert("hash".into(), Value::String(hash.clone()));
    hash
}

/// `sha256:<hex>`.
fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Compact JSON with every object's keys sorted.
fn canonical_bytes(value: &Value) -> Vec<u8> {
    let mut value = value.clone();
    value.sort_all_objects();
    serde_json::to_vec(&value).unwrap_or_default()
}

fn parse_mask(text: &str) -> Result<Vec<String>, LogError> {
    let parts: Vec<String> = text.trim().split('.').map(str::to_string).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.contains(char::is_whitespace))
    {
        return Err(LogError::Mask(text.to_string()));
    }
    Ok(parts)
}

/// Replaces the value at `path` (through arrays: in every element) with
/// [`MASK`]; whether anything was masked.
fn mask(value: &mut Value, path: &[String]) -> bool {
    match value {
        Value::Array(items) => {
            // Every element, not only up to the first masked one.
            let mut any = false;
            for item in items {
                any |= mask(item, path);
            }
            any
        }
        Value::Object(map) => {
            let Some((first, rest)) = path.split_first() else {
                return false;
            };
            match map.get_mut(first) {
                Some(target) if rest.is_empty() => {
                    *target = Value::String(MASK.into());
                    true
                }
                Some(target) => mask(target, rest),
                None => false,
            }
        }
        _ => false,
    }
}

/// Opens for appending; reads the chain head from the end of an existing
/// regular file. With `expect`, a non-empty file must end with that head.
fn open_file(path: &Path, expect: Option<&Head>) -> Result<(File, Head), LogError> {
    let io = |action, source| LogError::Io {
        path: path.to_path_buf(),
        action,
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| io("open", e))?;
    let metadata = file.metadata().map_err(|e| io("stat", e))?;
    let tail = if metadata.is_file() && metadata.len() > 0 {
        Some(
            last_record(&mut file, metadata.len()).map_err(|reason| LogError::Tail {
                path: path.to_path_buf(),
                reason,
            })?,
        )
    } else {
        None
    };
    let head = match (tail, expect) {
        (None, Some(expect)) => expect.clone(),
        (None, None) => Head::genesis(),
        (Some(tail), None) => tail,
        (Some(tail), Some(expect)) if &tail == expect => tail,
        (Some(tail), Some(expect)) => {
            return Err(LogError::Tail {
                path: path.to_path_buf(),
                reason: format!(
                    "the file there ends with record {} ({}), not with this chain's record {} ({}); move it away first",
                    tail.seq, tail.hash, expect.seq, expect.hash
                ),
            })
        }
    };
    Ok((file, head))
}

/// The `seq` and `hash` of the last line of a non-empty file, which must
/// be a complete, intact record.
fn last_record(file: &mut File, len: u64) -> Result<Head, String> {
    const CHUNK: u64 = 64 * 1024;
    let mut end = len;
    let mut tail: Vec<u8> = Vec::new();
    // Read backwards until the line before the last one starts.
    loop {
        let start = end.saturating_sub(CHUNK);
        let mut chunk = vec![0; usize::try_from(end - start).map_err(|e| e.to_string())?];
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut chunk))
            .map_err(|e| format!("cannot read its end: {e}"))?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        end = start;
        let body = tail.strip_suffix(b"\n").unwrap_or(&tail);
        if body.contains(&b'\n') || start == 0 {
            break;
        }
    }
    if tail.last() != Some(&b'\n') {
        return Err(
            "its last line is incomplete (a torn write); run `pdao log verify` and move the file away"
                .into(),
        );
    }
    let body = tail.strip_suffix(b"\n").unwrap_or(&tail);
    let line = match body.iter().rposition(|&b| b == b'\n') {
        Some(i) => body.get(i + 1..).unwrap_or_default(),
        None => body,
    };
    let record = check_record(line).map_err(|e| format!("its last record {e}"))?;
    Ok(Head {
        seq: record.seq,
        hash: record.hash,
    })
}

/// The chain fields of one intact record.
struct Checked {
    seq: u64,
    prev: String,
    hash: String,
}

/// Parses one line and checks it is canonical and its `hash` matches.
fn check_record(line: &[u8]) -> Result<Checked, String> {
    let value: Value = serde_json::from_slice(line).map_err(|e| format!("is not JSON ({e})"))?;
    let Value::Object(mut map) = value else {
        return Err("is not a JSON object".into());
    };
    let text = |map: &Map<String, Value>, key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("has no `{key}` string"))
    };
    let hash = text(&map, "hash")?;
    let prev = text(&map, "prev")?;
    let seq = map
        .get("seq")
        .and_then(Value::as_u64)
        .filter(|&s| s > 0)
        .ok_or_else(|| "has no positive integer `seq`".to_string())?;
    let mut sealed = map.clone();
    let computed = seal(&mut sealed);
    if computed != hash {
        return Err(format!(
            "was altered: its content hashes to {computed}, not to its `hash` {hash}"
        ));
    }
    map.insert("hash".into(), Value::String(hash.clone()));
    if canonical_bytes(&Value::Object(map)) != line {
        return Err(
            "was altered: the line is not in canonical form (keys sorted, no spaces)".into(),
        );
    }
    Ok(Checked { seq, prev, hash })
}

/// What a verified log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Files read.
    pub files: usize,
    /// Records checked.
    pub records: u64,
    /// `seq` of the first record.
    pub first_seq: u64,
    /// The last record (compare it with a head kept elsewhere).
    pub head: Head,
    /// Chains found: more than one when a service started anew on an
    /// empty file (a new chain starts only at the beginning of a file).
    pub chains: usize,
}

/// The first record that breaks the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {kind}: {message}")]
pub struct VerifyError {
    /// The file.
    pub file: String,
    /// 1-based line of the offending record (0: the file itself).
    pub line: usize,
    /// `altered`, `removed`, `reordered`, `incomplete`, `empty` or `io`.
    pub kind: &'static str,
    /// What is wrong.
    pub message: String,
}

impl VerifyError {
    fn new(file: &Path, line: usize, kind: &'static str, message: impl Into<String>) -> Self {
        VerifyError {
            file: file.display().to_string(),
            line,
            kind,
            message: message.into(),
        }
    }
}

/// One line of a file: (line number, bytes without the newline, whether
/// the newline was there).
fn lines(
    path: &Path,
) -> Result<impl Iterator<Item = std::io::Result<(usize, Vec<u8>, bool)>>, VerifyError> {
    let file = File::open(path)
        .map_err(|e| VerifyError::new(path, 0, "io", format!("cannot open: {e}")))?;
    let mut reader = BufReader::new(file);
    let mut number = 0;
    Ok(std::iter::from_fn(move || {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                number += 1;
                let complete = line.last() == Some(&b'\n');
                if complete {
                    line.pop();
                }
                Some(Ok((number, line, complete)))
            }
            Err(e) => Some(Err(e)),
        }
    }))
}

/// Verifies the chain through `files`, in order. With `partial`, the first
/// record may continue a chain whose earlier files are not given.
pub fn verify(files: &[PathBuf], partial: bool) -> Result<VerifyReport, VerifyError> {
    let mut head: Option<Head> = None;
    let mut first_seq = 0;
    let mut records = 0;
    let mut chains = 0;
    for path in files {
        let mut at_start = true;
        for item in lines(path)? {
            let (number, line, complete) =
                item.map_err(|e| VerifyError::new(path, 0, "io", format!("cannot read: {e}")))?;
            if !complete {
                return Err(VerifyError::new(
                    path,
                    number,
                    "incomplete",
                    "the last line has no newline: a record was cut short (a torn write or a truncation)",
                ));
            }
            let record = check_record(&line).map_err(|e| {
                VerifyError::new(path, number, "altered", format!("the record {e}"))
            })?;
            let new_chain = record.seq == 1 && record.prev == GENESIS;
            match &head {
                None if new_chain || partial => {
                    first_seq = record.seq;
                    chains = 1;
                }
                None => {
                    return Err(VerifyError::new(
                        path,
                        number,
                        "removed",
                        format!(
                            "the log starts at record {} (prev {}), not at record 1: earlier records were removed (with rotated files, give the earlier files first, or use --partial)",
                            record.seq, record.prev
                        ),
                    ))
                }
                Some(_) if new_chain && at_start => chains += 1,
                Some(last) => {
                    let expected = last.seq + 1;
                    if record.seq != expected {
                        return Err(seq_error(files, path, number, record.seq, expected));
                    }
                    if record.prev != last.hash {
                        let message = if at_start {
                            format!(
                                "its prev {} is not the hash of the last record of the file before ({}): that record was altered, or the files are not given in order",
                                record.prev, last.hash
                            )
                        } else {
                            format!(
                                "its prev {} is not the hash of line {} ({}): the record before was altered and its hash recomputed",
                                record.prev,
                                number - 1,
                                last.hash
                            )
                        };
                        return Err(VerifyError::new(path, number, "altered", message));
                    }
                }
            }
            head = Some(Head {
                seq: record.seq,
                hash: record.hash,
            });
            records += 1;
            at_start = false;
        }
    }
    match head {
        Some(head) => Ok(VerifyReport {
            files: files.len(),
            records,
            first_seq,
            head,
            chains,
        }),
        None => Err(VerifyError::new(
            files
                .first()
                .map_or(Path::new("(no file)"), PathBuf::as_path),
            0,
            "empty",
            "no record to verify",
        )),
    }
}

/// Classifies a `seq` that is not the expected one: the expected record
/// later in the files (reordered), or nowhere (removed), or an earlier
/// number again (reordered or duplicated).
fn seq_error(
    files: &[PathBuf],
    path: &Path,
    number: usize,
    seq: u64,
    expected: u64,
) -> VerifyError {
    if seq < expected {
        return VerifyError::new(
            path,
            number,
            "reordered",
            format!(
                "record {seq} comes again or out of order after record {}",
                expected - 1
            ),
        );
    }
    let found = files.iter().find_map(|file| {
        lines(file).ok()?.flatten().find_map(|(n, line, _)| {
            let value: Value = serde_json::from_slice(&line).ok()?;
            (value.get("seq")?.as_u64()? == expected).then(|| (file.clone(), n))
        })
    });
    match found {
        Some((file, n)) => VerifyError::new(
            path,
            number,
            "reordered",
            format!(
                "record {seq} stands where record {expected} belongs; record {expected} is at {}:{n}",
                file.display()
            ),
        ),
        None if seq == expected + 1 => VerifyError::new(
            path,
            number,
            "removed",
            format!("record {expected} is missing before this record ({seq})"),
        ),
        None => VerifyError::new(
            path,
            number,
            "removed",
            format!("records {expected} to {} are missing before this record", seq - 1),
        ),
    }
}
