//! For tests: a filesystem that forgets, when the power is cut, every write not yet synced.
//!
//! [`LossyFs::mount`] serves a backing folder at a mount point through FUSE. Writes reach the
//! backing files at once, so every reader sees them; but the first time a page of a file changes
//! after the file's last `fsync`/`fdatasync`, the page's old bytes (and the file's old length) are
//! kept. [`LossyFs::cut`] is the power failing: from that instant every operation fails with EIO,
//! and every file is put back as it was at its last sync — its kept pages written back, its length
//! restored. What is left in the backing folder is what a disk that honours `fsync`, and promises
//! nothing more, would hold when the power comes back. Writes through a descriptor opened with
//! `O_SYNC` or `O_DSYNC` count as synced as they are made.
//!
//! Names are not lost: creating, renaming and removing files and folders reach the backing folder
//! at once and count as durable there and then (a real filesystem can also lose a name that was
//! not synced into its folder; the layer loses data, not names).
//!
//! The layer needs `/dev/fuse` and the right to mount (root, or `CAP_SYS_ADMIN`). Other users'
//! processes may use the mount (PostgreSQL runs as `postgres`); the kernel checks their
//! permissions against the backing files' modes.

use fuser::{
    BackgroundSession, Config, Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, MountOption, OpenFlags, RenameFlags,
    ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyWrite, Request, SessionACL, TimeOrNow,
};
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The unit in which old bytes are kept.
const PAGE: u64 = 4096;
/// How long the kernel may trust what it was told of a name or a file (all changes pass through
/// this layer, so it is never told anything stale).
const TTL: Duration = Duration::from_secs(1);

/// What a cut put back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cut {
    /// Files that held writes not yet synced.
    pub files: usize,
    /// Pages written back to what they held at the last sync.
    pub pages: usize,
}

/// A mounted lossy filesystem; unmounted (lazily) when dropped.
pub struct LossyFs {
    state: Arc<Mutex<State>>,
    session: Option<BackgroundSession>,
    mountpoint: PathBuf,
    /// The FUSE connection's number (the mount's device minor), to abort it when done.
    connection: Option<u64>,
}

impl LossyFs {
    /// Serve `backing` at `mountpoint` (both existing folders).
    pub fn mount(backing: &Path, mountpoint: &Path) -> io::Result<LossyFs> {
        let backing = backing.canonicalize()?;
        let state = Arc::new(Mutex::new(State::new(backing)));
        let mut config = Config::default();
        config.mount_options = vec![MountOption::FSName("lossyfs".into()), MountOption::DefaultPermissions];
        config.acl = SessionACL::All;
        let session = fuser::spawn_mount2(Layer(state.clone()), mountpoint, &config)?;
        let dev = std::fs::metadata(mountpoint)?.dev();
        let connection = Some((dev & 0xff) | ((dev >> 12) & 0xfff00));
        Ok(LossyFs { state, session: Some(session), mountpoint: mountpoint.to_path_buf(), connection })
    }

    /// The power fails: every operation from now on fails with EIO, and every file is put back
    /// to what it held at its last sync.
    pub fn cut(&self) -> io::Result<Cut> {
        let mut st = lock(&self.state);
        st.dead = true;
        let unsynced = std::mem::take(&mut st.unsynced);
        let mut cut = Cut::default();
        for (ino, kept) in unsynced {
            let Some(path) = st.paths.get(&ino) else { continue }; // removed since: nothing to put back
            let file = OpenOptions::new().write(true).open(path)?;
            for (page, old) in &kept.pages {
                file.write_all_at(old, page * PAGE)?;
            }
            file.set_len(kept.len)?;
            cut.files += 1;
            cut.pages += kept.pages.len();
        }
        Ok(cut)
    }

    /// Unmount now. Lazily: the mount point is free at once (a new layer can be mounted there),
    /// while processes still holding files of this one get EIO until they let go.
    pub fn unmount(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(session) = self.session.take() {
            // Abort the connection first: every request waiting on it, or made later, fails at
            // once. Otherwise a file of the mount still open in this process (a pool's
            // connection, say) is flushed when the process exits — to a server that is this
            // process, already gone: the exit never finishes.
            if let Some(connection) = self.connection {
                abort(connection);
            }
            let _ = std::process::Command::new("umount").arg("-l").arg(&self.mountpoint).status();
            drop(session);
        }
    }
}

/// Abort FUSE connection `n` through the fusectl filesystem (mounted here if it is not yet).
fn abort(n: u64) {
    let connections = Path::new("/sys/fs/fuse/connections");
    let dir = connections.join(n.to_string());
    if !dir.exists() {
        let _ = std::process::Command::new("mount").args(["-t", "fusectl", "fusectl"]).arg(connections).status();
    }
    let _ = std::fs::write(dir.join("abort"), "1");
}

impl Drop for LossyFs {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Old bytes of one file, kept since its last sync.
struct Kept {
    /// The file's length at its last sync.
    len: u64,
    /// Page number → the page's bytes at the last sync (shorter than a page, or empty, at and
    /// past the old end of the file).
    pages: BTreeMap<u64, Vec<u8>>,
}

struct Open {
    file: File,
    ino: u64,
    /// Opened with O_SYNC or O_DSYNC: every write is synced as it is made.
    synchronous: bool,
}

struct State {
    dead: bool,
    paths: HashMap<u64, PathBuf>,
    inos: HashMap<PathBuf, u64>,
    next_ino: u64,
    open: HashMap<u64, Open>,
    next_fh: u64,
    unsynced: HashMap<u64, Kept>,
}

impl State {
    fn new(root: PathBuf) -> State {
        let ino = INodeNo::ROOT.0;
        State {
            dead: false,
            paths: HashMap::from([(ino, root.clone())]),
            inos: HashMap::from([(root, ino)]),
            next_ino: ino + 1,
            open: HashMap::new(),
            next_fh: 1,
            unsynced: HashMap::new(),
        }
    }

    fn path(&self, ino: INodeNo) -> Result<PathBuf, Errno> {
        self.paths.get(&ino.0).cloned().ok_or(Errno::ENOENT)
    }

    fn child(&self, parent: INodeNo, name: &OsStr) -> Result<PathBuf, Errno> {
        Ok(self.path(parent)?.join(name))
    }

    fn ino_of(&mut self, path: &Path) -> u64 {
        if let Some(ino) = self.inos.get(path) {
            return *ino;
        }
        let ino = self.next_ino;
        self.next_ino += 1;
        self.inos.insert(path.to_path_buf(), ino);
        self.paths.insert(ino, path.to_path_buf());
        ino
    }

    fn forget_path(&mut self, path: &Path) {
        if let Some(ino) = self.inos.remove(path) {
            self.paths.remove(&ino);
            self.unsynced.remove(&ino);
        }
    }

    fn attr(&mut self, path: &Path, meta: &Metadata) -> FileAttr {
        let ino = self.ino_of(path);
        attr(ino, meta)
    }

    /// Keep the old bytes of every page of `ino` in `from..to` not kept since the last sync, and
    /// the file's length at the last sync.
    fn keep(&mut self, ino: u64, file: &File, from: u64, to: u64) -> io::Result<()> {
        let len = file.metadata()?.len();
        let kept = self.unsynced.entry(ino).or_insert_with(|| Kept { len, pages: BTreeMap::new() });
        if to <= from {
            return Ok(());
        }
        for page in from / PAGE..=(to - 1) / PAGE {
            if kept.pages.contains_key(&page) {
                continue;
            }
            let start = page * PAGE;
            let mut old = vec![0; kept.len.saturating_sub(start).min(PAGE) as usize];
            read_fully(file, &mut old, start)?;
            kept.pages.insert(page, old);
        }
        Ok(())
    }
}

fn read_fully(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64)? {
            0 => break,
            n => done += n,
        }
    }
    Ok(done)
}

fn attr(ino: u64, m: &Metadata) -> FileAttr {
    let time = |secs: i64, nanos: i64| UNIX_EPOCH + Duration::new(secs.max(0) as u64, nanos as u32);
    FileAttr {
        ino: INodeNo(ino),
        size: m.size(),
        blocks: m.blocks(),
        atime: time(m.atime(), m.atime_nsec()),
        mtime: time(m.mtime(), m.mtime_nsec()),
        ctime: time(m.ctime(), m.ctime_nsec()),
        crtime: SystemTime::UNIX_EPOCH,
        kind: kind(m.file_type()),
        perm: (m.mode() & 0o7777) as u16,
        nlink: m.nlink() as u32,
        uid: m.uid(),
        gid: m.gid(),
        rdev: m.rdev() as u32,
        blksize: m.blksize() as u32,
        flags: 0,
    }
}

fn kind(t: std::fs::FileType) -> FileType {
    FileType::from_std(t).unwrap_or(FileType::RegularFile)
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn errno(e: io::Error) -> Errno {
    Errno::from(e)
}

/// The FUSE side: every operation takes the one lock, so a cut falls between two operations.
struct Layer(Arc<Mutex<State>>);

impl Layer {
    /// The state, or EIO once the power is off.
    fn live(&self) -> Result<MutexGuard<'_, State>, Errno> {
        let st = lock(&self.0);
        if st.dead {
            return Err(Errno::EIO);
        }
        Ok(st)
    }

    fn entry(&self, req: &Request, parent: INodeNo, name: &OsStr, make: impl FnOnce(&Path) -> io::Result<()>) -> Result<FileAttr, Errno> {
        let mut st = self.live()?;
        let path = st.child(parent, name)?;
        make(&path).map_err(errno)?;
        std::os::unix::fs::lchown(&path, Some(req.uid()), Some(req.gid())).map_err(errno)?;
        let meta = std::fs::symlink_metadata(&path).map_err(errno)?;
        Ok(st.attr(&path, &meta))
    }
}

impl Filesystem for Layer {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let found = self.live().and_then(|mut st| {
            let path = st.child(parent, name)?;
            let meta = std::fs::symlink_metadata(&path).map_err(errno)?;
            Ok(st.attr(&path, &meta))
        });
        match found {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, fh: Option<FileHandle>, reply: ReplyAttr) {
        let found = self.live().and_then(|st| {
            let meta = match fh.and_then(|fh| st.open.get(&fh.0)) {
                Some(open) => open.file.metadata(),
                None => std::fs::symlink_metadata(st.path(ino)?),
            };
            Ok(attr(ino.0, &meta.map_err(errno)?))
        });
        match found {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let done = self.live().and_then(|mut st| {
            let path = st.path(ino)?;
            if let Some(size) = size {
                let file = OpenOptions::new().read(true).write(true).open(&path).map_err(errno)?;
                let len = file.metadata().map_err(errno)?.len();
                st.keep(ino.0, &file, size.min(len), len).map_err(errno)?;
                file.set_len(size).map_err(errno)?;
            }
            if let Some(mode) = mode {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o7777)).map_err(errno)?;
            }
            if uid.is_some() || gid.is_some() {
                std::os::unix::fs::lchown(&path, uid, gid).map_err(errno)?;
            }
            Ok(attr(ino.0, &std::fs::symlink_metadata(&path).map_err(errno)?))
        });
        match done {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn mknod(&self, req: &Request, parent: INodeNo, name: &OsStr, mode: u32, umask: u32, _rdev: u32, reply: ReplyEntry) {
        if mode & S_IFMT != S_IFREG {
            return reply.error(Errno::EPERM); // only regular files
        }
        match self.entry(req, parent, name, |p| OpenOptions::new().write(true).create_new(true).mode(mode & !umask & 0o7777).open(p).map(drop)) {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(&self, req: &Request, parent: INodeNo, name: &OsStr, mode: u32, umask: u32, reply: ReplyEntry) {
        match self.entry(req, parent, name, |p| std::fs::DirBuilder::new().mode(mode & !umask & 0o7777).create(p)) {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let done = self.live().and_then(|mut st| {
            let path = st.child(parent, name)?;
            std::fs::remove_file(&path).map_err(errno)?;
            st.forget_path(&path);
            Ok(())
        });
        match done {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let done = self.live().and_then(|mut st| {
            let path = st.child(parent, name)?;
            std::fs::remove_dir(&path).map_err(errno)?;
            st.forget_path(&path);
            Ok(())
        });
        match done {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rename(&self, _req: &Request, parent: INodeNo, name: &OsStr, newparent: INodeNo, newname: &OsStr, flags: RenameFlags, reply: ReplyEmpty) {
        if !flags.is_empty() {
            return reply.error(Errno::EINVAL);
        }
        let done = self.live().and_then(|mut st| {
            let from = st.child(parent, name)?;
            let to = st.child(newparent, newname)?;
            std::fs::rename(&from, &to).map_err(errno)?;
            st.forget_path(&to); // whatever the new name held is gone
            let moved: Vec<(PathBuf, u64)> = st.inos.iter().filter(|(p, _)| p.starts_with(&from)).map(|(p, i)| (p.clone(), *i)).collect();
            for (old, ino) in moved {
                let rest = old.strip_prefix(&from).expect("under the old name");
                let new = if rest.as_os_str().is_empty() { to.clone() } else { to.join(rest) };
                st.inos.remove(&old);
                st.inos.insert(new.clone(), ino);
                st.paths.insert(ino, new);
            }
            Ok(())
        });
        match done {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let opened = self.live().and_then(|mut st| {
            let path = st.path(ino)?;
            // The layer always opens for reading and writing (it reads old bytes before a write);
            // the kernel has already checked the caller's access. O_TRUNC comes as a setattr.
            let file = OpenOptions::new().read(true).write(true).open(&path).map_err(errno)?;
            let synchronous = flags.0 & SYNC_FLAGS != 0;
            let fh = st.next_fh;
            st.next_fh += 1;
            st.open.insert(fh, Open { file, ino: ino.0, synchronous });
            Ok(fh)
        });
        match opened {
            Ok(fh) => reply.opened(FileHandle(fh), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock: Option<fuser::LockOwner>,
        reply: ReplyData,
    ) {
        let read = self.live().and_then(|st| {
            let open = st.open.get(&fh.0).ok_or(Errno::EBADF)?;
            let mut buf = vec![0; size as usize];
            let n = read_fully(&open.file, &mut buf, offset).map_err(errno)?;
            buf.truncate(n);
            Ok(buf)
        });
        match read {
            Ok(buf) => reply.data(&buf),
            Err(e) => reply.error(e),
        }
    }

    fn write(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: fuser::WriteFlags,
        _flags: OpenFlags,
        _lock: Option<fuser::LockOwner>,
        reply: ReplyWrite,
    ) {
        let written = self.live().and_then(|mut st| {
            let open = st.open.remove(&fh.0).ok_or(Errno::EBADF)?;
            let kept = if open.synchronous { Ok(()) } else { st.keep(open.ino, &open.file, offset, offset + data.len() as u64) };
            let result = kept.and_then(|()| open.file.write_all_at(data, offset));
            st.open.insert(fh.0, open);
            result.map_err(errno)
        });
        match written {
            Ok(()) => reply.written(data.len() as u32),
            Err(e) => reply.error(e),
        }
    }

    fn flush(&self, _req: &Request, _ino: INodeNo, _fh: FileHandle, _lock: fuser::LockOwner, reply: ReplyEmpty) {
        // Closing a file syncs nothing.
        match self.live() {
            Ok(_) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn release(&self, _req: &Request, _ino: INodeNo, fh: FileHandle, _flags: OpenFlags, _lock: Option<fuser::LockOwner>, _flush: bool, reply: ReplyEmpty) {
        lock(&self.0).open.remove(&fh.0);
        reply.ok();
    }

    fn fsync(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, _datasync: bool, reply: ReplyEmpty) {
        // What the file holds now is what a cut leaves (the backing disk itself is not synced:
        // the test's machine does not lose power).
        match self.live() {
            Ok(mut st) => {
                st.unsynced.remove(&ino.0);
                reply.ok()
            }
            Err(e) => reply.error(e),
        }
    }

    fn opendir(&self, _req: &Request, _ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        match self.live() {
            Ok(_) => reply.opened(FileHandle(0), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }

    fn readdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, offset: u64, mut reply: ReplyDirectory) {
        let listed = self.live().and_then(|mut st| {
            let dir = st.path(ino)?;
            let mut entries = vec![(ino.0, FileType::Directory, ".".into()), (ino.0, FileType::Directory, "..".into())];
            let mut names: Vec<_> = std::fs::read_dir(&dir).map_err(errno)?.flatten().collect();
            names.sort_by_key(|e| e.file_name());
            for e in names {
                let path = e.path();
                let t = e.file_type().map(kind).unwrap_or(FileType::RegularFile);
                entries.push((st.ino_of(&path), t, e.file_name()));
            }
            Ok(entries)
        });
        match listed {
            Ok(entries) => {
                for (i, (ino, t, name)) in entries.into_iter().enumerate().skip(offset as usize) {
                    if reply.add(INodeNo(ino), i as u64 + 1, t, name) {
                        break;
                    }
                }
                reply.ok()
            }
            Err(e) => reply.error(e),
        }
    }

    fn fsyncdir(&self, _req: &Request, _ino: INodeNo, _fh: FileHandle, _datasync: bool, reply: ReplyEmpty) {
        match self.live() {
            Ok(_) => reply.ok(), // names are durable as they are made
            Err(e) => reply.error(e),
        }
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        match self.live() {
            Ok(_) => reply.ok(), // the kernel checks permissions (default_permissions)
            Err(e) => reply.error(e),
        }
    }

    fn create(&self, req: &Request, parent: INodeNo, name: &OsStr, mode: u32, umask: u32, flags: i32, reply: ReplyCreate) {
        let created = self.live().and_then(|mut st| {
            let path = st.child(parent, name)?;
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .create_new(flags & O_EXCL != 0)
                .mode(mode & !umask & 0o7777)
                .open(&path)
                .map_err(errno)?;
            std::os::unix::fs::fchown(&file, Some(req.uid()), Some(req.gid())).map_err(errno)?;
            let meta = file.metadata().map_err(errno)?;
            let a = st.attr(&path, &meta);
            let fh = st.next_fh;
            st.next_fh += 1;
            st.open.insert(fh, Open { file, ino: a.ino.0, synchronous: flags & SYNC_FLAGS != 0 });
            Ok((a, fh))
        });
        match created {
            Ok((a, fh)) => reply.created(&TTL, &a, Generation(0), FileHandle(fh), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }
}

// Linux's values (the layer is Linux-only, like FUSE as used here).
const O_EXCL: i32 = 0o200;
const O_DSYNC: i32 = 0o10000;
const O_SYNC: i32 = 0o4010000;
const SYNC_FLAGS: i32 = O_SYNC | O_DSYNC;

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;

#[cfg(test)]
mod tests;
