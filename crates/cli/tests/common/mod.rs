//! Running the binary from the end-to-end tests: a server on a free port, one-shot commands.
#![allow(dead_code)] // each test file uses its own part

pub mod http;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};

/// A running `xiezhi serve`, stopped when dropped; `.1` is its `http://` address.
pub struct Server(pub Child, pub String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn db_args(data: &str, url: &Option<String>) -> Vec<String> {
    let mut v = vec!["--data".to_string(), data.to_string()];
    if let Some(u) = url {
        v.extend(["--database".to_string(), u.clone()]);
    }
    v
}

/// The binary, with none of the caller's `XIEZHI__*` settings (a developer's shell must not
/// change what a test runs against).
pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xiezhi"));
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("XIEZHI__")) {
        cmd.env_remove(name);
    }
    cmd
}

/// `xiezhi serve --demo` on a free port, with extra environment; waits until it listens.
pub fn serve(data: &str, url: &Option<String>, env: &[(&str, &str)]) -> Server {
    let mut child = binary()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(db_args(data, url))
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(a) = line.strip_prefix("xiezhi listening on ") {
            break a.to_string();
        }
    };
    Server(child, addr)
}

/// Run the binary to completion, optionally feeding standard input.
pub fn xiezhi(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = binary().args(args).env("RUST_LOG", "warn").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        let mut input = input;
        input.write_all(s.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A bearer token for a demo user from a running server, over plain HTTP/1.1.
pub fn token(addr: &str, username: &str) -> String {
    use std::io::Read;
    let host = addr.trim_start_matches("http://");
    let body = format!(r#"{{"username": "{username}", "password": "xiezhi-demo", "name": "test"}}"#);
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let v: serde_json::Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or_default().trim()).unwrap_or_else(|e| panic!("{e}: {answer}"));
    v["secret"].as_str().unwrap().to_string()
}
