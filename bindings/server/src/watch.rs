//! `--watch`: reload when the bundle directory changes.
//!
//! Two kinds of watch: the directory's real location, recursively (files
//! edited in place), and the directories holding the path and every
//! symlink on the way to it, for those being replaced — the atomic switch
//! of a symlink (`ln -s v2 tmp && mv -T tmp current`, as git-sync and
//! Kubernetes volume updates do) or a rename. After each
//! reload the recursive watch follows the path to its new target. Events
//! are debounced: the reload starts once the directory has been quiet for
//! `watch_debounce`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::server::{ServeError, Shared};

fn relevant(event: &Event, anchors: &[PathBuf], target: &Path) -> bool {
    let changes = match event.kind {
        // Opening and reading (our own loads included) change nothing.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    };
    changes
        && event
            .paths
            .iter()
            .any(|p| anchors.contains(p) || p.starts_with(target))
}

/// The paths whose replacement changes what `path` means: the path itself
/// and every symlink on the way to it (`/git/current` in
/// `/git/current/policies`, as git-sync lays it out).
fn anchors(path: &Path) -> Vec<PathBuf> {
    let mut anchors: Vec<PathBuf> = path
        .ancestors()
        .filter(|a| std::fs::symlink_metadata(a).is_ok_and(|m| m.file_type().is_symlink()))
        .map(Path::to_path_buf)
        .collect();
    if !anchors.iter().any(|a| a == path) {
        anchors.push(path.to_path_buf());
    }
    anchors
}

struct Watch {
    watcher: RecommendedWatcher,
    path: PathBuf,
    target: Option<PathBuf>,
}

impl Watch {
    /// Points the recursive watch at the path's current real location.
    fn follow(&mut self) {
        let target = std::fs::canonicalize(&self.path).ok();
        if target == self.target {
            return;
        }
        if let Some(old) = self.target.take() {
            let _ = self.watcher.unwatch(&old);
        }
        if let Some(new) = &target {
            if let Err(error) = self.watcher.watch(new, RecursiveMode::Recursive) {
                tracing::warn!(%error, dir = %new.display(), "cannot watch the bundle directory");
            }
        }
        self.target = target;
    }
}

/// Starts watching `config.policies`; the task reloads on changes.
pub(crate) fn spawn(shared: Arc<Shared>) -> Result<JoinHandle<()>, ServeError> {
    let path = shared
        .config
        .policies
        .clone()
        .ok_or_else(|| ServeError::Config("--watch needs --policies DIR".into()))?;
    let path = std::path::absolute(&path).unwrap_or(path);
    let anchors = anchors(&path);
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        if let Ok(event) = event {
            let _ = tx.send(event);
        }
    })
    .map_err(|e| ServeError::Config(format!("cannot watch {}: {e}", path.display())))?;
    let mut watch = Watch {
        watcher,
        path: path.clone(),
        target: None,
    };
    // The directories holding the anchors see them replaced. They are
    // real directories (canonicalised), so that a watch never follows a
    // symlink that is about to be switched.
    let mut parents: Vec<PathBuf> = anchors
        .iter()
        .filter_map(|a| a.parent())
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
        .collect();
    parents.sort();
    parents.dedup();
    for parent in &parents {
        watch
            .watcher
            .watch(parent, RecursiveMode::NonRecursive)
            .map_err(|e| ServeError::Config(format!("cannot watch {}: {e}", parent.display())))?;
    }
    // Events name the real parent: compare with the anchors under it.
    let anchors: Vec<PathBuf> = anchors
        .iter()
        .filter_map(|a| {
            let parent = std::fs::canonicalize(a.parent()?).ok()?;
            Some(parent.join(a.file_name()?))
        })
        .chain(anchors.iter().cloned())
        .collect();
    watch.follow();
    let debounce = shared.config.watch_debounce;
    Ok(tokio::spawn(async move {
        loop {
            let target = watch.target.clone().unwrap_or_else(|| path.clone());
            // Wait for a change…
            loop {
                match rx.recv().await {
                    Some(event) if relevant(&event, &anchors, &target) => break,
                    Some(_) => continue,
                    None => return,
                }
            }
            // …then for quiet.
            loop {
                match tokio::time::timeout(debounce, rx.recv()).await {
                    Ok(Some(_)) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            watch.follow();
            let _ = shared.reload("watch").await;
            watch.follow();
        }
    }))
}
