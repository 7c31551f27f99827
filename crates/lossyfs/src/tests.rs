use super::*;
use std::io::{Read, Write};

struct Mounted {
    fs: LossyFs,
    backing: tempfile::TempDir,
    mnt: tempfile::TempDir,
}

fn mounted() -> Mounted {
    let backing = tempfile::tempdir().unwrap();
    let mnt = tempfile::tempdir().unwrap();
    let fs = LossyFs::mount(backing.path(), mnt.path()).expect("mount lossyfs (needs /dev/fuse and root)");
    Mounted { fs, backing, mnt }
}

#[test]
fn a_cut_leaves_each_file_as_it_was_at_its_last_sync() {
    let m = mounted();
    let synced = m.mnt.path().join("synced");
    let mut f = File::create(&synced).unwrap();
    f.write_all(&vec![b'a'; 10_000]).unwrap();
    f.sync_data().unwrap();
    f.write_all_at(b"bbbb", 5_000).unwrap(); // over synced bytes, not synced
    f.write_all(&vec![b'c'; 3_000]).unwrap(); // past the synced end, not synced
    assert_eq!(f.metadata().unwrap().len(), 13_000, "readers see unsynced writes");
    let mut seen = String::new();
    File::open(&synced).unwrap().read_to_string(&mut seen).unwrap();
    assert_eq!(&seen[5_000..5_004], "bbbb");

    let never = m.mnt.path().join("never-synced");
    std::fs::write(&never, b"lost").unwrap();

    let dir = m.mnt.path().join("sub");
    std::fs::create_dir(&dir).unwrap();
    let shrunk = dir.join("shrunk");
    let mut g = File::create(&shrunk).unwrap();
    g.write_all(&vec![b'd'; 9_000]).unwrap();
    g.sync_all().unwrap();
    g.set_len(100).unwrap(); // a truncation not synced
    std::fs::rename(&shrunk, dir.join("renamed")).unwrap();

    let cut = m.fs.cut().unwrap();
    assert_eq!(cut.files, 3, "{cut:?}");
    assert!(f.write_all(b"x").is_err(), "after the cut every write fails");
    assert!(std::fs::metadata(&synced).is_err(), "after the cut every lookup fails");
    drop((f, g));
    m.fs.unmount();

    let after = std::fs::read(m.backing.path().join("synced")).unwrap();
    assert_eq!(after, vec![b'a'; 10_000], "the synced content, and only it");
    assert_eq!(std::fs::read(m.backing.path().join("never-synced")).unwrap(), b"", "the name stays, its data is lost");
    assert_eq!(std::fs::read(m.backing.path().join("sub/renamed")).unwrap(), vec![b'd'; 9_000], "the truncation is undone under the new name");
}

#[test]
fn writes_through_o_dsync_and_synced_files_survive() {
    let m = mounted();
    let path = m.mnt.path().join("dsync");
    let mut f = OpenOptions::new().create(true).write(true).custom_flags(O_DSYNC).open(&path).unwrap();
    f.write_all(b"kept").unwrap();
    let other = m.mnt.path().join("other");
    let mut o = File::create(&other).unwrap();
    o.write_all(b"one").unwrap();
    o.sync_all().unwrap();
    o.write_all(b" two").unwrap();
    std::fs::remove_file(&other).unwrap(); // removed with writes pending: nothing to put back
    assert_eq!(m.fs.cut().unwrap(), Cut::default());
    drop((f, o));
    m.fs.unmount();
    assert_eq!(std::fs::read(m.backing.path().join("dsync")).unwrap(), b"kept");
    assert!(!m.backing.path().join("other").exists());
}

/// Run in a child process (by `a_process_holding_a_file_of_its_own_mount_still_exits`): mount,
/// open a file through the mount and never close it, stop the layer, exit.
#[test]
fn child_holds_a_file_of_its_mount() {
    if std::env::var_os("LOSSYFS_CHILD").is_none() {
        return; // only as the child
    }
    let m = mounted();
    let mut f = File::create(m.mnt.path().join("held")).unwrap();
    f.write_all(b"x").unwrap();
    std::mem::forget(f); // still open when the process exits
    m.fs.unmount();
    std::mem::forget(m.backing);
    std::mem::forget(m.mnt);
}

/// A process that still has a file of its own lossy mount open when it ends must end: closing
/// that file at exit must not wait for an answer from the layer, which is gone with the process
/// (it did, and a test binary hung as a zombie after all its tests had passed).
#[test]
fn a_process_holding_a_file_of_its_own_mount_still_exits() {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "tests::child_holds_a_file_of_its_mount", "--nocapture"])
        .env("LOSSYFS_CHILD", "1")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the child failed: {status}");
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the process did not exit within 30 s (a flush waits on a dead layer)");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
